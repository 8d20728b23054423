import EvalDBKit
import Foundation
import Testing

@testable import EvalDBServe

@Suite("serve --exec: an example page runs the system only on a checked POST")
struct ExecPageTests {
    @Test("a page offers to run the system; only a POST with the token and CSRF token runs it, once; the output and grade are shown after")
    func runsOnlyOnCheckedPosts() async throws {
        let served = try ServedDataset { folder in
            let script = folder + "/system.py"
            try? """
            import json, os, sys
            record = json.loads(sys.stdin.read())
            open(os.path.join(os.path.dirname(__file__), "calls.txt"), "a").write(record["id"] + "\\n")
            print(json.dumps(record["expected_output"] if record["id"] == "ex-005" else "no idea"))
            """.write(toFile: script, atomically: true, encoding: .utf8)
            return ExecOptions(name: "serve", command: ["python3", script])
        }
        try await served.start()
        func calls() -> [String] {
            ((try? String(contentsOfFile: served.folder + "/calls.txt", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        let before = try await served.get("/example?id=ex-005")
        #expect(before.status == 200 && before.body.contains("Not run yet for this input.") && before.body.contains("Run the system (x)"))
        #expect(calls().isEmpty, "a page (GET) runs nothing")
        #expect(try await served.post("/exec", [("id", "ex-005")], csrf: "forged").status == 403)
        #expect(
            try await served.post(
                "/exec", [("id", "ex-005")], headers: served.browserHeaders() + [("Origin", "http://evil.example")]
            ).status == 403)
        #expect(calls().isEmpty, "a refused POST runs nothing")
        let ran = try await served.post("/exec", [("id", "ex-005")])
        #expect(ran.status == 303)
        _ = try await served.answered("ex-005")
        #expect(calls() == ["ex-005"])
        let after = try await served.get("/example?id=ex-005&done=exec")
        #expect(after.body.contains("System output") && after.body.contains("<p class=\"grade\"><span class=\"pass\">PASS</span>"), "\(after.body)")
        #expect(after.body.contains("The system answered."))
        #expect(try await served.post("/exec", [("id", "ex-005")]).status == 303)
        #expect(calls() == ["ex-005"], "a cached output is not run again")
        _ = try await served.post("/exec", [("id", "ex-004")])
        let failed = try await served.answered("ex-004")
        #expect(failed.body.contains("<span class=\"fail\">FAIL</span>"))
        _ = await served.stop()
    }

    @Test(
        "a slow system: the page shows the example at once and the output when it arrives; v/V verdicts and the outputs shown become the reviewer's notebook run"
    )
    func slowSystemAndVerdicts() async throws {
        let served = try ServedDataset { folder in
            let script = folder + "/slow.py"
            // Answers once the test opens the gate (a file): until then, the system is running.
            try? """
            import json, os, sys, time
            record = json.loads(sys.stdin.read())
            while not os.path.exists(os.path.join(os.path.dirname(__file__), "gate")): time.sleep(0.005)
            print(json.dumps(record["expected_output"]))
            """.write(toFile: script, atomically: true, encoding: .utf8)
            return ExecOptions(name: "serve", command: ["python3", script])
        }
        try await served.start()
        let early = try await served.post("/exec-verdict", [("id", "plain-002"), ("pass", "true")])
        #expect(early.status == 400 && early.body.contains("run it first (x)"), "no verdict before an output: \(early.body)")
        // The POST does not wait for the system (it answers once the gate opens): the page says it is running.
        let ran = try await served.post("/exec", [("id", "plain-002")])
        #expect(ran.status == 303 && ran.header("Location")?.contains("done=running") == true, "\(ran.headers)")
        let running = try await served.get("/example?id=plain-002&done=running")
        #expect(running.body.contains("Running the system on this example") && running.body.contains("http-equiv=\"refresh\""), "\(running.body)")
        #expect(running.body.contains("<section class=\"input\">"), "the example is shown at once")
        #expect(FileManager.default.createFile(atPath: served.folder + "/gate", contents: Data()))
        let answered = try await served.answered("plain-002")
        #expect(answered.body.contains("<span class=\"pass\">PASS</span>") && !answered.body.contains("http-equiv"), "\(answered.body)")
        #expect(try await served.post("/exec-verdict", [("id", "plain-002"), ("pass", "false")]).status == 303)
        #expect(try await served.get("/example?id=plain-002").body.contains("Your verdict: <span class=\"fail\">FAIL</span>"))

        let finished = try await served.post("/finish", [])
        #expect(finished.status == 200, "\(finished.body)")
        #expect(finished.body.contains("1 outputs shown, 1 verdicts of yours on them"), "\(finished.body)")
        let run = try #require(try served.store.runs().first { $0.name.hasPrefix("notebook-rita-") })
        #expect(run.resultCount == 1)
        #expect(try served.store.database.scalarText("SELECT reviewer || ' ' || pass FROM human_verdicts WHERE run = ?", [.int(run.id)]) == "rita 0")
        _ = await served.stop()
    }
}

extension ServedDataset {
    /// The example's page once the system's output is on it and it no longer says the system is
    /// running (the system runs on a thread of its own after the POST; a page made as it finishes
    /// may show both), asked again until it is, for at most thirty seconds; a test fails when that
    /// page never comes.
    func answered(_ id: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> HTTPReply {
        func settled(_ page: HTTPReply) -> Bool { page.body.contains("System output <span") && !page.body.contains("http-equiv=\"refresh\"") }
        var page = try await get("/example?id=\(id)")
        let deadline = Date().addingTimeInterval(30)
        while !settled(page), Date() < deadline {
            try await Task.sleep(nanoseconds: 5_000_000)
            page = try await get("/example?id=\(id)")
        }
        #expect(settled(page), "the system's output reached the page of \(id), which stopped refreshing", sourceLocation: sourceLocation)
        return page
    }
}
