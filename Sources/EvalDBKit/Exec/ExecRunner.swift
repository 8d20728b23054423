import Foundation

/// The tallies of a run's results so far.
struct ExecTally {
    var done = 0
    var passed = 0
    var failed = 0
    var errors = 0
    var errorKinds: [String: Int] = [:]
    var usage = UsageTotals()

    /// Counts a result line (canonical JSON) read back from the partial results.
    mutating func add(line: ArraySlice<UInt8>) {
        guard let tape = try? JSONParser.parse(bytes: Array(line)), tape.nodes.first?.kind == .object else { return }
        done += 1
        if let error = tape.member(0, "error"), [.object, .string].contains(tape.nodes[error].kind) {
            errors += 1
            let kind = tape.nodes[error].kind == .object ? tape.member(error, "kind").map { tape.string($0) } ?? "error" : "error"
            errorKinds[kind, default: 0] += 1
        } else if let pass = tape.member(0, "pass"), tape.nodes[pass].kind == .true {
            passed += 1
        } else {
            failed += 1
        }
        if let usage = tape.member(0, "usage"), tape.nodes[usage].kind == .object {
            self.usage.add(UsageTotals(usage: ExecValue(tape, usage).canonical))
        }
    }

    mutating func add(_ outcome: ItemOutcome) {
        done += 1
        if let error = outcome.error {
            errors += 1
            errorKinds[error.rawValue, default: 0] += 1
        } else if outcome.pass {
            passed += 1
        } else {
            failed += 1
        }
        usage.add(outcome.usage)
    }
}

/// Runs the items of a plan on `jobs` threads and appends each result to the partial results file
/// as it finishes (on the calling thread); returns how many it ran, and whether the run was
/// interrupted.
enum ExecRunner {
    static func run(
        setup: ExecSetup, feed: PlanFeed, jobs: Int, worker: Bool, results: Int32, resultsPath: String, tally: inout ExecTally,
        total: Int, progress: (ExecProgress) -> Void
    ) throws -> (executed: Int, interrupted: Bool) {
        let sink = ResultSink(jobs: jobs)
        for _ in 0..<jobs {
            startThread {
                defer { sink.jobEnded() }
                if worker {
                    StreamingWorker(setup: setup, feed: feed, sink: sink).run()
                    return
                }
                while !setup.children.isCancelled, var item = feed.next() {
                    guard let fields = ExampleFields(item.record) else { continue }
                    guard let answer = setup.answer(&item, fields), let outcome = setup.finish(item, fields, answer) else { return }
                    sink.put(outcome)
                }
            }
        }
        let started = monotonicNow()
        var executed = 0
        var buffer: [UInt8] = []
        var failure: (any Error)?
        var lastProgress = 0.0
        while true {
            let (outcomes, ended) = sink.take(waitingUpTo: 0.1)
            if !outcomes.isEmpty && failure == nil {
                buffer.removeAll(keepingCapacity: true)
                for outcome in outcomes { PartialRun.appendEntry(outcome.position, outcome.line, to: &buffer) }
                do {
                    try buffer.withUnsafeBufferPointer { try writeAll(results, $0, path: resultsPath) }
                    for outcome in outcomes { tally.add(outcome) }
                    executed += outcomes.count
                } catch {
                    // The results cannot be kept: stop everything, keep what was written.
                    failure = error
                    setup.children.cancel()
                }
            }
            let now = monotonicNow()
            if ended || now - lastProgress >= 0.1 {
                lastProgress = now
                progress(
                    ExecProgress(
                        done: tally.done, total: total, passed: tally.passed, failed: tally.failed, errors: tally.errors, executed: executed,
                        elapsed: now - started))
            }
            if ended { break }
        }
        if let failure { throw failure }
        return (executed, setup.children.isCancelled)
    }
}
