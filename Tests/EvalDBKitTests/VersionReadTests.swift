import Foundation
import Testing

@testable import EvalDBKit

/// Each read command reads the current version once (`Store.currentVersionReads`): it runs its
/// queries in one `Store.reading`, a read transaction in which the current version is read once, and
/// what it calls checks the version it was given against that one instead of asking the database.
@Suite("one read of the current version per command")
struct VersionReadTests {
    static let root = QueryTests.root

    /// The sample dataset imported twice (a second version, so that older and current differ),
    /// with its two runs recorded; the database's path.
    static func sample(_ folder: TemporaryFolder) throws -> String {
        let store = try folder.store()
        let file = root.appendingPathComponent("evals/data/v0/golden.jsonl").path
        let first = try store.importFile(file, options: by()).version
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
        let next = folder.file("next.jsonl")
        try (lines.dropLast().joined(separator: "\n") + "\n").write(toFile: next, atomically: true, encoding: .utf8)
        let current = try store.importFile(next, options: by()).version
        #expect(current.number == first.number + 1)
        for name in ["baseline", "candidate"] {
            _ = try store.recordRun(
                root.appendingPathComponent("evals/runs/\(name).jsonl").path, against: first, options: RunOptions(name: name))
        }
        return store.path
    }

    /// How many times the library calls of a command read the current version, from opening the
    /// database on, in one `Store.reading` as the command makes them (`versions`, `log`, `hash` and
    /// `sql` make one query or two, outside it).
    static func reads(_ path: String, _ command: String, _ libraryCalls: (Store) throws -> Void) throws -> Int {
        let store = try Store(readingAt: path)
        if ["versions", "log ID", "hash --version current", "sql"].contains(command) {
            try libraryCalls(store)
        } else {
            try store.reading { try libraryCalls(store) }
        }
        return store.currentVersionReads
    }

    /// Each command's library calls, as its `run()` makes them, by the command line they stand for.
    static let commands: [(String, @Sendable (Store) throws -> Void)] = [
        ("slice", { store in try store.slice(try store.resolveVersion("current"), where: []) { _ in } }),
        ("slice --limit 10", { store in try store.slice(try store.resolveVersion("current"), where: [], limit: 10) { _ in } }),
        (
            "slice --where feature=booking-lookup",
            { store in try store.slice(try store.resolveVersion("current"), where: [try SliceCondition(parsing: "feature=booking-lookup")]) { _ in } }
        ),
        (
            "slice --where feature=booking-lookup --limit 2",
            { store in
                try store.slice(try store.resolveVersion("current"), where: [try SliceCondition(parsing: "feature=booking-lookup")], limit: 2) { _ in
                }
            }
        ),
        (
            "slice --source prod-trace",
            { store in
                try store.slice(try store.resolveVersion("current"), where: [SliceCondition(key: "source", match: .prefix("prod-trace"))]) { _ in }
            }
        ),
        ("slice --version 1", { store in try store.slice(try store.resolveVersion("1"), where: []) { _ in } }),
        ("slice --count-by feature", { store in _ = try store.sliceCounts(try store.resolveVersion("current"), where: [], countBy: ["feature"]) }),
        ("slice --count-by source", { store in _ = try store.sliceCounts(try store.resolveVersion("current"), where: [], countBy: ["source"]) }),
        ("export", { store in try store.export(try store.resolveVersion("current")) { _ in } }),
        ("hash --version current", { store in _ = try store.resolveVersion("current").hash }),
        ("versions", { store in _ = try store.versions() }),
        ("show ID", { store in _ = try store.state(of: "booking-lookup-001", at: try store.resolveVersion("current")) }),
        ("log ID", { store in _ = try store.log(of: "booking-lookup-001") }),
        ("blame ID", { store in _ = try store.blame("booking-lookup-001", at: try store.resolveVersion("current")) }),
        (
            "coverage",
            { store in
                _ = try store.coverage(try store.resolveVersion("current"), axes: try Axes(path: root.appendingPathComponent("evals/axes.json").path))
            }
        ),
        ("report RUN", { store in _ = try store.report(try store.run(named: "candidate")) }),
        ("report RUN --by feature", { store in _ = try store.report(try store.run(named: "candidate"), by: ["feature"]) }),
        (
            "compare BASE CANDIDATE --by feature",
            { store in _ = try store.compare(base: try store.run(named: "baseline"), candidate: try store.run(named: "candidate"), by: ["feature"]) }
        ),
        (
            "status",
            { store in
                guard let current = try store.currentVersion() else { return }
                if let path = current.sourcePath { _ = try store.compare(file: path) }
                _ = try store.readProgress()
                _ = try store.openReviewSessions()
                _ = store.uncommittedLogFiles()
            }
        ),
        ("trend", { store in _ = try store.trend() }),
        ("sql", { _ in }),
    ]

    @Test("each read command reads the current version at most once, the first time and every time after", arguments: [false, true])
    func oncePerCommand(indexAlreadyBuilt: Bool) throws {
        for (command, libraryCalls) in Self.commands {
            let folder = try TemporaryFolder()
            let path = try Self.sample(folder)
            // The first query after an import builds the slice index; later ones load it.
            if indexAlreadyBuilt { _ = try Self.reads(path, command, libraryCalls) }
            let reads = try Self.reads(path, command, libraryCalls)
            #expect(reads <= 1, "\(command): read the current version \(reads) times")
            // Those that name the current version do read it.
            if !["versions", "log ID", "sql", "report RUN", "compare BASE CANDIDATE --by feature", "trend"].contains(command) {
                #expect(reads == 1, "\(command)")
            }
        }
    }

    @Test("the counter counts: two calls outside `reading`, two reads; without it, a slice of an indexed key reads it again")
    func counterCounts() throws {
        let folder = try TemporaryFolder()
        let path = try Self.sample(folder)
        let store = try Store(readingAt: path)
        _ = try store.currentVersion()
        _ = try store.resolveVersion("current")
        #expect(store.currentVersionReads == 2)
        store.currentVersionReads = 0
        try store.slice(try store.resolveVersion("current"), where: [try SliceCondition(parsing: "feature=booking-lookup")]) { _ in }
        #expect(store.currentVersionReads > 1, "each step asks again when it is not told")
    }

    @Test(
        "in `reading`, one snapshot: an import that commits meanwhile is not seen, the current version is read once, and the slice index made is saved after"
    )
    func oneSnapshot() throws {
        let folder = try TemporaryFolder()
        let path = try Self.sample(folder)
        let store = try Store(readingAt: path)
        let before = try #require(try store.currentVersion())
        store.currentVersionReads = 0
        let file = Self.root.appendingPathComponent("evals/data/v0/golden.jsonl").path
        var ids: [String] = []
        try store.reading {
            let current = try store.resolveVersion("current")
            #expect(current.hash == before.hash)
            // Another writer makes a version while this command reads.
            #expect(try Store(path: path).importFile(file, options: by()).outcome == .created)
            try store.slice(current, where: [try SliceCondition(parsing: "feature=booking-lookup")]) {
                ids.append(String(decoding: $0, as: UTF8.self))
            }
            #expect(try store.currentVersion()?.hash == before.hash, "the snapshot's current version")
        }
        #expect(store.currentVersionReads == 1)
        var expected: [String] = []
        try store.slice(before, where: [try SliceCondition(parsing: "feature=booking-lookup")]) {
            expected.append(String(decoding: $0, as: UTF8.self))
        }
        #expect(!ids.isEmpty && ids == expected, "the slice is the version read at the start, whole")
        #expect(try store.currentVersion()?.hash != before.hash, "after `reading`, the import is seen")
        #expect(
            try store.database.scalarInt("SELECT version FROM slice_index_state WHERE id = 1").map(Int.init) == before.row,
            "the index made in `reading` was saved after it")
    }

    @Test("a version is named with spaces or tabs around it as without: current, HEAD, a number, a hash prefix")
    func namesTrimmed() throws {
        let folder = try TemporaryFolder()
        let store = try Store(readingAt: try Self.sample(folder))
        let current = try #require(try store.currentVersion())
        let first = try #require(try store.version(number: 1))
        for (spec, expected) in [
            (" current", current), ("HEAD\t", current), ("\u{00A0}1 ", first), ("\t" + String(first.hash.dropFirst(7).prefix(8)) + "  ", first),
        ] {
            #expect(try store.resolveVersion(spec).row == expected.row, "\(spec.debugDescription)")
        }
        #expect(throws: (any Error).self) { try store.resolveVersion("current\n") }
    }
}
