import Foundation
import Testing

@testable import EvalDBKit

/// Records in assorted spellings (keys out of order, escapes, non-ASCII written raw, numbers in
/// forms Python rewrites), each with the graded digest Python gives it: `sha256(json.dumps({k:
/// rec[k] for k in ("context", "expected_output", "input")}, sort_keys=True))`, checked by hand
/// with python3.
private let spelled: [(record: String, digest: String)] = [
    (
        #"{"id": "a", "input": "is there a table for two tonight?", "context": null, "expected_output": {"action": "check_availability"}, "labels": {"feature": "booking-lookup", "tags": ["tonight"]}, "source": "synth", "author": "@ana", "created_at": "2026-04-16", "notes": null}"#,
        "54f5f31ca51adef4c09164bce2174dad0118f4e0d6332a4144fd07547f5dc673"
    ),
    (
        #"{"notes":"n","created_at":"2026-04-16T09:00:00Z","author":"b","source":"prod-trace:2026-04-15","labels":{},"expected_output":{"z":[1.5,1E16,1e-5,100000.0,-0.0,12345678901234567890,-0],"a":true},"context":["caf\u00e9 \"quoted\" back\\slash \/ slash","tab\there",{"k":"\u007f"}],"input":"café — ☕ 🎉","id":"b"}"#,
        "112b9b156fe9bddb9db11429a2f4cf6c6d58eb386202902c1a7a8e1965f42507"
    ),
    (
        #"{"id": "c", "input": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello\nthere"}], "context": {"b": 2, "a": 1}, "expected_output": "ok", "labels": {"split": "test"}, "source": "redteam", "author": "", "created_at": "2026-01-01", "notes": "x"}"#,
        "86a8cfabc57cb01ec8a2564210a40c42c44ea13214c99835b59c90711e1d8c63"
    ),
]

/// The graded digest of each line by Python itself; nil when python3 cannot be run here.
private func pythonDigests(_ lines: [String], in folder: TemporaryFolder) throws -> [String]? {
    let input = try folder.write("records.jsonl", lines.joined(separator: "\n") + "\n")
    let script = """
        import hashlib, json, sys
        for line in open(sys.argv[1], encoding="utf-8"):
            rec = json.loads(line)
            text = json.dumps({k: rec[k] for k in ("context", "expected_output", "input")}, sort_keys=True)
            print(hashlib.sha256(text.encode("utf-8")).hexdigest())
        """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, input]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return nil }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
}

/// `Sample.line` with other values of the graded members (canonical, written by hand).
private func graded(_ id: String, expected: String = #"{"action": "answer"}"#, context: String = "null", labels: String? = nil) -> String {
    var line = Sample.line(id)
    line = line.replacingOccurrences(of: #""expected_output": {"action": "answer"}"#, with: #""expected_output": \#(expected)"#)
    line = line.replacingOccurrences(of: #""context": null"#, with: #""context": \#(context)"#)
    if let labels {
        line = line.replacingOccurrences(of: #""labels": {"feature": "booking-lookup", "persona": "admin", "tags": ["t1"]}"#, with: labels)
    }
    return line
}

@Suite("Graded content: what a result depends on (input, context, expected_output)")
struct GradedContentTests {
    @Test("the graded digest is the SHA-256 of Python's json.dumps of input, context and expected_output, sorted")
    func digestIsPythons() throws {
        for (record, digest) in spelled {
            #expect(try GradedContent.digest(of: record) == digest, "\(record)")
            var canonical = try CanonicalJSON.canonicalize(record)
            #expect(canonical.withUTF8 { GradedContent.digest(ofCanonical: $0) } == digest)
        }
        #expect(try GradedContent.digest(of: #"{"id": "x", "input": "q", "context": null}"#) == nil, "no expected_output: no digest")

        // The same against python3 itself, on more records: the pinned ones, and each with its
        // labels, notes and source changed (the same digest) or its graded members changed.
        let folder = try TemporaryFolder()
        var lines = spelled.map(\.record)
        for record in spelled.map(\.record) {
            var object = try CanonicalObject(parsing: try CanonicalJSON.canonicalize(record))
            object["labels"] = #"{"split": "train", "tags": ["new"]}"#
            object["notes"] = JSONText.string("a note \u{1F600}")
            object["source"] = JSONText.string("elsewhere")
            lines.append(object.text)
            object["expected_output"] = #"{"nested": [1, 2.5, "\u2028"]}"#
            lines.append(object.text)
        }
        guard let python = try pythonDigests(lines, in: folder) else { return }  // the pinned values above still hold
        #expect(python.count == lines.count)
        for (line, digest) in zip(lines, python) { #expect(try GradedContent.digest(of: line) == digest, "\(line)") }
        #expect(python[3] == python[0] && python[5] == python[1] && python[7] == python[2], "labels, notes and source are not graded")
        #expect(python[4] != python[0])
    }

    @Test("labels, tags, notes, source, author and created_at are not graded content; input, context, expected_output are; the SQL form agrees")
    func differsAndItsSQLForm() throws {
        let base = Sample.line("ex-1")
        let same = [
            Sample.line("ex-1", feature: "refund-request"), Sample.line("ex-1", tags: ["a", "b"]), Sample.line("ex-1", notes: "checked"),
            base.replacingOccurrences(of: #""source": "synth""#, with: #""source": "prod-trace:2026-04-15""#)
                .replacingOccurrences(of: #""author": "@ana""#, with: #""author": "@ben""#)
                .replacingOccurrences(of: #""created_at": "2026-04-16""#, with: #""created_at": "2026-05-01""#),
            graded("ex-1", labels: #""labels": {"split": "test"}"#),
        ]
        let different = [
            Sample.line("ex-1", question: "another question"), graded("ex-1", expected: #"{"action": "refuse"}"#),
            graded("ex-1", context: #"["a retrieved chunk"]"#), graded("ex-1", expected: #"{"action": "answer", "extra": null}"#),
            graded("ex-1", context: #""null""#),
        ]
        for record in same { #expect(!GradedContent.differs(base, record), "\(record)") }
        for record in different { #expect(GradedContent.differs(base, record), "\(record)") }
        #expect(!GradedContent.differs(base, base))

        // The SQL form, on rows shaped as revisions, says the same of every pair.
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let statement = try store.database.prepare(
            "WITH a(record, sha256) AS (SELECT ?1, ?3), b(record, sha256) AS (SELECT ?2, ?4) SELECT \(StorageModel.sameGradedContent("a", "b")) FROM a, b"
        )
        // And records whose graded members hold escapes, non-ASCII, floats and nesting, each with
        // its labels changed and with one number of its expected output changed.
        var spelledVariants: [String] = []
        for record in spelled.map(\.record) {
            var object = try CanonicalObject(parsing: try CanonicalJSON.canonicalize(record))
            spelledVariants.append(object.text)
            object["labels"] = #"{"split": "dev"}"#
            spelledVariants.append(object.text)
            object["expected_output"] = try CanonicalJSON.canonicalize(
                #"{"a": true, "z": [1.5, 1e16, 1e-05, 100000.0, -0.0, 12345678901234567890, 1]}"#)
            spelledVariants.append(object.text)
        }
        #expect(!GradedContent.differs(spelledVariants[3], spelledVariants[4]) && GradedContent.differs(spelledVariants[4], spelledVariants[5]))
        let all = [base] + same + different + spelledVariants
        for first in all {
            for second in all {
                try statement.bind([.text(first), .text(second), .blob(sha256Bytes(first)), .blob(sha256Bytes(second))])
                #expect(try statement.step())
                #expect((statement.int(0) != 0) == !GradedContent.differs(first, second), "\(first) \(second)")
                statement.reset()
            }
        }
    }

    /// A store of 20 examples, a base and a candidate run on version 1 (candidate: 2 fixed, 3
    /// regressed), and two reviewers' read marks.
    private static func twoRunsAndReaders(_ folder: TemporaryFolder) throws -> (Store, base: EvalRun, candidate: EvalRun) {
        let store = try folder.store()
        let v1 = try store.importFile(try folder.write("v1.jsonl", Sample.file(count: 20)), options: by("ana")).version
        func run(_ name: String, passing: (Int) -> Bool) throws -> EvalRun {
            let text = (1...20).map { #"{"id": "\#(String(format: "ex-%04d", $0))", "pass": \#(passing($0))}"# + "\n" }.joined()
            return try store.recordRun(try folder.write("\(name).jsonl", text), against: v1, options: RunOptions(name: name)).run
        }
        let base = try run("base") { $0 % 4 != 0 }
        let candidate = try run("candidate") { ($0 % 4 != 0 || $0 == 4 || $0 == 8) && ![1, 2, 3].contains($0) }
        let (alice, _) = try ReviewSession.start(store, reviewer: "alice")
        for n in 1...6 { try alice.markRead(String(format: "ex-%04d", n)) }
        try alice.finish()
        let (bob, _) = try ReviewSession.start(store, reviewer: "bob")
        for n in [2, 9, 20] { try bob.markRead(String(format: "ex-%04d", n)) }
        try bob.finish()
        return (store, base, candidate)
    }

    /// The candidate's results again, recorded on the current version.
    private static func rerun(_ store: Store, _ candidate: EvalRun, as name: String, in folder: TemporaryFolder) throws -> EvalRun {
        var text = ""
        try store.exportRun(candidate) { text += $0 + "\n" }
        let current = try #require(try store.currentVersion())
        return try store.recordRun(try folder.write("\(name).jsonl", text), against: current, options: RunOptions(name: name)).run
    }

    @Test("a label-only version (split, a review's label, tag and note) keeps compare's pairs and figures, the runs fresh and every read mark")
    func labelOnlyVersionKeepsResultsAndReading() throws {
        let folder = try TemporaryFolder()
        let (store, base, candidate) = try Self.twoRunsAndReaders(folder)
        let before = try store.compare(base: base, candidate: candidate, budget: 0.05)
        let progress = try store.readProgress()
        #expect(progress == [ReadProgress(reviewer: "alice", read: 6, total: 20), ReadProgress(reviewer: "bob", read: 3, total: 20)])

        let split = try store.assignSplits(try StableSplit(train: 0.6, dev: 0.2, test: 0.2, seed: "graded"), author: "ana")
        #expect(split.outcome?.result?.outcome == .created)
        #expect(split.outcome?.result?.counts.changed == 20, "every example has a new revision")
        let (rita, _) = try ReviewSession.start(store, reviewer: "rita")
        try rita.edit("ex-0001", .label(key: "persona", value: "\"returning\""))
        try rita.edit("ex-0002", .addTag("checked"))
        try rita.edit("ex-0003", .note("reads well"))
        #expect(try rita.finish().result?.outcome == .created)

        let after = try Self.rerun(store, candidate, as: "candidate-split", in: folder)
        let compared = try store.compare(base: base, candidate: after, budget: 0.05)
        #expect(compared.excludedEdited.isEmpty)
        #expect(compared.counts == before.counts)
        #expect(compared.difference == before.difference && compared.lower == before.lower && compared.upper == before.upper)
        #expect(Array(compared.regressed) == Array(before.regressed) && Array(compared.fixed) == Array(before.fixed))
        #expect(compared.verdict == before.verdict)
        #expect(try store.report(base).changedSince == 0, "not stale")
        #expect(try store.report(candidate).changedSince == 0)
        #expect(try store.readProgress() == progress)
        let (alice, _) = try ReviewSession.start(store, reviewer: "alice")
        #expect(try alice.example("ex-0001").isRead && alice.example("ex-0003").isRead && !alice.example("ex-0007").isRead)
        #expect(Array(try alice.queue(unreadOnly: true)) == (7...20).map { String(format: "ex-%04d", $0) })
        #expect(try store.readSet(of: "bob").count == 3)
    }

    @Test("an edit of expected_output, input or context leaves the example out of compare, makes the runs stale and the example unread")
    func gradedEditExcludesStalesAndUnreads() throws {
        let folder = try TemporaryFolder()
        let (store, base, candidate) = try Self.twoRunsAndReaders(folder)
        let before = try store.compare(base: base, candidate: candidate)

        let (rita, _) = try ReviewSession.start(store, reviewer: "rita")
        try rita.edit("ex-0001", .expectedOutput(#"{"action": "refuse"}"#))
        try rita.edit("ex-0005", .label(key: "persona", value: "\"returning\""))  // labels only: kept
        try rita.finish()
        var lines = try String(decoding: exportBytes(store, #require(try store.currentVersion())), as: UTF8.self)
            .split(separator: "\n").map(String.init)
        lines[1] = lines[1].replacingOccurrences(of: "question for ex-0002", with: "another question")
        lines[8] = lines[8].replacingOccurrences(of: #""context": null"#, with: #""context": ["a retrieved chunk"]"#)
        _ = try store.importFile(try folder.write("v3.jsonl", lines.joined(separator: "\n") + "\n"), options: by())

        let after = try Self.rerun(store, candidate, as: "candidate-edited", in: folder)
        let compared = try store.compare(base: base, candidate: after)
        #expect(compared.excludedEdited == ["ex-0001", "ex-0002", "ex-0009"])
        #expect(compared.counts.n == before.counts.n - 3)
        #expect(try store.report(base).changedSince == 3)
        #expect(try store.report(after).changedSince == nil, "a run on the current version")
        #expect(try store.readProgress() == [ReadProgress(reviewer: "alice", read: 4, total: 20), ReadProgress(reviewer: "bob", read: 1, total: 20)])
        let (alice, _) = try ReviewSession.start(store, reviewer: "alice")
        #expect(try !alice.example("ex-0001").isRead && !alice.example("ex-0002").isRead && alice.example("ex-0005").isRead)
        #expect(Array(try alice.queue(unreadOnly: true)).prefix(3) == ["ex-0001", "ex-0002", "ex-0007"])
        // Read again, it is read at its new content.
        try alice.markRead("ex-0001")
        #expect(try store.readSet(of: "alice").count == 5)
    }
}
