import Foundation

/// Hands values from one producing thread to one consuming thread, holding at most `limit` at a
/// time so that memory stays bounded when the producer is faster.
///
/// Either side can stop the other: the producer with `finish(error:)`, the consumer with
/// `cancel()`, after which `put` returns false.
final class Handoff<Value: Sendable>: @unchecked Sendable {
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
