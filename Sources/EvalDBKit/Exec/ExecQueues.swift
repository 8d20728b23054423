import Foundation

/// Hands the jobs the items still to run, in the plan's order: each example of the plan file, one
/// item a trial, skipping the positions that have a result already (reused, or finished before an
/// interruption). Any number of jobs take from it; the plan file is read once, as they take.
final class PlanFeed: @unchecked Sendable {  // its reader and position behind `lock`
    private let lock = NSLock()
    private let reader: LineFileReader
    private let trials: Int
    private let done: [Bool]
    private var example = -1
    private var record: [UInt8] = []
    private var trial = 0

    /// `reader` is at the plan's first example; `done[position]` is true for finished positions.
    init(_ reader: LineFileReader, trials: Int, done: [Bool]) {
        self.reader = reader
        self.trials = trials
        self.done = done
        trial = trials
    }

    func next() -> ExecItem? {
        lock.withLock {
            while true {
                if example >= 0 && trial < trials {
                    let position = example * trials + trial
                    trial += 1
                    if position < done.count && done[position] { continue }
                    return ExecItem(position: position, trial: trial - 1, record: record)
                }
                guard let line = reader.nextLine() else { return nil }
                example += 1
                record = line
                trial = 0
            }
        }
    }
}

/// Where the jobs leave finished items for the thread that records them.
final class ResultSink: @unchecked Sendable {  // its state behind `condition`
    private let condition = NSCondition()
    private var outcomes: [ItemOutcome] = []
    private var running: Int

    init(jobs: Int) { running = jobs }

    func put(_ outcome: ItemOutcome) {
        condition.lock()
        outcomes.append(outcome)
        // The taker takes all that waits: waking it once, when the first arrives, is enough.
        if outcomes.count == 1 { condition.signal() }
        condition.unlock()
    }

    func jobEnded() {
        condition.lock()
        running -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Waits up to `seconds` for an outcome; returns every outcome waiting, and whether every job
    /// has ended (nothing more will come).
    func take(waitingUpTo seconds: Double) -> (outcomes: [ItemOutcome], ended: Bool) {
        condition.lock()
        defer { condition.unlock() }
        if outcomes.isEmpty && running > 0 { _ = condition.wait(until: Date(timeIntervalSinceNow: seconds)) }
        let taken = outcomes
        outcomes.removeAll(keepingCapacity: true)
        return (taken, running == 0 && taken.isEmpty)
    }
}

/// Reads a file a line at a time (without the newline), through a buffer.
final class LineFileReader {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var finished = false

    init(path: String) throws {
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw EvalDBError.cannotRead(path: path, reason: String(cString: strerror(errno))) }
    }

    deinit { close(descriptor) }

    /// What is left of the file, a buffer at a time, lines ignored; nil at the end.
    func nextChunk() -> ArraySlice<UInt8>? {
        if start < buffer.count {
            defer { start = buffer.count }
            return buffer[start...]
        }
        guard !finished else { return nil }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        let count = read(descriptor, &chunk, chunk.count)
        guard count > 0 else {
            finished = true
            return nil
        }
        bytesRead += count
        return chunk[0..<count]
    }

    /// Bytes read from the file so far.
    private(set) var bytesRead = 0

    /// The next line, without its newline unless `terminated`; nil at the end (a last line
    /// without a newline is a line).
    func nextLine(terminated: Bool = false) -> [UInt8]? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                let line = Array(buffer[start..<(terminated ? newline + 1 : newline)])
                start = newline + 1
                return line
            }
            if finished {
                guard start < buffer.count else { return nil }
                let line = Array(buffer[start...])
                start = buffer.count
                return line
            }
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            var chunk = [UInt8](repeating: 0, count: 1 << 20)
            let count = read(descriptor, &chunk, chunk.count)
            if count <= 0 && !(count < 0 && errno == EINTR) {
                finished = true
            } else if count > 0 {
                buffer += chunk[0..<count]
                bytesRead += count
            }
        }
    }
}
