import EvalDBKit
import Foundation
import Testing

@testable import EvalDBServe

@Suite("serve's pages and actions, over HTTP")
struct PageTests {
    @Test("the overview lists the queues, the runs and every reviewer's progress; queues count and page their examples")
    func overviewAndQueues() async throws {
        let served = try ServedDataset()
        try await served.start()
        let overview = try await served.get("/")
        #expect(overview.status == 200)
        #expect(overview.body.contains("5 examples"))
        #expect(overview.body.contains("/queue?run=candidate&amp;results=failed"))
        #expect(overview.body.contains("Proposals</a> (2 waiting)"))

        let all = try await served.get("/queue")
        #expect(all.body.contains("5 examples · read by you: 0 (0%)"))
        let failures = try await served.get("/queue?run=candidate&results=failed")
        #expect(failures.body.contains("3 examples"))
        #expect(failures.body.contains("conv-001") && !failures.body.contains(">plain-002<"))
        let passes = try await served.get("/queue?run=candidate&results=passed")
        #expect(passes.body.contains("2 examples") && passes.body.contains(">plain-002<"))
        let slice = try await served.get("/queue?where=feature%3Dbooking&tag=tonight")
        #expect(slice.body.contains("1 example ") && slice.body.contains(">plain-002<"))
        let category = try await served.get("/queue?run=candidate&results=failed&category=wrong-party-size")
        #expect(category.body.contains("1 example ") && category.body.contains(">conv-001<"))

        #expect(try await served.post("/read", [("id", "conv-001")]).status == 303)
        let unread = try await served.get("/queue?unread=1")
        #expect(unread.body.contains("read by you: 1 (20%)"))
        #expect(!unread.body.contains(">conv-001<"), "what you have read leaves the unread queue")
        let progress = try await served.get("/")
        #expect(progress.body.contains("<tr><th>rita</th><td class=\"num\">1</td><td class=\"num\">5</td>"))
        #expect(try await served.get("/queue?where=nokey%3Dx").status == 422, "an unknown key is an error page")
        _ = await served.stop()
    }

    @Test("an example page shows the conversation as turns, folded context, expected beside output with a field diff, and the verdict")
    func examplePage() async throws {
        let served = try ServedDataset()
        try await served.start()
        let page = try await served.get("/example?id=conv-001&run=candidate&results=failed")
        #expect(page.status == 200)
        #expect(page.body.contains("<div class=\"turn role-user\"><div class=\"role\">user</div><div class=\"text\">table for 2 friday</div></div>"))
        #expect(page.body.contains("turn role-assistant") && page.body.contains("turn role-tool"))
        #expect(page.body.contains("<details class=\"chunk\">"), "context chunks are folded")
        #expect(page.body.contains("<span class=\"muted\">chunk 2</span>"))
        #expect(page.body.contains("Output of candidate <span class=\"fail\">FAIL</span>"))
        #expect(page.body.contains("<tr class=\"changed\"><td class=\"path\">party_size</td><td>3</td><td>2</td>"), "the field that differs")
        #expect(page.body.contains("Fields that differ (1; 2 the same)"))
        #expect(page.body.contains("value=\"wrong-party-size\""), "the current failure category")
        #expect(page.body.contains("<option value=\"&lt;i&gt;category&lt;/i&gt;\">"), "the categories in use are offered")
        #expect(page.body.contains("1 of 3 in"))
        #expect(
            page.body.contains("data-key=\"s\" href=\"/example?run=candidate&amp;results=failed&amp;id=%3Cscript"), "skip goes to the next failure")
        #expect(try await served.get("/example?id=nope").status == 404)
        #expect(try await served.get("/nowhere").status == 404)
        let flip = try await served.get("/example?id=conv-001&run=candidate&base=base&flips=regressed")
        #expect(flip.body.contains("Output of base <span class=\"pass\">PASS</span>") || flip.body.contains("Output of base"))
        _ = await served.stop()
    }

    @Test("note, label, tag, expected output, failure category, read, remove and undo go through review's library calls")
    func actions() async throws {
        let served = try ServedDataset()
        try await served.start()
        let spec = [("run", "candidate")]
        var reply = try await served.post("/edit", [("id", "conv-001"), ("field", "note"), ("value", "bot kept\r\nparty_size=2")] + spec)
        #expect(reply.status == 303)
        #expect(reply.header("Location") == "/example?run=candidate&id=conv-001&done=note")
        reply = try await served.post("/edit", [("id", "conv-001"), ("field", "label"), ("value", "scenario=edge-case")] + spec)
        #expect(reply.status == 303)
        reply = try await served.post("/edit", [("id", "conv-001"), ("field", "tag"), ("value", "needs-review")] + spec)
        #expect(reply.status == 303)
        reply = try await served.post(
            "/edit",
            [
                ("id", "conv-001"), ("field", "expected"),
                ("value", "{\"action\": \"check_availability\",\r\n \"party_size\": 3, \"time\": \"20:00\", \"venue\": \"harbour\"}"),
            ] + spec)
        #expect(reply.status == 303)
        let refused = try await served.post("/edit", [("id", "conv-001"), ("field", "label"), ("value", "x:={")] + spec)
        #expect(refused.status == 422)
        #expect(refused.body.contains("is not JSON"))
        let refusedExpected = try await served.post("/edit", [("id", "conv-001"), ("field", "expected"), ("value", "null")] + spec)
        #expect(refusedExpected.status == 422, "an expected output of null is not an example")
        reply = try await served.post("/failure", [("id", "conv-001"), ("failure", "kept stale party size")] + spec)
        #expect(reply.status == 303)
        let shown = try await served.get("/example?id=conv-001&run=candidate")
        #expect(shown.body.contains("<span class=\"badge edited\">edited</span>"))
        #expect(shown.body.contains(">bot kept\nparty_size=2</textarea>"))
        #expect(shown.body.contains("<span class=\"category\">kept stale party size</span>"))

        reply = try await served.post("/read", [("id", "conv-001")] + spec)
        #expect(reply.header("Location") == "/example?run=candidate&id=plain-002", "read goes on to the next example")
        reply = try await served.post("/remove", [("id", "ex-005")])
        #expect(reply.header("Location") == "/queue?done=end", "the last one: back to the queue")
        reply = try await served.post("/remove", [("id", "ex-004")])
        reply = try await served.post("/undo", [("id", "ex-004")])
        #expect(reply.status == 303)
        #expect(try served.store.versions().count == 1, "nothing is a version before the session finishes")

        // The log has the read mark and the category as they were made, by the reviewer.
        let events = try served.logEvents()
        #expect(events.contains { $0["event"] as? String == "read" && $0["id"] as? String == "conv-001" && $0["by"] as? String == "rita" })
        #expect(events.contains { $0["event"] as? String == "failure" && $0["failure"] as? String == "kept stale party size" })

        let finished = try await served.post("/finish", [])
        #expect(finished.status == 200)
        #expect(finished.body.contains("Version 2"))
        #expect(finished.body.contains("Wrote version 2 to <code>evals/golden.jsonl</code>"))
        let versions = try served.store.versions()
        #expect(versions.count == 2)
        #expect(versions[1].author == "rita")
        let record = try #require(try served.current("conv-001"))
        #expect(record["notes"] as? String == "bot kept\nparty_size=2")
        let labels = try #require(record["labels"] as? [String: Any])
        #expect(labels["scenario"] as? String == "edge-case")
        #expect(labels["tags"] as? [String] == ["party-size-change", "needs-review"])
        #expect((record["expected_output"] as? [String: Any])?["venue"] as? String == "harbour")
        #expect(try served.current("ex-005") == nil, "removed")
        #expect(try served.current("ex-004") != nil, "its removal was undone")
        // The dataset file was in sync, so it holds the new version (its hash).
        let file = try Data(contentsOf: URL(fileURLWithPath: served.datasetPath))
        #expect(try served.store.compare(file: served.datasetPath).hash == versions[1].hash)
        #expect(!file.isEmpty)
        // What was marked read in the session is read at the revision the edit made.
        #expect(try served.store.readProgress().first { $0.reviewer == "rita" }?.read == 1)
        _ = await served.stop()
    }

    @Test("an id of markup, quotes and ../ is shown as text, linked as one parameter, and edited byte for byte")
    func hostileId() async throws {
        let served = try ServedDataset()
        try await served.start()
        let link = Link("/example", [("id", EvalDBServeTests.hostileId), ("run", "candidate")])
        let page = try await served.get(link)
        #expect(page.status == 200)
        #expect(!page.body.contains("<script>alert"), "no user text becomes a script element")
        #expect(!page.body.contains("<img src=x"))
        #expect(!page.body.contains("<svg onload"))
        #expect(!page.body.contains("<b>bold"))
        #expect(page.body.contains("&lt;script&gt;alert(&quot;id&quot;)&lt;/script&gt;/../&quot;quo&#39;te&amp;amp;x"))
        #expect(page.body.contains("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&lt;/textarea&gt;&lt;script&gt;alert(2)&lt;/script&gt;"))
        #expect(page.body.contains("&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;</textarea>"), "the note, inside its text area")
        let queue = try await served.get("/queue?run=candidate")
        #expect(queue.body.contains("&lt;i&gt;category&lt;/i&gt;"))
        #expect(
            queue.body.contains("href=\"/example?run=candidate&amp;id=%3Cscript%3Ealert%28%22id%22%29%3C%2Fscript%3E%2F..%2F%22quo%27te%26amp%3Bx\""))

        var reply = try await served.post(
            "/edit", [("id", EvalDBServeTests.hostileId), ("field", "note"), ("value", "</textarea><script>alert(8)</script>")])
        #expect(reply.status == 303)
        let location = try #require(reply.header("Location"))
        #expect(location.hasPrefix("/example?id=%3Cscript"))
        let again = try await served.get(location)
        #expect(again.body.contains("&lt;/textarea&gt;&lt;script&gt;alert(8)&lt;/script&gt;</textarea>"))
        reply = try await served.post("/edit", [("id", EvalDBServeTests.hostileId), ("field", "label"), ("value", "feature=<u>x</u>")])
        #expect(reply.status == 303)
        reply = try await served.post("/read", [("id", EvalDBServeTests.hostileId)])
        #expect(reply.status == 303)
        #expect(try await served.post("/finish", []).status == 200)
        let record = try #require(try served.current(EvalDBServeTests.hostileId))
        #expect(Array((record["id"] as? String ?? "").utf8) == Array(EvalDBServeTests.hostileId.utf8))
        #expect(record["notes"] as? String == "</textarea><script>alert(8)</script>")
        #expect((record["labels"] as? [String: Any])?["feature"] as? String == "<u>x</u>")
        #expect(try served.current("../") == nil)
        _ = await served.stop()
    }

    @Test("proposals: a label change accepted after an edit, a candidate rejected with a reason; decisions in the log")
    func proposals() async throws {
        let served = try ServedDataset()
        try await served.start()
        let list = try await served.get("/proposals")
        #expect(list.body.contains("label change") && list.body.contains("new example"))
        let first = try await served.get("/proposal?n=1")
        #expect(
            first.body.contains(
                "<td class=\"path\">labels.persona</td><td class=\"old\">&quot;first-time-visitor&quot;</td><td class=\"new\">&quot;returning-customer&quot;</td>"
            ))
        let previewed = try await served.get("/proposal?n=1&edits=" + Link.encode("t regular\nl scenario=repeat"))
        #expect(previewed.body.contains("Accept with 2 edits (a)"))
        #expect(previewed.body.contains("<td class=\"path\">labels.scenario</td>"))
        var reply = try await served.post("/accept", [("n", "1"), ("edits", "t regular\r\nl scenario=repeat")])
        #expect(reply.header("Location") == "/proposal?n=2&done=accepted")
        let candidate = try await served.get("/proposal?n=2")
        #expect(candidate.body.contains("table for 0 people"))
        reply = try await served.post("/reject", [("n", "2"), ("reason", "not a real case")])
        #expect(reply.header("Location") == "/proposals?done=end")
        #expect(try served.store.pendingProposals().isEmpty)
        #expect(try await served.get("/proposal?n=2").status == 404, "decided")
        let events = try served.logEvents().filter { $0["event"] as? String == "decision" }
        #expect(events.map { $0["status"] as? String } == ["accepted", "rejected"])
        #expect(events.last?["reason"] as? String == "not a real case")
        #expect(try await served.post("/finish", []).body.contains("Version 2"))
        let labels = try #require(try served.current("ex-004")?["labels"] as? [String: Any])
        #expect(labels["persona"] as? String == "returning-customer")
        #expect(labels["scenario"] as? String == "repeat")
        #expect(labels["tags"] as? [String] == ["regular"])
        #expect(try served.current("new-006") == nil)
        _ = await served.stop()
    }

    @Test("the top failure categories link to their examples, and merging two moves every example of one to the other")
    func categories() async throws {
        let served = try ServedDataset()
        try await served.start()
        let page = try await served.get("/categories?run=candidate")
        #expect(page.status == 200)
        #expect(page.body.contains(">wrong-party-size</a></th><td class=\"num\">1</td>"))
        #expect(page.body.contains("/queue?run=candidate&amp;results=failed&amp;category=%28none%29"))
        let reply = try await served.post("/merge", [("run", "candidate"), ("from", "<i>category</i>"), ("into", "wrong-party-size")])
        #expect(reply.status == 303)
        let merged = try await served.get("/categories?run=candidate")
        #expect(merged.body.contains(">wrong-party-size</a></th><td class=\"num\">2</td>"))
        #expect(!merged.body.contains("&lt;i&gt;category"))
        let report = try served.store.report(try served.store.run(named: "candidate"))
        #expect(report.failures.first { $0.category == "wrong-party-size" }?.count == 2)
        #expect(try served.logEvents().filter { $0["event"] as? String == "failure" }.count == 1)
        _ = await served.stop()
    }

    @Test("the flips page lists pass→fail and fail→pass between two runs, each opening both outputs side by side")
    func flips() async throws {
        let served = try ServedDataset()
        try await served.start()
        let page = try await served.get("/flips?base=base&run=candidate")
        #expect(page.status == 200)
        #expect(page.body.contains("Pass in base, fail in candidate (1)"))
        #expect(page.body.contains("Fail in base, pass in candidate (1)"))
        #expect(page.body.contains("/example?run=candidate&amp;base=base&amp;flips=regressed&amp;id=conv-001"))
        let example = try await served.get("/example?run=candidate&base=base&flips=fixed&id=plain-002")
        #expect(example.body.contains("Output of base <span class=\"fail\">FAIL</span>"))
        #expect(example.body.contains("Output of candidate <span class=\"pass\">PASS</span>"))
        #expect(example.body.contains("1 of 1 in"))
        _ = await served.stop()
    }

    @Test("b in the unread queue goes back to the example seen before, although reading it took it out of that queue, as in review")
    func backInTheUnreadQueue() async throws {
        let served = try ServedDataset()
        try await served.start()
        /// The address of the page's `b` link (nil: none, at the start).
        func back(_ page: HTTPReply) -> String? {
            guard let link = page.body.range(of: "data-key=\"b\" href=\"") else { return nil }
            return String(page.body[link.upperBound...].prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&")
        }
        func example(_ id: String) -> String { Link("/example", [("unread", "1"), ("id", id)]).href }
        let hostile = EvalDBServeTests.hostileId
        // plain-002 was read before this pass through the unread: the pass skips it.
        #expect(try await served.post("/read", [("id", "plain-002")]).status == 303)
        let first = try await served.get(example("conv-001"))
        #expect(back(first) == nil && first.body.contains("start of the queue"))
        var reply = try await served.post("/read", [("id", "conv-001"), ("unread", "1")])
        #expect(reply.header("Location") == example(hostile), "read: on to the next unread, past plain-002")
        #expect(back(try await served.get(example(hostile))) == example("conv-001"), "back to what was just read, not to plain-002")
        reply = try await served.post("/read", [("id", hostile), ("unread", "1")])
        #expect(reply.header("Location") == example("ex-004"))
        #expect(back(try await served.get(example("ex-004"))) == example(hostile))
        #expect(back(try await served.get(example(hostile))) == example("conv-001"), "and back again, as far as the pass began")
        // Skipped (s) leaves it unread: back returns to it too.
        #expect(back(try await served.get(example("ex-005"))) == example("ex-004"))
        // In the queue of all examples, back is the one before in its order.
        #expect(back(try await served.get("/example?id=\(Link.encode(hostile))")) == "/example?id=plain-002")
        _ = await served.stop()
    }

    @Test("the reviewer a browser names is who its marks and versions belong to; the assets come from the binary")
    func reviewerAndAssets() async throws {
        let served = try ServedDataset()
        try await served.start()
        let reply = try await served.post("/reviewer", [("name", "ana")])
        #expect(reply.status == 303)
        let cookie = try #require(reply.header("Set-Cookie"))
        #expect(cookie.hasPrefix("evaldb_reviewer_\(served.port)=ana;") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
        #expect(try await served.post("/reviewer", [("name", "  ")]).status == 400)
        #expect(try await served.post("/read", [("id", "plain-002")], reviewer: "ana").status == 303)
        #expect(try await served.get("/", reviewer: "ana").body.contains("reviewing as <b class=\"reviewer\">ana</b>"))
        #expect(try served.store.readProgress().map(\.reviewer) == ["ana"])
        let script = try await served.get("/assets/keys.js")
        #expect(script.status == 200 && script.header("Content-Type") == "text/javascript; charset=utf-8")
        #expect(script.body.contains("data-key"))
        let style = try await served.get("/assets/serve.css")
        #expect(style.header("Content-Type") == "text/css; charset=utf-8" && style.body.contains(".turn"))
        #expect(try await served.get("/favicon.ico").status == 204, "no icon, and no 404 in the browser's console")
        _ = await served.stop()
    }
}
