import Foundation
import Testing

@testable import EvalDBKit

/// A store with one version of `count` sample examples (`ex-0001`, ...).
private func reviewStore(_ folder: TemporaryFolder, count: Int = 4) throws -> Store {
    let store = try folder.store()
    _ = try store.importFile(try folder.write("v1.jsonl", Sample.file(count: count)), options: by("importer"))
    return store
}

/// The record of `id` in the current version, as a dictionary (decoded by Foundation).
private func current(_ store: Store, _ id: String) throws -> [String: Any]? {
    guard case .live(let revision) = try store.state(of: id, at: try store.currentVersion()!) else { return nil }
    return try JSONSerialization.jsonObject(with: Data(revision.record!.utf8)) as? [String: Any]
}

@Suite("Review: edits become one version, read marks, failure categories, proposals")
struct ReviewTests {
    @Test("a session's notes, label, tag and removal become exactly one version, authored by the reviewer")
    func editsBecomeOneVersion() throws {
        let folder = try TemporaryFolder()
        let store = try reviewStore(folder)
        let (session, _) = try ReviewSession.start(store, reviewer: "rita")
        try session.edit("ex-0001", .note("checked against the trace"))
        try session.edit("ex-0001", try ExampleEdit(labelEdit: "scenario=edge-case"))
        try session.edit("ex-0001", try ExampleEdit(tagEdit: "needs-review"))
        try session.edit("ex-0002", try ExampleEdit(labelEdit: "priority:=2"))
        try session.edit("ex-0002", try ExampleEdit(labelEdit: "-persona"))
        try session.remove("ex-0003")
        #expect(try store.versions().count == 1, "nothing is a version before the session ends")
        let outcome = try session.finish()
        #expect(outcome.result?.outcome == .created)
        let versions = try store.versions()
        #expect(versions.count == 2)
        #expect(versions[1].author == "rita")
        #expect(versions[1].counts == ChangeCounts(added: 0, changed: 2, removed: 1, restored: 0, unchanged: 1))
        #expect(versions[1].sourceSHA256 == nil, "no file was imported")
        let first = try #require(try current(store, "ex-0001"))
        #expect(first["notes"] as? String == "checked against the trace")
        let labels = try #require(first["labels"] as? [String: Any])
        #expect(labels["scenario"] as? String == "edge-case")
        #expect(labels["tags"] as? [String] == ["t1", "needs-review"])
        let second = try #require(try current(store, "ex-0002")?["labels"] as? [String: Any])
        #expect(second["priority"] as? Int == 2)
        #expect(second["persona"] == nil)
        #expect(try current(store, "ex-0003") == nil)
        // The version's export is its hash and stays canonical.
        let bytes = try exportBytes(store, versions[1])
        #expect("sha256:" + sha256Hex(bytes) == versions[1].hash)
        #expect(
            String(decoding: bytes, as: UTF8.self).split(separator: "\n").allSatisfy { line in
                (try? CanonicalJSON.canonicalize(String(line))) == String(line)
            })
    }

    @Test("a session without edits, or whose edits change nothing, makes no version")
    func noEditsNoVersion() throws {
        let folder = try TemporaryFolder()
        let store = try reviewStore(folder)
        let (session, _) = try ReviewSession.start(store, reviewer: "rita")
        try session.markRead("ex-0001")
        #expect(try session.finish().result == nil)
        let (again, _) = try ReviewSession.start(store, reviewer: "rita")
        try again.edit("ex-0001", try ExampleEdit(labelEdit: "persona=admin"))  // its value already
        #expect(try again.finish().result?.outcome == .unchanged)
        #expect(try store.versions().count == 1)
    }

    @Test("ids that differ only by Unicode normalisation are two examples to review and edit")
    func idsComparedByteForByte() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let composed = "caf\u{E9}", decomposed = "cafe\u{301}"
        _ = try store.importFile(try folder.write("v1.jsonl", Sample.line(composed) + "\n" + Sample.line(decomposed) + "\n"), options: by())
        let (session, _) = try ReviewSession.start(store, reviewer: "rita")
        #expect(Array(try session.queue()).map { Array($0.utf8) } == [Array(composed.utf8), Array(decomposed.utf8)])
        try session.edit(decomposed, .note("the decomposed one"))
        #expect(try session.finish().result?.counts.changed == 1)
        let notes = try store.revisions(of: decomposed).last?.record ?? ""
        #expect(notes.contains("the decomposed one"))
        #expect(!(try store.revisions(of: composed).last?.record ?? "").contains("the decomposed one"))
    }

    @Test("undo forgets the session's edits and removal of an example; the others stay")
    func undoForgetsEdits() throws {
        let folder = try TemporaryFolder()
        let store = try reviewStore(folder)
        let (session, _) = try ReviewSession.start(store, reviewer: "rita")
        try session.edit("ex-0001", .note("keep"))
        try session.edit("ex-0002", .note("drop"))
        try session.remove("ex-0003")
        try session.undo("ex-0002")
        try session.undo("ex-0003")
        #expect(try session.example("ex-0002").isEdited == false)
        let outcome = try session.finish()
        #expect(outcome.result?.counts == ChangeCounts(added: 0, changed: 1, removed: 0, restored: 0, unchanged: 3))
        #expect(try current(store, "ex-0002")?["notes"] is NSNull)
        #expect(try current(store, "ex-0003") != nil)
    }

    @Test("an edit that would make an invalid example is refused and saves nothing")
    func invalidEditRefused() throws {
        let folder = try TemporaryFolder()
        let store = try reviewStore(folder)
        let (session, _) = try ReviewSession.start(store, reviewer: "rita")
        #expect(throws: EvalDBError.self) { try session.edit("ex-0001", try ExampleEdit(labelEdit: #"nested:={"a": 1}"#)) }
        #expect(throws: EvalDBError.self) { try ExampleEdit(labelEdit: "count:=01") }
        #expect(throws: EvalDBError.self) { try ExampleEdit(labelEdit: "no-equals-sign") }
        #expect(throws: EvalDBError.self) {
            try session.edit("ex-0001", try ExampleEdit(labelEdit: "tags=flat")); try session.edit("ex-0001", .addTag("x"))
        }
        #expect(try session.pendingCount() == 1, "only the valid edit (tags=flat) is pending")
        #expect(throws: EvalDBError.self) { try session.edit("no-such-id", .note("x")) }
    }

    @Test("read marks belong to a revision: a changed example is unread again, for each reviewer")
    func readMarksPerRevision() throws {
        let folder = try TemporaryFolder()
        let store = try reviewStore(folder)
        let (alice, _) = try ReviewSession.start(store, reviewer: "alice")
        for id in ["ex-0001", "ex-0002", "ex-0003"] { try alice.markRead(id) }
        try alice.finish()
        let (bob, _) = try ReviewSession.start(store, reviewer: "bob")
        try bob.markRead("ex-0004")
        #expect(Array(try bob.queue(unreadOnly: true)) == ["ex-0001", "ex-0002", "ex-0003"])
        try bob.finish()
        #expect(try store.readProgress() == [ReadProgress(reviewer: "alice", read: 3, total: 4), ReadProgress(reviewer: "bob", read: 1, total: 4)])
        // An import changes ex-0002: alice has not read what it says now.
        _ = try store.importFile(try folder.write("v2.jsonl", Sample.file(count: 4, changing: [2])), options: by())
        #expect(try store.readProgress().first { $0.reviewer == "alice" }?.read == 2)
        let (again, _) = try ReviewSession.start(store, reviewer: "alice")
        #expect(Array(try again.queue(unreadOnly: true)) == ["ex-0002", "ex-0004"])
    }

    @Test("what the reviewer edited and marked read is read at the revision the edit made")
    func editedAndReadStaysRead() throws {
        let folder = try TemporaryFolder()
        let store = try reviewStore(folder)
        let (session, _) = try ReviewSession.start(store, reviewer: "rita")
        try session.edit("ex-0001", .note("fine"))
        try session.markRead("ex-0001")
        try session.edit("ex-0002", .note("unsure"))
        try session.finish()
        #expect(try store.readProgress() == [ReadProgress(reviewer: "rita", read: 1, total: 4)])
        let (next, _) = try ReviewSession.start(store, reviewer: "rita")
        #expect(Array(try next.queue(unreadOnly: true)) == ["ex-0002", "ex-0003", "ex-0004"])
    }

    @Test("an edit of an example that another version changed meanwhile is not applied, and is reported")
    func conflictingEditReported() throws {
        let folder = try TemporaryFolder()
        let store = try reviewStore(folder)
        let (session, _) = try ReviewSession.start(store, reviewer: "rita")
        try session.edit("ex-0001", .note("mine"))
        try session.edit("ex-0002", .note("also mine"))
        _ = try store.importFile(try folder.write("v2.jsonl", Sample.file(count: 4, changing: [1])), options: by())
        let outcome = try session.finish()
        #expect(outcome.conflicts.map(\.id) == ["ex-0001"])
        #expect(try current(store, "ex-0001")?["input"] as? String == "edited question 1", "the other version's change stays")
        #expect(try current(store, "ex-0001")?["notes"] is NSNull)
        #expect(try current(store, "ex-0002")?["notes"] as? String == "also mine")
    }

    @Test("during an import a review keeps reading; its saved marks and edits wait for the import, then land")
    func reviewDuringImport() throws {
        let folder = try TemporaryFolder()
        let store = try reviewStore(folder)
        let (session, _) = try ReviewSession.start(store, reviewer: "rita")
        // Another process's import, in the middle of its transaction.
        let importer = try Store(path: store.path)
        let saved = DispatchSemaphore(value: 0)
        let waiting = DispatchSemaphore(value: 0)
        let failure = Unchecked(FailureBox())
        let path = store.path
        var savedEarly = false
        try importer.database.writeTransaction {
            try importer.database.execute("UPDATE stored_examples SET head_sha256 = head_sha256 WHERE key = 1")
            #expect(try session.example("ex-0002").record != nil, "reading does not wait")
            #expect(Array(try session.queue()) == ["ex-0001", "ex-0002", "ex-0003", "ex-0004"])
            Thread {
                do {
                    let other = try Store(path: path)
                    other.database.observeBusyWaits { waiting.signal() }
                    let (writer, _) = try ReviewSession.start(other, reviewer: "sam")
                    try writer.markRead("ex-0002")
                    try writer.edit("ex-0003", .note("written while an import ran"))
                    try writer.finish()
                } catch {
                    failure.value.error = error
                }
                saved.signal()
            }.start()
            #expect(waiting.wait(timeout: .now() + 60) == .success, "the writes wait on the import")
            savedEarly = saved.wait(timeout: .now()) == .success
            #expect(!savedEarly, "and nothing is saved while it runs")
        }
        if !savedEarly { saved.wait() }
        #expect(failure.value.error == nil)
        #expect(try store.readProgress().first { $0.reviewer == "sam" }?.read == 1)
        #expect(try current(store, "ex-0003")?["notes"] as? String == "written while an import ran")
        try session.finish()
    }

    @Test("a session whose process died is ended by the next one: its edits become a version")
    func killedSessionIsEnded() throws {
        let folder = try TemporaryFolder()
        let store = try reviewStore(folder)
        let (session, _) = try ReviewSession.start(store, reviewer: "rita")
        try session.edit("ex-0004", .note("saved before the kill"))
        // A process that has exited stands for the killed one.
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        try store.database.prepare("UPDATE review_sessions SET pid = ? WHERE id = ?").run([.int(Int64(gone.processIdentifier)), .int(session.id)])
        let (_, resumed) = try ReviewSession.start(store, reviewer: "sam")
        #expect(resumed.count == 1)
        #expect(resumed.first?.reviewer == "rita")
        #expect(try store.currentVersion()?.author == "rita")
        #expect(try current(store, "ex-0004")?["notes"] as? String == "saved before the kill")
    }

    @Test("a failure category set in review overrides the results file's in report and the results view")
    func failureCategoryOverrides() throws {
        let folder = try TemporaryFolder()
        let store = try reviewStore(folder)
        let results = """
            {"id": "ex-0001", "pass": false, "failure": "wrong-date"}
            {"id": "ex-0002", "pass": false}
            {"id": "ex-0003", "pass": true}
            {"id": "ex-0004", "pass": true}
            """
        let recorded = try store.recordRun(
            try folder.write("r.jsonl", results), against: try store.currentVersion()!, options: RunOptions(name: "r1"))
        let (session, _) = try ReviewSession.start(store, reviewer: "rita", run: recorded.run)
        #expect(Array(try session.queue(failedOnly: true)) == ["ex-0001", "ex-0002"])
        try session.setFailure("ex-0001", category: "ignored-context")
        try session.setFailure("ex-0002", category: "ignored-context")
        #expect(try session.example("ex-0001").results.first?.failure == "ignored-context")
        try session.finish()
        let report = try store.report(recorded.run)
        #expect(report.failures.map { "\($0.category) \($0.count)" } == ["ignored-context 2"])
        let rows = try ReadOnlyQuery(path: store.path).run("SELECT id, failure, recorded_failure FROM results ORDER BY id LIMIT 2").rows
        #expect(
            rows == [
                [.text("ex-0001"), .text("ignored-context"), .text("wrong-date")],
                [.text("ex-0002"), .text("ignored-context"), .null],
            ])
    }

    @Test("proposals: accept, edit then accept, and reject; a rejected proposal proposed again is skipped")
    func proposals() throws {
        let folder = try TemporaryFolder()
        let store = try reviewStore(folder)
        let candidate = Sample.line("ex-new", question: "a candidate").replacingOccurrences(
            of: #"{"author""#, with: #"{"proposed_by": "gpt-x", "author""#)
        let file = try folder.write(
            "p.jsonl",
            """
            {"id": "ex-0001", "labels": {"feature": "refund-request"}, "proposed_by": "gpt-x", "rationale": "asks for money back"}
            {"id": "ex-0002", "labels": {"persona": "new-user"}}
            \(candidate)
            {"id": "ex-0003", "labels": {"persona": "troll"}}
            """)
        let queued = try store.propose(file, proposedBy: "default-origin")
        #expect(queued.queued.map(\.kind) == [.labels, .labels, .example, .labels])
        #expect(queued.queued.map(\.proposedBy) == ["gpt-x", "default-origin", "gpt-x", "default-origin"])
        let pending = try store.pendingProposals()
        let (session, _) = try ReviewSession.start(store, reviewer: "pat")
        try session.accept(pending[0])
        try session.accept(pending[1], edits: [try ExampleEdit(labelEdit: "persona=returning-user")])
        try session.accept(pending[2])
        try session.reject(pending[3], reason: "not a persona we serve")
        let outcome = try session.finish()
        #expect(outcome.result?.counts == ChangeCounts(added: 1, changed: 2, removed: 0, restored: 0, unchanged: 2))
        #expect(try store.currentVersion()?.author == "pat")
        #expect((try current(store, "ex-0001")?["labels"] as? [String: Any])?["feature"] as? String == "refund-request")
        #expect((try current(store, "ex-0002")?["labels"] as? [String: Any])?["persona"] as? String == "returning-user")
        #expect(try current(store, "ex-new")?["input"] as? String == "a candidate")
        #expect(try current(store, "ex-new")?["proposed_by"] == nil, "the origin is not part of the example")
        #expect(try current(store, "ex-0003").flatMap { $0["labels"] as? [String: Any] }?["persona"] as? String == "admin")
        #expect(try store.pendingProposals().isEmpty)

        let again = try store.propose(file, proposedBy: nil)
        #expect(again.queued.isEmpty)
        #expect(again.skipped.count == 4)
        let rejected = try #require(again.skipped.first { $0.id == "ex-0003" })
        #expect(rejected.line == 4)
        #expect(rejected.reason.contains("rejected") && rejected.reason.contains("not a persona we serve"))
    }

    @Test("a proposal repeated in its file is queued once: the repeat is skipped, naming why; another label change of the same id is queued")
    func repeatedProposalQueuedOnce() throws {
        let folder = try TemporaryFolder()
        let store = try reviewStore(folder)
        let change = #"{"id": "ex-0001", "labels": {"feature": "refund-request"}}"#
        var lines = [change]
        for n in 0..<300 { lines.append(#"{"id": "ex-0002", "labels": {"turn": \#(n)}}"#) }
        lines += [change, #"{"id": "ex-0002", "labels": {"turn": 7}}"#]
        let result = try store.propose(try folder.write("p.jsonl", lines.joined(separator: "\n") + "\n"), proposedBy: nil)
        #expect(result.queued.count == 301)
        #expect(result.skipped.map(\.line) == [302, 303])
        #expect(result.skipped.allSatisfy { $0.reason == "the same proposal appears earlier in the file" })
    }

    @Test("a candidate whose id was imported meanwhile cannot be accepted over the example that has it")
    func candidateIdTakenMeanwhile() throws {
        let folder = try TemporaryFolder()
        let store = try reviewStore(folder)
        _ = try store.propose(try folder.write("p.jsonl", Sample.line("ex-0005", question: "the candidate") + "\n"), proposedBy: "gpt-x")
        _ = try store.importFile(try folder.write("v2.jsonl", Sample.file(count: 5)), options: by())  // ex-0005 arrives
        let (session, _) = try ReviewSession.start(store, reviewer: "pat")
        let proposal = try #require(try store.pendingProposals().first)
        #expect(throws: EvalDBError.self) { try session.accept(proposal) }
        #expect(try session.pendingCount() == 0)
        #expect(try store.pendingProposals().count == 1, "still undecided")
        try session.finish()
        #expect(try current(store, "ex-0005")?["input"] as? String == "question for ex-0005")
    }

    @Test("a proposals file with a bad line queues nothing and names each problem's line and column")
    func badProposalsQueueNothing() throws {
        let folder = try TemporaryFolder()
        let store = try reviewStore(folder)
        let file = try folder.write(
            "p.jsonl",
            """
            {"id": "ex-0001", "labels": {"feature": "x"}}
            {"id": "ex-0009", "labels": {"feature": "x"}}
            {"id": "ex-0002", "input": "missing most fields"}
            {"id": "ex-0003", "labels": {"feature": "x"},}
            """)
        let errors = try #require(dataErrors { _ = try store.propose(file, proposedBy: nil) })
        #expect(errors.map(\.line) == [2, 3, 4])
        #expect(errors[0].message.contains("no example \"ex-0009\""))
        #expect(errors[2].column == 46, "the position of the `}` after the trailing comma, as Python says")
        #expect(try store.pendingProposals().isEmpty)
    }
}

private final class FailureBox {
    var error: (any Error)?
}
