import EvalDBKit
import Foundation
import Testing

@testable import EvalDBServe

/// A queue page keeps what it read and rendered until the database changes: these check that
/// every kind of change shows on the next page, whoever made it and through whichever connection.
@Suite("a queue page shows the database as it is now")
struct FreshnessTests {
    /// The state cell of `id`'s row in a queue page.
    static func state(of id: String, in page: HTTPReply) -> String? {
        guard let row = page.body.range(of: ">\(HTML.escape(id))</a></td><td>") else { return nil }
        return String(page.body[row.upperBound...].prefix { $0 != "\n" }.split(separator: "</td>").first ?? "")
    }

    @Test("a mark read is on the next queue page: the row, the count, the unread queue; another reviewer's page is not changed by it")
    func markRead() async throws {
        let served = try ServedDataset()
        try await served.start()
        for _ in 0..<2 {
            let before = try await served.get("/queue")
            #expect(before.body.contains("5 examples · read by you: 0 (0%)"))
            #expect(Self.state(of: "conv-001", in: before) == "<span class=\"badge unread\">unread</span>")
        }
        #expect(try await served.get("/queue?unread=1").body.contains(">conv-001<"))
        #expect(try await served.post("/read", [("id", "conv-001")]).status == 303)
        let after = try await served.get("/queue")
        #expect(after.body.contains("5 examples · read by you: 1 (20%)"))
        #expect(Self.state(of: "conv-001", in: after) == "<span class=\"badge read\">read</span>")
        #expect(Self.state(of: "plain-002", in: after) == "<span class=\"badge unread\">unread</span>")
        let unread = try await served.get("/queue?unread=1")
        #expect(!unread.body.contains(">conv-001<") && unread.body.contains(">plain-002<"))
        #expect(unread.body.contains("read by you: 1 (20%)"))
        let bob = try await served.get("/queue", reviewer: "bob")
        #expect(bob.body.contains("read by you: 0 (0%)"))
        #expect(Self.state(of: "conv-001", in: bob) == "<span class=\"badge unread\">unread</span>")
        _ = await served.stop()
    }

    @Test("a mark made elsewhere (terminal review, through another connection) is on the next queue page")
    func markFromElsewhere() async throws {
        let served = try ServedDataset()
        try await served.start()
        #expect(Self.state(of: "ex-004", in: try await served.get("/queue")) == "<span class=\"badge unread\">unread</span>")
        try ReviewSession.viewer(served.store, reviewer: "rita", run: nil).markRead("ex-004")
        let after = try await served.get("/queue")
        #expect(Self.state(of: "ex-004", in: after) == "<span class=\"badge read\">read</span>")
        #expect(after.body.contains("read by you: 1 (20%)"))
        _ = await served.stop()
    }

    @Test("an edit, a removal and a failure category are on the next queue page")
    func editsAndCategories() async throws {
        let served = try ServedDataset()
        try await served.start()
        let failures = "/queue?run=candidate&results=failed"
        let before = try await served.get(failures)
        #expect(before.body.contains("<span class=\"fail\">FAIL</span> <span class=\"category\">wrong-party-size</span>"))
        #expect(Self.state(of: "ex-004", in: before) == "<span class=\"badge unread\">unread</span>")
        _ = try await served.get("/queue")
        #expect(try await served.post("/edit", [("id", "ex-004"), ("field", "note"), ("value", "seen")]).status == 303)
        #expect(try await served.post("/remove", [("id", "ex-005")]).status == 303)
        #expect(try await served.post("/failure", [("id", "conv-001"), ("failure", "asked twice"), ("run", "candidate")]).status == 303)
        let all = try await served.get("/queue")
        #expect(Self.state(of: "ex-004", in: all) == "<span class=\"badge unread\">unread</span> <span class=\"badge edited\">edited</span>")
        #expect(Self.state(of: "ex-005", in: all) == "<span class=\"badge unread\">unread</span> <span class=\"badge removed\">removed</span>")
        #expect(all.body.contains("2 pending edits"))
        let after = try await served.get(failures)
        #expect(after.body.contains("<span class=\"fail\">FAIL</span> <span class=\"category\">asked twice</span>"))
        #expect(!after.body.contains("wrong-party-size"))
        #expect(Self.state(of: "ex-004", in: after) == "<span class=\"badge unread\">unread</span> <span class=\"badge edited\">edited</span>")
        // Undone: the row is the version's again.
        #expect(try await served.post("/undo", [("id", "ex-004")]).status == 303)
        #expect(Self.state(of: "ex-004", in: try await served.get("/queue")) == "<span class=\"badge unread\">unread</span>")
        _ = await served.stop()
    }

    @Test("an import is on the queue page once the new version is listed: its inputs at once, its list in the background")
    func anImport() async throws {
        let served = try ServedDataset()
        try await served.start()
        let before = try await served.get("/queue")
        #expect(before.body.contains("what time do you open?") && before.body.contains("version 1 · 5 examples"))
        var lines = try ServedDataset.records
        lines[4] = lines[4].replacingOccurrences(of: "what time do you open?", with: "when do you open?")
        lines.remove(at: 3)
        let other = served.folder + "/other.jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: other, atomically: true, encoding: .utf8)
        #expect(try served.store.importFile(other, options: ImportOptions(author: "importer")).outcome == .created)
        var page = try await served.get("/queue")
        #expect(page.body.contains("version 2 · 4 examples"), "the bar has the new version at once")
        #expect(page.body.contains("when do you open?") && !page.body.contains("what time do you open?"), "rows are read at the new version")
        // The list of version 1 serves while version 2's is made; then the page is version 2's:
        // asked again until it is, for at most thirty seconds.
        let deadline = Date().addingTimeInterval(30)
        while page.body.contains("Listed as of version 1") && Date() < deadline {
            try await Task.sleep(nanoseconds: 5_000_000)
            page = try await served.get("/queue")
        }
        #expect(!page.body.contains("Listed as of version 1"), "version 2's list was made")
        #expect(page.body.contains("4 examples · read by you: 0 (0%)"))
        #expect(!page.body.contains(">ex-004<"))
        #expect(page.body.contains("<td class=\"num\">4</td><td><a href=\"/example?id=ex-005\">ex-005</a>"))
        _ = await served.stop()
    }
}
