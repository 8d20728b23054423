import Foundation
import Testing

@testable import EvalDBKit

/// `Store.exec` in process: its job threads, streaming workers, the result sink and the cached
/// system, as CI runs them again under ThreadSanitizer (.ci/run).
@Suite("run exec in process: jobs, workers, cancellation, the cached system")
struct ExecTests {
    /// A command that answers each record (a line) with its expected output, or text for ids
    /// ending in 3: per process it reads one line, as a worker every line.
    static let echo = [
        "python3", "-c",
        "import sys, json\nfor line in sys.stdin:\n r = json.loads(line)\n print(json.dumps(r['expected_output']) if not r['id'].endswith('3') else 'no', flush=True)",
    ]

    func lines(_ store: Store, _ name: String) throws -> [String] {
        var lines: [String] = []
        try store.exportRun(try store.run(named: name)) {
            lines.append($0.replacingOccurrences(of: #""latency_ms": [0-9]+, "#, with: "", options: .regularExpression))
        }
        return lines
    }

    @Test("jobs and workers on threads record the same run as one job")
    func threadsAgree() throws {
        let folder = try TemporaryFolder()
        let (store, _) = try RunTests.store(folder, count: 40)
        var one = ExecOptions(name: "one", command: Self.echo)
        one.jobs = 1
        var many = ExecOptions(name: "many", command: Self.echo)
        many.jobs = 6
        many.trials = 2
        var workers = ExecOptions(name: "workers", command: Self.echo)
        workers.jobs = 3
        workers.worker = true
        workers.trials = 2
        one.trials = 2
        for options in [one, many, workers] {
            let outcome = try store.exec(options)
            #expect(outcome.recorded?.run.resultCount == 80 && outcome.errors == 0, "\(options.name)")
            #expect(outcome.passed == 72 && outcome.failed == 8, "\(options.name): \(outcome.passed) \(outcome.failed)")
        }
        #expect(try lines(store, "one") == lines(store, "many"))
        #expect(try lines(store, "one") == lines(store, "workers"))
    }

    @Test("a cancellation from another thread stops the jobs, keeps what finished, and the run resumes")
    func cancelThenResume() throws {
        let folder = try TemporaryFolder()
        let (store, _) = try RunTests.store(folder, count: 12)
        // The first three calls answer at once; the others wait at a gate, which opens only for
        // the resumed run: the cancellation comes while three are running, however fast the machine.
        let system = """
            import os, sys, time
            sys.stdin.read()
            for slot in range(3):
                try:
                    os.close(os.open(os.path.join(sys.argv[1], "slot-%d" % slot), os.O_CREAT | os.O_EXCL)); print('"x"'); sys.exit(0)
                except FileExistsError: pass
            while not os.path.exists(os.path.join(sys.argv[1], "gate")): time.sleep(0.005)
            print('"x"')
            """
        var options = ExecOptions(name: "slow", command: ["python3", "-c", system, folder.path])
        options.jobs = 3
        let cancellation = ExecCancellation()
        var seen = 0
        let first = try store.exec(options, cancellation: cancellation) { progress in
            seen = progress.done
            if progress.done >= 3 { cancellation.cancel() }
        }
        #expect(first.recorded == nil && first.done == 3, "\(first.done)")
        #expect(seen == 3)
        #expect(FileManager.default.createFile(atPath: folder.file("gate"), contents: Data()))
        options.resume = true
        let second = try store.exec(options)
        #expect(second.recorded?.run.resultCount == 12 && second.resumed == first.done)
    }

    @Test("the cached system answers several threads at once and runs each graded content once")
    func cachedSystemOnThreads() throws {
        let folder = try TemporaryFolder()
        let (store, version) = try RunTests.store(folder, count: 6)
        let log = folder.file("calls.txt")
        let command = [
            "python3", "-c",
            "import sys, json\nr = json.loads(sys.stdin.read())\nopen(sys.argv[1], 'a').write(r['id'] + '\\n')\nprint(json.dumps(r['expected_output']))",
            log,
        ]
        let system = try CachedSystem(options: ExecOptions(name: "serve", command: command), databasePath: store.path)
        var read: [String] = []
        try store.forEachRecord(of: version) { read.append(String(decoding: $0, as: UTF8.self)) }
        let records = read
        let results = Unchecked(ResultsBox())
        DispatchQueue.concurrentPerform(iterations: 12) { index in
            let result = system.result(of: records[index % records.count])
            results.value.lock.withLock { results.value.passes.append(result?.pass == true) }
        }
        #expect(results.value.passes.count == 12 && results.value.passes.allSatisfy { $0 })
        let calls = (try String(contentsOfFile: log, encoding: .utf8)).split(separator: "\n")
        #expect(calls.count >= 6 && calls.count <= 12, "each example at least once; two threads may race to run one")
        #expect(records.allSatisfy { system.isCached($0) })
    }
}

private final class ResultsBox {
    let lock = NSLock()
    var passes: [Bool] = []
}
