import Foundation

/// Hands values from one producing thread to one consuming thread, holding at most `limit` at a
/// time so that memory stays bounded when the producer is faster.
///
/// Either side can stop the other: the producer with `finish(error:)`, the consumer with
/// `cancel()`, after which `put` returns false.
final class Handoff<Value: Sendable>: @unchecked Sendable {  // its state behind `condition`
    private let condition = NSCondition()
    private var values: [Value] = []
    private let limit: Int
    private var finished = false
    private var cancelled = false
    private var failure: (any Error)?

    init(limit: Int) { self.limit = limit }

    /// Waits for room, then queues `value`. False when the consumer has cancelled.
    func put(_ value: Value) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while values.count >= limit && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        values.append(value)
        condition.broadcast()
        return true
    }

    /// No more values; `error` is rethrown to the consumer once the queued values are taken.
    func finish(error: (any Error)? = nil) {
        condition.lock()
        finished = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for the next value; nil once the producer has finished and every value was taken.
    func take() throws -> Value? {
        condition.lock()
        defer { condition.unlock() }
        while values.isEmpty && !finished { condition.wait() }
        if !values.isEmpty {
            condition.broadcast()
            return values.removeFirst()
        }
        if let failure { throw failure }
        return nil
    }

    /// The consumer gives up: the producer's next `put` returns false.
    func cancel() {
        condition.lock()
        cancelled = true
        values.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until the producer has finished.
    func waitUntilFinished() {
        condition.lock()
        while !finished { condition.wait() }
        condition.unlock()
    }
}

/// Runs `body` on a new thread (with a stack big enough for deeply nested JSON).
func startThread(_ body: @escaping @Sendable () -> Void) {
    let thread = Thread(block: body)
    thread.stackSize = 16 << 20
    thread.start()
}

/// Puts the values that several producing threads finish, out of order, back into sequence order
/// (0, 1, 2, ...) for one consumer. A producer waits while its value is `window` or more ahead of
/// the next one due, so that memory stays bounded.
final class Sequencer<Value: Sendable>: @unchecked Sendable {  // its state behind `condition`
    private let condition = NSCondition()
    private var pending: [Int: Value] = [:]
    private var next = 0
    private let window: Int
    private var producersLeft: Int
    private var cancelled = false
    private var failure: (any Error)?

    init(window: Int, producers: Int) {
        self.window = window
        producersLeft = producers
    }

    /// Stores the value with sequence number `sequence`. False when the consumer has cancelled.
    func put(_ sequence: Int, _ value: Value) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while sequence >= next + window && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        pending[sequence] = value
        condition.broadcast()
        return true
    }

    /// One producer has put all its values.
    func producerFinished() {
        condition.lock()
        producersLeft -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// One producer failed: the consumer gets `error` once the values before it are taken.
    func fail(_ error: any Error) {
        condition.lock()
        if failure == nil { failure = error }
        producersLeft -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// The next value in sequence; nil once every producer has finished and all were taken.
    func take() throws -> Value? {
        condition.lock()
        defer { condition.unlock() }
        while pending[next] == nil && producersLeft > 0 && failure == nil && !cancelled { condition.wait() }
        if let value = pending.removeValue(forKey: next) {
            next += 1
            condition.broadcast()
            return value
        }
        if let failure { throw failure }
        return nil
    }

    /// The consumer gives up: producers' `put` returns false from now on.
    func cancel() {
        condition.lock()
        cancelled = true
        pending.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}

/// Lets a value that is used by one thread at a time cross to another thread. Each use says, where
/// it is made, what keeps it to one thread at a time (a join, disjoint elements).
final class Unchecked<Value>: @unchecked Sendable {  // one thread at a time, as each use says
    let value: Value
    init(_ value: Value) { self.value = value }
}
