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
        #expect(calls() == ["ex-005"])
        let after = try await served.get("/example?id=ex-005&done=exec")
        #expect(after.body.contains("System output") && after.body.contains("<p class=\"grade\"><span class=\"pass\">PASS</span>"), "\(after.body)")
        #expect(after.body.contains("The system answered."))
        #expect(try await served.post("/exec", [("id", "ex-005")]).status == 303)
        #expect(calls() == ["ex-005"], "a cached output is not run again")
        _ = try await served.post("/exec", [("id", "ex-004")])
        let failed = try await served.get("/example?id=ex-004")
        #expect(failed.body.contains("<span class=\"fail\">FAIL</span>"))
        _ = await served.stop()
    }
}
