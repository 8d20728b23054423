import Foundation
import Testing

@testable import EvalDBKit

/// A dataset with one example of each kind of change over four versions:
/// v1: a, b, c, d     v2: a changed (input), b removed, c's feature label changed, e added
/// v3: b restored, d renamed to d2 (same record otherwise), lines reordered     v4: a changed again (notes)
private func historyStore(_ folder: TemporaryFolder) throws -> Store {
    let store = try folder.store()
    let v1 = [Sample.line("a"), Sample.line("b"), Sample.line("c"), Sample.line("d", question: "dq")]
    let v2 = [
        Sample.line("a", question: "edited"), Sample.line("c", feature: "refund-request"), Sample.line("d", question: "dq"),
        Sample.line("e"),
    ]
    let v3 = [
        Sample.line("e"), Sample.line("a", question: "edited"), Sample.line("b"), Sample.line("c", feature: "refund-request"),
        Sample.line("d2", question: "dq"),
    ]
    let v4 = [
        Sample.line("e"), Sample.line("a", question: "edited", notes: "checked"), Sample.line("b"),
        Sample.line("c", feature: "refund-request"), Sample.line("d2", question: "dq"),
    ]
    for (number, lines) in [v1, v2, v3, v4].enumerated() {
        let path = try folder.write("v\(number + 1).jsonl", lines.joined(separator: "\n") + "\n")
        _ = try store.importFile(path, options: ImportOptions(author: "author\(number + 1)", message: "session \(number + 1)"))
    }
    return store
}

@Suite("History: log, show, blame, diff")
struct HistoryTests {
    @Test("the revisions of an example list each change with its version and author")
    func revisions() throws {
        let folder = try TemporaryFolder()
        let store = try historyStore(folder)
        #expect(
            try store.revisions(of: "a").map { "\($0.version) \($0.kind.rawValue) \($0.author)" } == [
                "1 added author1", "2 changed author2", "4 changed author4",
            ])
        #expect(try store.revisions(of: "b").map(\.kind) == [.added, .removed, .restored])
        #expect(try store.revisions(of: "nobody").isEmpty)
    }

    @Test("field changes name the top-level fields and the label keys that differ")
    func fieldChanges() throws {
        let before = RecordFields(record: Sample.line("c"))
        let after = RecordFields(record: Sample.line("c", feature: "refund-request", notes: "n"))
        let changes = FieldChange.between(before, after)
        #expect(changes.map(\.path) == ["labels.feature", "notes"])
        #expect(changes[0].old == "\"booking-lookup\"" && changes[0].new == "\"refund-request\"")
        #expect(changes[1].old == "null" && changes[1].new == "\"n\"")
    }

    @Test("show gives the record as of any version, and says when an id is removed or not there yet")
    func states() throws {
        let folder = try TemporaryFolder()
        let store = try historyStore(folder)
        let v1 = try #require(try store.version(number: 1)), v2 = try #require(try store.version(number: 2))
        guard case .live(let a1) = try store.state(of: "a", at: v1) else { Issue.record("a at v1"); return }
        #expect(a1.record == Sample.line("a"))
        guard case .removed(let tombstone, let lastLive) = try store.state(of: "b", at: v2) else { Issue.record("b at v2"); return }
        #expect(tombstone.version == 2 && lastLive?.record == Sample.line("b"))
        guard case .notYet(let first) = try store.state(of: "e", at: v1) else { Issue.record("e at v1"); return }
        #expect(first == 2)
        guard case .unknown = try store.state(of: "zzz", at: v2) else { Issue.record("zzz"); return }
    }

    @Test("blame names the version and author since which each field holds its value")
    func blame() throws {
        let folder = try TemporaryFolder()
        let store = try historyStore(folder)
        let current = try #require(try store.currentVersion())
        let blame = try #require(try store.blame("a", at: current))
        let since = Dictionary(uniqueKeysWithValues: blame.lines.map { ($0.path, "\($0.since.version) \($0.since.author)") })
        #expect(since["input"] == "2 author2")
        #expect(since["notes"] == "4 author4")
        #expect(since["source"] == "1 author1")
        #expect(since["labels.feature"] == "1 author1")
        // A restore is no break: b's fields date from version 1.
        let b = try #require(try store.blame("b", at: current))
        #expect(b.lines.allSatisfy { $0.since.version == 1 })
        #expect(b.removedBy == nil)
        let v2 = try #require(try store.version(number: 2))
        let bAtV2 = try #require(try store.blame("b", at: v2))
        #expect(bAtV2.removedBy?.version == 2)
    }

    @Test("diff of two versions lists added, removed, changed (with fields), renames and reordering")
    func diffVersions() throws {
        let folder = try TemporaryFolder()
        let store = try historyStore(folder)
        let v1 = try #require(try store.version(number: 1)), v2 = try #require(try store.version(number: 2))
        let v3 = try #require(try store.version(number: 3))
        let d12 = try store.diff(.version(v1), .version(v2))
        #expect(d12.added == ["e"])
        #expect(d12.removed == ["b"])
        #expect(d12.changed.map { "\($0.id): \($0.changes.map(\.path))" } == ["a: [\"input\"]", "c: [\"labels.feature\"]"])
        #expect(d12.unchanged == 1)
        #expect(!d12.reordered)
        #expect(d12.changed.allSatisfy { $0.changes.allSatisfy { $0.old != nil && $0.new != nil } })
        // Paths alone: the same fields, no values held.
        for pathsOnly in [
            try store.diff(.version(v1), .version(v2), withValues: false),
            try store.diff(.version(v1), .file(folder.file("v2.jsonl")), withValues: false),
        ] {
            #expect(pathsOnly.changed.map { "\($0.id): \($0.changes.map(\.path))" } == d12.changed.map { "\($0.id): \($0.changes.map(\.path))" })
            #expect(pathsOnly.changed.allSatisfy { $0.changes.allSatisfy { $0.old == nil && $0.new == nil } })
            #expect(pathsOnly.added == d12.added && pathsOnly.removed == d12.removed)
        }
        let d21 = try store.diff(.version(v2), .version(v1))  // backwards: what undoing version 2 would do
        #expect(d21.added == ["b"] && d21.removed == ["e"] && d21.changed.map(\.id) == ["a", "c"])
        #expect(try store.diff(.version(v2), .version(v2)).isEmpty)
        let d23 = try store.diff(.version(v2), .version(v3))
        #expect(d23.added == ["b", "d2"])
        #expect(d23.removed == ["d"])
        #expect(d23.renames.map { "\($0.from)->\($0.to)" } == ["d->d2"])
        #expect(d23.reordered)
    }

    @Test("diff of a file against a version is what importing it would do")
    func diffFile() throws {
        let folder = try TemporaryFolder()
        let store = try historyStore(folder)
        let current = try #require(try store.currentVersion())
        let same = try store.diff(.version(current), .file(folder.file("v4.jsonl")))
        #expect(same.isEmpty)
        let next = try folder.write("next.jsonl", Sample.line("e", question: "new") + "\n" + Sample.line("f") + "\n")
        let d = try store.diff(.version(current), .file(next))
        #expect(d.added == ["f"])
        #expect(d.removed == ["a", "b", "c", "d2"])
        #expect(d.changed.map(\.id) == ["e"])
    }

    @Test("ids and label values with quotes, % and _ and SQL keywords reach SQL only as parameters")
    func hostileIdsAreData() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let id = #"o'brien \"x\"; DROP TABLE examples; --%_"#
        let line = Sample.line(id, feature: #"50% off_' OR '1'='1"#)
        let other = Sample.line("plain", feature: "50X off")  // what a LIKE pattern would also match
        _ = try store.importFile(try folder.write("v1.jsonl", line + "\n" + other + "\n"), options: by())
        let decodedId = #"o'brien "x"; DROP TABLE examples; --%_"#
        #expect(try store.revisions(of: decodedId).count == 1)
        #expect(try store.revisions(of: "o'brien").isEmpty)
        let current = try #require(try store.currentVersion())
        guard case .live = try store.state(of: decodedId, at: current) else { Issue.record("not found"); return }
        #expect(try store.blame(decodedId, at: current)?.lines.isEmpty == false)
        var matches = 0
        try store.slice(current, where: [SliceCondition(key: "feature", match: .equals(#"50% off_' OR '1'='1"#))]) { _ in matches += 1 }
        #expect(matches == 1)
        #expect(try store.database.scalarInt("SELECT count(*) FROM examples") == 2)
        #expect(try store.verify() == [])
    }
}
