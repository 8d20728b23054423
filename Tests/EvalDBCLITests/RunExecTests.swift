import Foundation
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// A dataset record whose `mode` label tells the test system (`ExecFolder.system`) what to do.
func execRecord(
    _ id: String, mode: String = "echo", input: String = "is there a table for two tonight?", expected: String = #"{"action": "check_availability"}"#
)
    -> String
{
    #"{"author": "@ana", "context": null, "created_at": "2026-04-16", "expected_output": \#(expected), "id": \#(jsonString(id)), "input": \#(jsonString(input)), "labels": {"feature": "booking-lookup", "mode": "\#(mode)"}, "notes": null, "source": "synth"}"#
        + "\n"
}

/// A JSON string literal (Foundation's escaping is enough for test data).
func jsonString(_ text: String) -> String {
    String(decoding: try! JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes]), as: UTF8.self).dropFirst().dropLast()
        .description
}

/// A test folder with a database, a dataset, and the test's system: a Python script that logs each
/// invocation (id, trial, stdin) to `calls.jsonl` and answers as the example's `mode` label says.
struct ExecFolder {
    let cli: CLI
    var folder: String { cli.folder }

    static let system = """
        import json, os, sys, time
        raw = sys.stdin.buffer.read()
        record = json.loads(raw)
        with open(os.environ["EXEC_LOG"], "a") as log:
            log.write(json.dumps({"id": os.environ.get("EVALDB_ID"), "trial": os.environ.get("EVALDB_TRIAL"), "stdin": raw.decode()}) + "\\n")
        mode = record["labels"].get("mode", "echo")
        trial = int(os.environ.get("EVALDB_TRIAL", "0"))
        if mode == "echo": print(json.dumps(record["expected_output"]))
        elif mode == "wrong": print("something else")
        elif mode == "exit": sys.stderr.write("traceback: it broke, key " + os.environ.get("TEST_API_KEY", "") + "\\n"); sys.exit(4)
        elif mode == "sleep": time.sleep(30)
        elif mode == "gated":
            # Answers once the test opens the gate (a file): until then, the command is running.
            while not os.path.exists(os.environ["EXEC_LOG"] + ".gate"): time.sleep(0.005)
            print(json.dumps(record["expected_output"]))
        elif mode == "flaky": print(json.dumps(record["expected_output"]) if trial % 2 == 0 else "no")
        elif mode == "once":
            marker = os.environ["EXEC_LOG"] + "." + record["id"]
            if not os.path.exists(marker):
                open(marker, "w").close(); sys.exit(1)
            print(json.dumps(record["expected_output"]))
        elif mode == "binary": sys.stdout.buffer.write(b"\\xff\\xfeok")
        elif mode == "big": sys.stdout.write("x" * 5000)
        elif mode == "env": print(json.dumps({"id": os.environ["EVALDB_ID"], "input": record["input"]}))
        elif mode == "secret": print("the key is " + os.environ.get("TEST_API_KEY", ""))
        elif mode == "usage": print(json.dumps({"output": record["expected_output"], "usage": {"input_tokens": 10, "output_tokens": 2, "cost_usd": 0.5}}))
        """

    /// The same system as a streaming worker (it cannot know the trial).
    static let worker = """
        import json, sys
        for line in sys.stdin:
            record = json.loads(line)
            mode = record["labels"].get("mode", "echo")
            print(json.dumps(record["expected_output"]) if mode in ("echo", "flaky") else "something else", flush=True)
        """

    init(records: [String]) throws {
        cli = try CLI()
        try cli.write("golden.jsonl", records.joined())
        try cli.write("system.py", Self.system)
        try cli.write("worker.py", Self.worker)
        let imported = try cli.run(["import", "golden.jsonl"])
        #expect(imported.status == 0, "\(imported.stderr)")
    }

    /// Runs evaldb with the test's database and invocation log.
    func evaldb(_ arguments: [String], environment: [String: String] = [:]) throws -> CLI.Result {
        try CLI.execute(
            CLI.binary, arguments, in: folder,
            environment: ["EVALDB_DB": cli.database, "EXEC_LOG": folder + "/calls.jsonl"].merging(environment) { $1 })
    }

    /// `run exec --name NAME OPTIONS -- python3 system.py`, which must exit with `status`.
    @discardableResult
    func exec(_ name: String, _ options: [String] = [], status: Int32 = 0, environment: [String: String] = [:]) throws -> CLI.Result {
        let result = try evaldb(["run", "exec", "--name", name] + options + ["--", "python3", "system.py"], environment: environment)
        #expect(result.status == status, "run exec \(name): \(result.output) \(result.stderr)")
        return result
    }

    /// The invocations logged so far, and the log emptied.
    func takeCalls() throws -> [[String: Any]] {
        let path = folder + "/calls.jsonl"
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        try FileManager.default.removeItem(atPath: path)
        return data.split(separator: 0x0A).map { try! JSONSerialization.jsonObject(with: Data($0)) as! [String: Any] }
    }

    /// A run's result lines as exported.
    func lines(_ run: String) throws -> [String] {
        let exported = try evaldb(["run", "export", run])
        #expect(exported.status == 0, "\(exported.stderr)")
        return exported.output.split(separator: "\n").map(String.init)
    }

    /// A run's results, without their latency (a measurement, the one thing two runs of the same
    /// deterministic command differ in).
    func results(_ run: String) throws -> [[String: Any]] {
        try lines(run).map {
            var object = try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
            object["latency_ms"] = nil
            return object
        }
    }

    /// The result lines without latency, as canonical-ish text to compare runs byte for byte.
    func comparable(_ run: String) throws -> [String] {
        try lines(run).map { $0.replacingOccurrences(of: #""latency_ms": [0-9]+, "#, with: "", options: .regularExpression) }
    }
}

@Suite("run exec: each example through the system, recorded as a run", .serialized)
struct RunExecTests {
    @Test("the protocol: the canonical record on stdin, EVALDB_ID and EVALDB_TRIAL, the output on stdout, recorded in dataset order")
    func protocolAndRecording() throws {
        let folder = try ExecFolder(records: [execRecord("b-1"), execRecord("a-2", mode: "wrong"), execRecord("c-3", mode: "env")])
        defer { folder.cli.cleanUp() }
        let run = try folder.exec("first", ["--trials", "2"])
        #expect(run.output.contains("run first: 6 results against version 1"), "\(run.output)")
        #expect(run.output.contains("passed 2, failed 4, errors 0"), "\(run.output)")
        let calls = try folder.takeCalls()
        #expect(calls.count == 6)
        let golden = String(decoding: try folder.cli.read("golden.jsonl"), as: UTF8.self).split(separator: "\n").map { String($0) + "\n" }
        for call in calls {
            let id = call["id"] as! String
            #expect(call["stdin"] as? String == golden.first { $0.contains("\"id\": \"\(id)\"") }, "the record, one line")
            #expect(["0", "1"].contains(call["trial"] as? String))
        }
        let results = try folder.results("first")
        #expect(results.map { $0["id"] as! String } == ["b-1", "b-1", "a-2", "a-2", "c-3", "c-3"])
        #expect(results.map { $0["trial"] as! Int } == [0, 1, 0, 1, 0, 1])
        #expect(results[0]["output"] as? [String: String] == ["action": "check_availability"] && results[0]["pass"] as? Bool == true)
        #expect(results[2]["output"] as? String == "something else" && results[2]["pass"] as? Bool == false)
        #expect(results[4]["output"] as? [String: String] == ["id": "c-3", "input": "is there a table for two tonight?"])
        #expect(results.allSatisfy { $0["grader"] as? String == "exact" })
        #expect(try folder.lines("first").allSatisfy { $0.contains("\"latency_ms\": ") })
        // A run like any recorded one: listed, reported, its meta naming the grader and the command's digest.
        let show = try folder.evaldb(["run", "show", "first", "--format", "json"])
        let object = try JSONSerialization.jsonObject(with: show.stdout) as! [String: Any]
        let meta = object["meta"] as! [String: String]
        #expect(meta["grader"] == "exact" && meta["exec"]?.hasPrefix("sha256:") == true)
        #expect(object["results"] as? Int == 6)
        #expect(!FileManager.default.fileExists(atPath: folder.folder + "/db/exec"), "nothing left of the partial run")
        #expect(try folder.evaldb(["run", "exec", "--name", "first", "--", "python3", "system.py"]).stderr.contains("exists already"))
    }

    @Test("hostile ids and inputs reach the command as data: never a shell, never an argument")
    func hostileRecords() throws {
        let hostile = [
            ("$(touch pwned-id)", "$(touch pwned-input); `touch pwned-tick` \"quoted\" 'single' ; rm -rf / \n second line"),
            ("`touch pwned-tick-id`", "a\\\"b\u{0}c? * [x] > out.txt | cat && echo no"),
            ("semi;colon \"q\" 'q'", "${HOME} %s %n \\x41"),
        ]
        let folder = try ExecFolder(records: hostile.map { execRecord($0.0, mode: "env", input: $0.1) })
        defer { folder.cli.cleanUp() }
        try folder.exec("hostile")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.folder)
        #expect(!files.contains { $0.hasPrefix("pwned") || $0 == "out.txt" }, "\(files)")
        let results = try folder.results("hostile")
        for (index, (id, input)) in hostile.enumerated() {
            #expect(results[index]["id"] as? String == id)
            #expect(results[index]["output"] as? [String: String] == ["id": id, "input": input], "\(results[index])")
        }
        let calls = try folder.takeCalls()
        #expect(Set(calls.compactMap { $0["id"] as? String }) == Set(hostile.map(\.0)))
    }

    @Test("timeout, retries, error vs fail: errors are recorded with their stderr tail and left out of pass rates")
    func errorsAreNotFails() throws {
        let folder = try ExecFolder(records: [
            execRecord("ok-1"), execRecord("wrong-1", mode: "wrong"), execRecord("exit-1", mode: "exit"), execRecord("sleep-1", mode: "sleep"),
            execRecord("once-1", mode: "once"), execRecord("binary-1", mode: "binary"), execRecord("big-1", mode: "big"),
        ])
        defer { folder.cli.cleanUp() }
        let started = Date()
        let run = try folder.exec(
            "errors", ["--timeout", "6s", "--retries", "1", "--max-output", "1000", "--jobs", "3"],
            environment: ["TEST_API_KEY": "sk-test-0123456789abcdef"])
        #expect(Date().timeIntervalSince(started) < 30, "the sleeping command (30 s) was killed at its timeout")
        #expect(run.output.contains("passed 2, failed 1, errors 4"), "\(run.output)")
        let results = try folder.results("errors")
        func result(_ id: String) -> [String: Any] { results.first { $0["id"] as? String == id }! }
        func error(_ id: String) -> [String: Any]? { result(id)["error"] as? [String: Any] }
        #expect(error("ok-1") == nil && result("ok-1")["pass"] as? Bool == true)
        #expect(error("wrong-1") == nil && result("wrong-1")["pass"] as? Bool == false)
        let exit = try #require(error("exit-1"))
        #expect(exit["kind"] as? String == "exit" && exit["status"] as? Int == 4 && result("exit-1")["attempts"] as? Int == 2)
        #expect(exit["stderr"] as? String == "traceback: it broke, key [redacted TEST_API_KEY]\n")
        #expect(error("sleep-1")?["kind"] as? String == "timeout" && result("sleep-1")["pass"] as? Bool == false)
        #expect(
            error("once-1") == nil && result("once-1")["attempts"] as? Int == 2 && result("once-1")["pass"] as? Bool == true, "retried, then passed")
        #expect(error("binary-1")?["kind"] as? String == "output" && result("binary-1")["output"] as? String == "\u{FFFD}\u{FFFD}ok")
        #expect(error("big-1")?["kind"] as? String == "output" && result("big-1")["output_truncated"] as? Bool == true)
        #expect((result("big-1")["output"] as? String)?.utf8.count == 1000)
        // report: 3 graded examples (2 passed), 4 errors in their own column.
        let report = try JSONSerialization.jsonObject(with: try folder.evaldb(["report", "errors", "--format", "json"]).stdout) as! [[String: Any]]
        #expect(report[0]["examples"] as? Int == 3 && report[0]["passed"] as? Int == 2 && report[0]["errors"] as? Int == 4, "\(report)")
        // review shows an error as one, and the grader's reason for a fail.
        let shown = try CLI.execute(
            CLI.binary, ["review", "--run", "errors", "--failed", "--reviewer", "ana"], in: folder.folder, stdin: Data("s\ns\ns\ns\ns\nq\n".utf8),
            environment: ["EVALDB_DB": folder.cli.database])
        #expect(shown.output.contains("run errors: ERROR  exit: the command exited with status 4"), "\(shown.output)")
        #expect(shown.output.contains("run errors: ERROR  timeout: the command did not finish within 6 s"), "\(shown.output)")
        // The secret is nowhere in the database's copy of the run.
        #expect(try !folder.lines("errors").joined().contains("sk-test-0123456789abcdef"))
        // --only errors --from runs exactly the errored examples again.
        _ = try folder.takeCalls()
        let rerun = try folder.exec("errors-again", ["--only", "errors", "--from", "errors", "--timeout", "6s", "--max-output", "1000"])
        #expect(rerun.output.contains("run errors-again: 4 results"), "\(rerun.output)")
        let errored: Set<String> = ["exit-1", "sleep-1", "binary-1", "big-1"]
        #expect(Set(try folder.results("errors-again").map { $0["id"] as! String }) == errored)
        // A command logs its call once Python has started: one killed at its timeout on a loaded
        // machine may not have got that far, so the log holds the errored examples, if not all.
        #expect(Set(try folder.takeCalls().map { $0["id"] as! String }).isSubset(of: errored))
    }

    @Test("--jobs 1 and --jobs 8 record the same run; so does --worker")
    func jobsDoNotChangeTheRun() throws {
        let records = (0..<24).map { execRecord(String(format: "ex-%02d", $0), mode: ["echo", "wrong", "flaky"][$0 % 3]) }
        let folder = try ExecFolder(records: records)
        defer { folder.cli.cleanUp() }
        try folder.exec("one", ["--jobs", "1", "--trials", "2"])
        try folder.exec("eight", ["--jobs", "8", "--trials", "2"])
        #expect(try folder.comparable("one") == folder.comparable("eight"))
        // A worker does not know the trial: compare the examples that do not depend on it.
        let workers = try folder.evaldb([
            "run", "exec", "--name", "workers", "--jobs", "3", "--trials", "2", "--worker", "--", "python3", "worker.py",
        ])
        #expect(workers.status == 0, "\(workers.stderr)")
        let perProcess = try folder.comparable("one"), streamed = try folder.comparable("workers")
        #expect(streamed.count == 48)
        for (a, b) in zip(perProcess, streamed) where Int(a.components(separatedBy: "\"ex-")[1].prefix(2))! % 3 != 2 { #expect(a == b) }
        let flaky = try folder.results("one").filter { ($0["id"] as! String).hasSuffix("2") || ($0["id"] as! String).hasSuffix("5") }
        #expect(flaky.count > 0)
        let report = try folder.evaldb(["report", "eight"])
        #expect(report.output.contains("flaky (trials disagree): ex-02 1/2"), "\(report.output)")
    }

    @Test("--resume after a kill finishes exactly the run an uninterrupted one makes, running only what was not finished")
    func resumeAfterKill() throws {
        // Four examples answer at once, the rest wait at a gate the test opens after the kill: the
        // kill lands with exactly four results kept and two commands running.
        let records = (0..<12).map { execRecord("ex-\($0)", mode: $0 < 4 ? ($0 == 3 ? "wrong" : "echo") : "gated") }
        let folder = try ExecFolder(records: records)
        defer { folder.cli.cleanUp() }
        let calls = folder.folder + "/calls.jsonl"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["run", "exec", "--name", "killed", "--jobs", "2", "--", "python3", "system.py"]
        process.currentDirectoryURL = URL(fileURLWithPath: folder.folder)
        process.environment = ProcessInfo.processInfo.environment.merging(["EVALDB_DB": folder.cli.database, "EXEC_LOG": calls]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var partial = ""
        let atTheGate = waitUntil {
            guard let name = try? FileManager.default.contentsOfDirectory(atPath: folder.folder + "/db/exec").first else { return false }
            partial = folder.folder + "/db/exec/\(name)"
            return lineCount(partial + "/results.jsonl") == 4 && lineCount(calls) == 6
        }
        #expect(atTheGate, "four results kept, two commands waiting at the gate")
        kill(process.processIdentifier, SIGKILL)
        // The killed run's two commands logged their calls before the gate: let them answer a
        // parent that is gone. (Foundation sees the kill once they end: they hold its socket.)
        #expect(FileManager.default.createFile(atPath: calls + ".gate", contents: Data()))
        process.waitUntilExit()
        let kept = lineCount(partial + "/results.jsonl")
        #expect(kept == 4, "\(kept)")
        #expect(try folder.evaldb(["run", "list", "--format", "json"]).output.contains("killed") == false, "nothing recorded yet")
        #expect(try folder.takeCalls().count == 6)

        let again = try folder.exec("killed", status: 2)
        #expect(again.stderr.contains("was interrupted with") && again.stderr.contains("--resume"), "\(again.stderr)")
        let mismatch = try folder.exec("killed", ["--resume", "--trials", "2"], status: 2)
        #expect(mismatch.stderr.contains("trials 1, not 2"), "\(mismatch.stderr)")
        let resumed = try folder.exec("killed", ["--resume", "--jobs", "3"])
        #expect(resumed.output.contains("4 kept from before the interruption"), "\(resumed.output)")
        let ran = try folder.takeCalls().map { $0["id"] as! String }
        #expect(ran.sorted() == (4..<12).map { "ex-\($0)" }.sorted(), "only the unfinished examples run again")
        try folder.exec("uninterrupted", ["--jobs", "1"])
        #expect(try folder.comparable("killed") == folder.comparable("uninterrupted"))
        #expect(!FileManager.default.fileExists(atPath: partial))
        #expect(try folder.exec("nothing", ["--resume"], status: 2).stderr.contains("no interrupted run"))
    }

    @Test("--reuse runs only the examples whose graded content changed; a label change keeps a result")
    func reuseRunsOnlyWhatChanged() throws {
        let records = (0..<10).map { execRecord("r-\($0)", mode: $0 < 8 ? "echo" : "wrong") }
        let folder = try ExecFolder(records: records)
        defer { folder.cli.cleanUp() }
        try folder.exec("base")
        #expect(try folder.takeCalls().count == 10)
        // Edit two inputs, relabel a third, add one.
        var edited = records
        edited[2] = execRecord("r-2", input: "a table for three?")
        edited[5] = execRecord("r-5", expected: #"{"action": "reply"}"#)
        edited[7] = edited[7].replacingOccurrences(of: "\"feature\": \"booking-lookup\"", with: "\"feature\": \"policy-question\"")
        edited.append(execRecord("r-10"))
        try folder.cli.write("golden.jsonl", edited.joined())
        #expect(try folder.evaldb(["import", "golden.jsonl"]).status == 0)
        let reused = try folder.exec("next", ["--reuse", "base"])
        #expect(reused.output.contains("ran 3, reused 8 from run base"), "\(reused.output)")
        #expect(Set(try folder.takeCalls().map { $0["id"] as! String }) == ["r-2", "r-5", "r-10"])
        let results = try folder.results("next")
        #expect(results.count == 11 && results.filter { $0["reused_from"] as? String == "base" }.count == 8)
        // The same run, computed in full, has the same results but for the marks of reuse.
        try folder.exec("full")
        #expect(try folder.comparable("next").map { $0.replacingOccurrences(of: #""reused_from": "base", "#, with: "") } == folder.comparable("full"))
        // Only a run of the same command and grader can be reused.
        let other = try folder.exec("other", ["--reuse", "base", "--grade", "contains"], status: 2)
        #expect(other.stderr.contains("not made by the same command"), "\(other.stderr)")
    }

    @Test("--only failed --from RUN runs exactly the examples that failed there, by id and graded content")
    func onlyFailed() throws {
        let records = (0..<8).map { execRecord("f-\($0)", mode: $0 % 3 == 0 ? "wrong" : "echo") }
        let folder = try ExecFolder(records: records)
        defer { folder.cli.cleanUp() }
        try folder.exec("first")
        _ = try folder.takeCalls()
        // f-3 failed and is then edited: it is another example now, not run by --only.
        var edited = records
        edited[3] = execRecord("f-3", mode: "wrong", input: "a new question")
        try folder.cli.write("golden.jsonl", edited.joined())
        #expect(try folder.evaldb(["import", "golden.jsonl"]).status == 0)
        let rerun = try folder.exec("failed-again", ["--only", "failed", "--from", "first"])
        #expect(rerun.output.contains("left out: 1 examples"), "\(rerun.output)")
        #expect(try folder.takeCalls().map { $0["id"] as! String }.sorted() == ["f-0", "f-6"])
        #expect(try folder.results("failed-again").map { $0["id"] as! String } == ["f-0", "f-6"])
    }

    @Test("a streaming worker: one process per job, JSONL in, a line out per record; a worker dying mid-stream is an error for one example")
    func streamingWorker() throws {
        let folder = try ExecFolder(records: (0..<20).map { execRecord("w-\($0)", mode: $0 == 7 ? "die" : "echo") })
        defer { folder.cli.cleanUp() }
        try folder.cli.write(
            "worker.py",
            """
            import json, os, sys
            with open(os.environ["EXEC_LOG"], "a") as log:
                log.write(json.dumps({"worker": os.getpid(), "env": os.environ.get("EVALDB_WORKER")}) + "\\n")
            for line in sys.stdin:
                record = json.loads(line)
                if record["labels"]["mode"] == "die":
                    sys.stderr.write("worker: cannot go on\\n"); sys.exit(9)
                print(json.dumps(record["expected_output"]), flush=True)
            """)
        let run = try folder.evaldb(["run", "exec", "--name", "streamed", "--worker", "--jobs", "2", "--", "python3", "worker.py"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.output.contains("passed 19, failed 0, errors 1 (worker 1)"), "\(run.output)")
        let starts = try folder.takeCalls()
        #expect(starts.count >= 2 && starts.count <= 4, "a worker a job, and one more for the one that died: \(starts.count)")
        #expect(starts.allSatisfy { $0["env"] as? String == "1" })
        let results = try folder.results("streamed")
        #expect(results.map { $0["id"] as! String } == (0..<20).map { "w-\($0)" })
        let died = try #require(results[7]["error"] as? [String: Any])
        #expect(died["kind"] as? String == "worker" && died["status"] as? Int == 9 && (died["stderr"] as? String)?.contains("cannot go on") == true)
    }

    @Test("usage reported by the command is kept and summed; --send input gives the command the input alone")
    func usageAndInputOnly() throws {
        let folder = try ExecFolder(records: [execRecord("u-1", mode: "usage"), execRecord("u-2", mode: "usage")])
        defer { folder.cli.cleanUp() }
        let run = try folder.exec("usage", ["--format", "json"])
        let summary = try JSONSerialization.jsonObject(with: run.stdout) as! [String: Any]
        let usage = try #require(summary["usage"] as? [String: Any])
        #expect(usage["input_tokens"] as? Int == 20 && usage["output_tokens"] as? Int == 4 && usage["cost_usd"] as? Double == 1.0)
        let results = try folder.results("usage")
        #expect(results[0]["pass"] as? Bool == true && (results[0]["usage"] as? [String: Any])?["input_tokens"] as? Int == 10)
        try folder.cli.write("echo-input.py", "import sys\nsys.stdout.write('you said: ' + sys.stdin.read())\n")
        let echoed = try folder.evaldb(["run", "exec", "--name", "text", "--send", "input", "--", "python3", "echo-input.py"])
        #expect(echoed.status == 0, "\(echoed.stderr)")
        #expect(try folder.results("text").first?["output"] as? String == "you said: is there a table for two tonight?")
    }

    @Test("the one-line gate: --compare BASE --budget PTS exits 0, 1 or 3 as compare does, and writes --junit")
    func oneLineGate() throws {
        let records = (0..<30).map { execRecord("g-\($0)", mode: "echo") }
        let folder = try ExecFolder(records: records)
        defer { folder.cli.cleanUp() }
        try folder.exec("baseline")
        let same = try folder.exec("same", ["--compare", "baseline", "--budget", "15", "--junit", "gate.xml"])
        #expect(same.output.contains("verdict: pass"), "\(same.output)")
        let document = try XMLDocument(data: try folder.cli.read("gate.xml"))
        #expect(try document.nodes(forXPath: "//testcase").count == 1 && document.nodes(forXPath: "//failure").isEmpty)
        // Half the examples now fail: a regression.
        let worse = records.enumerated().map { $0.offset % 2 == 0 ? execRecord("g-\($0.offset)", mode: "wrong") : $0.element }
        try folder.cli.write("golden.jsonl", worse.joined())
        #expect(try folder.evaldb(["import", "golden.jsonl"]).status == 0)  // labels only: still paired
        let regression = try folder.exec("worse", ["--compare", "baseline", "--budget", "15", "--junit", "gate.xml"], status: 1)
        #expect(regression.output.contains("verdict: regression"), "\(regression.output)")
        #expect(try XMLDocument(data: try folder.cli.read("gate.xml")).nodes(forXPath: "//failure[@type='regression']").count == 1)
        // One fails in 30: the difference (-3.3) is within 5 points, its interval is not.
        let one = records.enumerated().map { $0.offset == 0 ? execRecord("g-0", mode: "wrong") : $0.element }
        try folder.cli.write("golden.jsonl", one.joined())
        #expect(try folder.evaldb(["import", "golden.jsonl"]).status == 0)
        let unsure = try folder.exec("unsure", ["--compare", "baseline", "--budget", "5"], status: 3)
        #expect(unsure.output.contains("verdict: inconclusive"), "\(unsure.output)")
        // One errors in 30: the rest would pass a 15-point gate, but a gate does not pass on missing results.
        let broken = records.enumerated().map { $0.offset == 0 ? execRecord("g-0", mode: "exit") : $0.element }
        try folder.cli.write("golden.jsonl", broken.joined())
        #expect(try folder.evaldb(["import", "golden.jsonl"]).status == 0)
        let held = try folder.exec("held", ["--compare", "baseline", "--budget", "15", "--format", "json"], status: 3)
        let gate = try #require(
            held.output.split(separator: "\n").last.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        #expect(gate["verdict"] as? String == "inconclusive" && gate["candidate_errors"] as? Int == 1 && gate["paired"] as? Int == 29, "\(gate)")
    }

    @Test("a progress line on a terminal (done of total, pass rate, errors in red unless NO_COLOR), none when piped")
    func progressLine() throws {
        // The first answers at once; the next four wait at the gate, so that the line says 1/6
        // however fast or slow the machine is.
        let folder = try ExecFolder(records: (0..<6).map { execRecord("p-\($0)", mode: $0 == 5 ? "exit" : $0 == 0 ? "echo" : "gated") })
        defer { folder.cli.cleanUp() }
        let gate = folder.folder + "/calls.jsonl.gate"
        #expect(FileManager.default.createFile(atPath: gate, contents: Data()))
        let piped = try folder.exec("piped", ["--jobs", "2"])
        #expect(piped.stderr.isEmpty, "\(piped.stderr)")
        for (name, colour) in [("coloured", true), ("plain", false)] {
            try FileManager.default.removeItem(atPath: gate)
            let (process, screen) = try TerminalScreen.run(
                folder.cli, ["run", "exec", "--name", name, "--jobs", "1", "--", "python3", "system.py"], rows: 24, columns: 120,
                environment: ["EXEC_LOG": folder.folder + "/calls.jsonl"].merging(colour ? [:] : ["NO_COLOR": "1"]) { $1 })
            #expect(screen.wait(for: "run exec \(name): 1/6"), "\(screen.text)")
            #expect(FileManager.default.createFile(atPath: gate, contents: Data()))
            #expect(screen.wait(for: "passed 5, failed 0, errors 1"), "\(screen.text)")
            process.terminateIfRunning(after: 20)
            screen.close()
            #expect(screen.text.contains("run exec \(name): 1/6") && screen.text.contains("pass 100.0%"), "\(screen.text)")
            #expect(screen.text.contains("\u{1B}[31merrors 1") == colour, "\(screen.text)")
        }
    }

    @Test("a dataset file edited and not imported is named: the run is of the current version")
    func fileOutOfSync() throws {
        let folder = try ExecFolder(records: [execRecord("f-1"), execRecord("f-2")])
        defer { folder.cli.cleanUp() }
        #expect(try folder.exec("in-sync").stderr.isEmpty)
        try folder.cli.write("golden.jsonl", execRecord("f-1") + execRecord("f-2") + execRecord("f-3"))
        let run = try folder.exec("behind")
        #expect(run.stderr.contains("golden.jsonl differs from the current version 1, which the run uses"), "\(run.stderr)")
        #expect(run.output.contains("run behind: 2 results against version 1"))
    }

    @Test("usage errors: no command, a bad grader, --budget without --compare, a command that cannot start")
    func usageErrors() throws {
        let folder = try ExecFolder(records: [execRecord("x")])
        defer { folder.cli.cleanUp() }
        let cases: [([String], String)] = [
            (["run", "exec", "--name", "n"], "give the command after --"),
            (["run", "exec", "--name", "n", "--grade", "fuzzy", "--", "cat"], "--grade is exact, json-subset"),
            (["run", "exec", "--name", "n", "--budget", "2", "--", "cat"], "--budget and --junit go with --compare"),
            (["run", "exec", "--name", "n", "--only", "failed", "--", "cat"], "--only failed|errors goes with --from"),
            (["run", "exec", "--name", "n", "--grade", "regex:(", "--", "cat"], "not a regular expression"),
            (["run", "exec", "--name", "n", "--", "no-such-program-here"], "cannot start \"no-such-program-here\""),
            (["run", "exec", "--name", "n", "--judge", "--", "cat"], "--judge -- JUDGE ARGS -- CMD ARGS"),
            (["run", "exec", "--name", "n", "--where", "feature=nope", "--", "cat"], "no example to run"),
        ]
        for (arguments, message) in cases {
            let result = try folder.evaldb(arguments)
            #expect(result.status == 2 && result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }
}

@Suite("run exec in a team: the judge, the team log, Ctrl-C", .serialized)
struct RunExecTeamTests {
    let folder: String

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("evaldb-exec-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    static let dataset = "evals/data/v0/golden.jsonl"

    /// A system that answers right when its id has an even length, and a judge that is right but
    /// for the ids ending in 3.
    static let system = """
        import json, os, sys
        record = json.loads(sys.stdin.read())
        if os.environ.get("TEST_API_KEY"): sys.stderr.write("using " + os.environ["TEST_API_KEY"] + "\\n")
        print(json.dumps(record["expected_output"] if len(record["id"]) % 2 == 0 else "no idea"))
        """
    static let judge = """
        import json, sys
        question = json.loads(sys.stdin.read())
        assert set(question) == {"context", "expected_output", "id", "input", "output"}, question
        right = question["output"] == question["expected_output"]
        verdict = right != question["id"].endswith("3")
        print(json.dumps({"pass": verdict, "rationale": "matches" if verdict else "does not match", "score": 1 if verdict else 0}))
        """

    @Test("--judge: a judge command grades each output, and the run is a judge run that judge calibrate and report --judge-calibration take")
    func judgeRunIsCalibrated() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let ana = try Clone.new(in: folder, user: "ana")
        try Data(Self.system.utf8).write(to: URL(fileURLWithPath: ana.path + "/system.py"))
        try Data(Self.judge.utf8).write(to: URL(fileURLWithPath: ana.path + "/judge.py"))
        #expect(try ana.evaldb(["import", Self.dataset]).status == 0)
        let run = try CLI.execute(
            CLI.binary, ["run", "exec", "--name", "judged", "--judge", "--", "python3", "judge.py", "--", "python3", "system.py"], in: ana.path,
            environment: ["EVALDB_DB": "", "TEST_API_KEY": "sk-secret-0123456789"])
        #expect(run.status == 0, "\(run.output) \(run.stderr)")
        let ids = String(decoding: try ana.read(Self.dataset), as: UTF8.self).split(separator: "\n").map {
            (try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["id"] as! String
        }
        let exported = try ana.evaldb(["run", "export", "judged"]).output.split(separator: "\n").map {
            try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        #expect(exported.count == 42)
        var table = (tp: 0, fn: 0, fp: 0, tn: 0)
        for (id, result) in zip(ids, exported) {
            let truth = id.count % 2 == 0, judged = truth != id.hasSuffix("3")
            #expect(result["id"] as? String == id && result["grader"] as? String == "judge" && result["pass"] as? Bool == judged)
            #expect(result["rationale"] as? String == (judged ? "matches" : "does not match"))
            switch (truth, judged) {
            case (true, true): table.tp += 1
            case (true, false): table.fn += 1
            case (false, true): table.fp += 1
            case (false, false): table.tn += 1
            }
        }
        // People's verdicts: the truth.
        let human = ids.map { #"{"id": "\#($0)", "pass": \#($0.count % 2 == 0)}"# }.joined(separator: "\n")
        try Data(human.utf8).write(to: URL(fileURLWithPath: ana.path + "/human.jsonl"))
        #expect(try ana.evaldb(["judge", "verdicts", "human.jsonl", "--run", "judged", "--reviewer", "ana"]).status == 0)
        let calibrated = try ana.evaldb(["judge", "calibrate", "--judge", "judged", "--human", "judged", "--format", "json"])
        #expect(calibrated.status == 0, "\(calibrated.stderr)")
        let calibration = try JSONSerialization.jsonObject(with: calibrated.stdout) as! [String: Any]
        let confusion = try #require(calibration["confusion"] as? [String: Int])
        #expect(confusion == ["tp": table.tp, "fn": table.fn, "fp": table.fp, "tn": table.tn], "\(confusion) \(table)")
        let report = try ana.evaldb(["report", "judged", "--judge-calibration", "judged"])
        #expect(report.status == 0 && report.output.contains("corrected with calibration judged"), "\(report.output) \(report.stderr)")

        // The run is team state: its file in the team log, without the environment's secret; a fresh clone syncs it.
        let runs = try FileManager.default.contentsOfDirectory(atPath: ana.path + "/evals/log/runs")
        let file = try #require(runs.first { $0.hasPrefix("judged-") })
        let logged = try String(contentsOfFile: ana.path + "/evals/log/runs/" + file, encoding: .utf8)
        #expect(logged.split(separator: "\n").count == 43 && logged.contains("\"grader\": \"judge\""))
        let everything = try FileManager.default.subpathsOfDirectory(atPath: ana.path).filter { !$0.hasPrefix(".git/") }
        for path in everything {
            guard let data = FileManager.default.contents(atPath: ana.path + "/" + path) else { continue }
            #expect(!String(decoding: data, as: UTF8.self).contains("sk-secret-0123456789"), "\(path) holds the secret")
        }
        try ana.commitAll("the judged run")
        let ben = try Clone.clone(ana, in: folder, user: "ben")
        #expect(try ben.evaldb(["sync"]).status == 0)
        #expect(try ben.evaldb(["run", "export", "judged"]).output == ana.evaldb(["run", "export", "judged"]).output)
    }

    @Test("Ctrl-C keeps every finished result, says how to resume, exits 130; --resume finishes the run")
    func interruptThenResume() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let ana = try Clone.new(in: folder, user: "ana")
        // The first four commands answer at once; the others wait at a gate the test opens after
        // Ctrl-C, so the interruption lands with exactly four results kept and two commands running.
        let slots = ana.path + "/slots", gate = ana.path + "/gate"
        try FileManager.default.createDirectory(atPath: slots, withIntermediateDirectories: true)
        try Data(
            """
            import os, sys, time
            sys.stdin.read()
            slot = 0
            while True:
                try:
                    os.close(os.open("\(slots)/%d" % slot, os.O_CREAT | os.O_EXCL)); break
                except FileExistsError:
                    slot += 1
            while slot >= 4 and not os.path.exists("\(gate)"): time.sleep(0.005)
            print('ok')

            """.utf8
        ).write(to: URL(fileURLWithPath: ana.path + "/gated.py"))
        #expect(try ana.evaldb(["import", Self.dataset]).status == 0)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["run", "exec", "--name", "slow", "--jobs", "2", "--", "python3", "gated.py"]
        process.currentDirectoryURL = URL(fileURLWithPath: ana.path)
        process.environment = ProcessInfo.processInfo.environment.merging(["EVALDB_DB": ""]) { $1 }
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let atTheGate = waitUntil {
            guard let name = try? FileManager.default.contentsOfDirectory(atPath: ana.path + "/.evaldb/exec").first else { return false }
            return lineCount(ana.path + "/.evaldb/exec/\(name)/results.jsonl") == 4
                && (try? FileManager.default.contentsOfDirectory(atPath: slots).count) == 6
        }
        #expect(atTheGate, "four results kept, two commands waiting at the gate")
        kill(process.processIdentifier, SIGINT)
        let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130, "\(said)")
        #expect(said.contains("interrupted: 4 of 42 results kept") && said.contains("--resume finishes the run"), "\(said)")
        #expect(FileManager.default.createFile(atPath: gate, contents: Data()))
        let resumed = try ana.evaldb(["run", "exec", "--name", "slow", "--resume", "--jobs", "4", "--", "python3", "gated.py"])
        #expect(resumed.status == 0 && resumed.output.contains("run slow: 42 results"), "\(resumed.output) \(resumed.stderr)")
        #expect(resumed.output.contains("4 kept from before the interruption"), "\(resumed.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: slots).count == 6 + 38, "only the unfinished examples ran again")
    }
}

@Suite("review --exec: the notebook loop", .serialized)
struct NotebookTests {
    @Test("piped: each example run as shown and graded, going back runs nothing, the outputs and verdicts become a run")
    func pipedNotebook() throws {
        // Outputs are cached by graded content: each example asks something else.
        let folder = try ExecFolder(records: [
            execRecord("n-1", input: "a table for two?"), execRecord("n-2", mode: "wrong", input: "a table for three?"),
            execRecord("n-3", mode: "exit", input: "a table for four?"),
        ])
        defer { folder.cli.cleanUp() }
        let session = try CLI.execute(
            CLI.binary, ["review", "--exec", "--name", "nb", "--reviewer", "rita", "--", "python3", "system.py"], in: folder.folder,
            stdin: Data("v fail\ny\nb\ny\nv pass\ny\ny\nq\n".utf8),
            environment: ["EVALDB_DB": folder.cli.database, "EXEC_LOG": folder.folder + "/calls.jsonl"])
        #expect(session.status == 0, "\(session.stderr)")
        let text = session.output
        #expect(text.contains("system output") && text.contains("grade: PASS") && text.contains("grade: FAIL"), "\(text)")
        #expect(text.contains("grade: ERROR  exit: the command exited with status 4"), "\(text)")
        #expect(text.contains("ms, cached"), "going back shows the cached output: \(text)")
        #expect(text.contains("notebook: run nb: 3 outputs shown, 2 verdicts"), "\(text)")
        #expect(try folder.takeCalls().map { $0["id"] as! String } == ["n-1", "n-2", "n-3"], "each example ran once")
        let results = try folder.results("nb")
        #expect(results.map { $0["id"] as! String } == ["n-1", "n-2", "n-3"])
        #expect(results[1]["pass"] as? Bool == false && (results[2]["error"] as? [String: Any])?["kind"] as? String == "exit")
        // A second session on the same examples runs nothing: the cache is kept beside the database.
        let again = try CLI.execute(
            CLI.binary, ["review", "--exec", "--name", "nb-2", "--reviewer", "rita", "--", "python3", "system.py"], in: folder.folder,
            stdin: Data("s\ns\ns\nq\n".utf8), environment: ["EVALDB_DB": folder.cli.database, "EXEC_LOG": folder.folder + "/calls.jsonl"])
        #expect(again.status == 0 && again.output.contains("notebook: run nb-2: 3 outputs shown, 0 verdicts"), "\(again.output) \(again.stderr)")
        #expect(try folder.takeCalls().isEmpty)
        let misuse = try folder.evaldb(["review", "--exec", "--run", "nb", "--", "python3", "system.py"])
        #expect(misuse.status == 2 && misuse.stderr.contains("--exec runs the system as you read"), "\(misuse.stderr)")
    }

    @Test("on a terminal: the example at once, the output when it arrives; v gives a verdict on it")
    func terminalNotebook() throws {
        // The system waits at the gate until the test has seen it running.
        let folder = try ExecFolder(records: [execRecord("t-1", mode: "gated"), execRecord("t-2", mode: "gated")])
        defer { folder.cli.cleanUp() }
        let (process, screen) = try TerminalScreen.run(
            folder.cli, ["review", "--exec", "--name", "nb-terminal", "--reviewer", "rita", "--", "python3", "system.py"], rows: 40, columns: 120,
            environment: ["EXEC_LOG": folder.folder + "/calls.jsonl"])
        #expect(screen.wait(for: "system output: running"), "\(screen.text)")
        #expect(FileManager.default.createFile(atPath: folder.folder + "/calls.jsonl.gate", contents: Data()))
        #expect(screen.wait(for: "PASS"), "\(screen.text)")
        screen.type("v")
        #expect(screen.wait(for: "verdict (pass or fail"), "\(screen.text)")
        screen.type("pass\n")
        #expect(screen.wait(for: "verdict kept: pass"), "\(screen.text)")
        screen.type("q")
        #expect(screen.wait(for: "notebook: run nb-terminal: 1 outputs shown, 1 verdicts"), "\(screen.text)")
        process.terminateIfRunning(after: 20)
        screen.close()
        #expect(process.terminationStatus == 0)
    }
    @Test("Ctrl-C in a notebook session keeps what was shown: the next review of anyone records it as the run, with the verdicts")
    func interruptedNotebookRecordedByTheNextReview() throws {
        let folder = try ExecFolder(records: [execRecord("c-1"), execRecord("c-2", input: "a table for six?")])
        defer { folder.cli.cleanUp() }
        let (process, screen) = try TerminalScreen.run(
            folder.cli, ["review", "--exec", "--name", "nb-cut", "--reviewer", "rita", "--", "python3", "system.py"], rows: 40, columns: 120,
            environment: ["EXEC_LOG": folder.folder + "/calls.jsonl"])
        #expect(screen.wait(for: "PASS"), "\(screen.text)")
        screen.type("v")
        #expect(screen.wait(for: "verdict (pass or fail"), "\(screen.text)")
        screen.type("fail\n")
        #expect(screen.wait(for: "verdict kept: fail"), "\(screen.text)")
        screen.type("\u{3}")  // Ctrl-C
        process.terminateIfRunning(after: 20)
        screen.close()
        #expect(process.terminationStatus != 0, "interrupted")
        #expect(try folder.evaldb(["run", "list"]).output.contains("nb-cut") == false, "not recorded yet")

        let next = try CLI.execute(
            CLI.binary, ["review", "--reviewer", "kim"], in: folder.folder, stdin: Data("q\n".utf8), environment: ["EVALDB_DB": folder.cli.database])
        #expect(next.status == 0, "\(next.stderr)")
        #expect(
            next.output.contains("recorded the notebook of an interrupted review session of rita: run nb-cut, 1 outputs shown, 1 verdicts"),
            "\(next.output)")
        let results = try folder.results("nb-cut")
        #expect(results.map { $0["id"] as! String } == ["c-1"])
        let verdicts = try CLI.execute(
            "/usr/bin/env", ["sqlite3", folder.cli.database, "SELECT reviewer, pass FROM human_verdicts"], in: folder.folder)
        #expect(verdicts.output == "rita|0\n", "\(verdicts.output) \(verdicts.stderr)")
        let again = try CLI.execute(
            CLI.binary, ["review", "--reviewer", "kim"], in: folder.folder, stdin: Data("q\n".utf8), environment: ["EVALDB_DB": folder.cli.database])
        #expect(!again.output.contains("recorded the notebook"), "recorded once: \(again.output)")
    }
}
