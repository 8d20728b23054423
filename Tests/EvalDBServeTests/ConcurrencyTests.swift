import EvalDBKit
import Foundation
import Testing

@testable import EvalDBServe

@Suite("two reviewers and an import at once lose nothing")
struct ConcurrencyTests {
    @Test("two browsers edit side by side while an import lands; each finish makes its version, a stale edit is reported")
    func twoReviewersAndAnImport() async throws {
        let served = try ServedDataset()
        try await served.start()
        // Side by side: ana and bob each edit and mark, requests interleaved.
        async let anaNote = served.post("/edit", [("id", "conv-001"), ("field", "note"), ("value", "ana was here")], reviewer: "ana")
        async let bobTag = served.post("/edit", [("id", "plain-002"), ("field", "tag"), ("value", "bob-tag")], reviewer: "bob")
        async let anaRead = served.post("/read", [("id", "ex-005")], reviewer: "ana")
        async let bobRead = served.post("/read", [("id", "ex-005")], reviewer: "bob")
        let replies = try await [anaNote, bobTag, anaRead, bobRead]
        #expect(replies.allSatisfy { $0.status == 303 }, "\(replies.map(\.status))")
        #expect(try await served.post("/edit", [("id", "ex-004"), ("field", "note"), ("value", "bob's note")], reviewer: "bob").status == 303)

        // Meanwhile someone imports a file that changes ex-004 (which bob edited) and ex-005.
        var lines = try ServedDataset.records
        lines[3] = lines[3].replacingOccurrences(of: "cancel my booking", with: "cancel my booking please")
        lines[4] = lines[4].replacingOccurrences(of: "what time do you open?", with: "when do you open?")
        let other = served.folder + "/other.jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: other, atomically: true, encoding: .utf8)
        #expect(try served.store.importFile(other, options: ImportOptions(author: "importer")).outcome == .created)

        let ana = try await served.post("/finish", [], reviewer: "ana")
        #expect(ana.body.contains("Version 3"))
        let bob = try await served.post("/finish", [], reviewer: "bob")
        #expect(bob.body.contains("Version 4"))
        #expect(bob.body.contains("The edit of <code>ex-004</code> was not applied"), "\(bob.body)")
        let versions = try served.store.versions()
        #expect(versions.map(\.author) == ["setup", "importer", "ana", "bob"])
        #expect(try served.current("conv-001")?["notes"] as? String == "ana was here")
        #expect((try served.current("plain-002")?["labels"] as? [String: Any])?["tags"] as? [String] == ["tonight", "bob-tag"])
        #expect(try served.current("ex-004")?["input"] as? String == "cancel my booking please", "the import's change stays")
        #expect(try served.current("ex-005")?["input"] as? String == "when do you open?")
        // Both read ex-005 before the import changed it: unread again for both, as the marks say.
        #expect(Set(try served.logEvents().filter { $0["event"] as? String == "read" }.compactMap { $0["by"] as? String }) == ["ana", "bob"])
        _ = await served.stop()
    }

    @Test("stopping the server ends every open session: its edits become a version")
    func stopFinishes() async throws {
        let served = try ServedDataset()
        try await served.start()
        #expect(try await served.post("/edit", [("id", "plain-002"), ("field", "note"), ("value", "kept")]).status == 303)
        let outcomes = await served.server.stop()
        let made = outcomes.compactMap { try? $0.get() }.first { $0.result?.outcome == .created }
        #expect(made?.reviewer == "rita")
        #expect(try served.current("plain-002")?["notes"] as? String == "kept")
        _ = await served.stop()
    }
}
