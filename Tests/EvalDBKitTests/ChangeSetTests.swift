import Foundation
import Testing

@testable import EvalDBKit

/// `Store.commit` writes a `VersionChange` as one version, and every version's change set, applied
/// to its base's lines elsewhere, gives the version byte for byte: checked against a model (the
/// lines a change must give) over seeded random changes — edits, additions, removals, restores,
/// reorders.
@Suite("one write path and its change sets")
struct ChangeSetTests {
    /// The same changes for a seed on every machine.
    struct Random {
        var generator: SeededGenerator
        init(state: UInt64) { generator = SeededGenerator(seed: state) }
        mutating func below(_ n: Int) -> Int { Int(generator.next() % UInt64(max(n, 1))) }
    }

    func export(_ store: Store, _ version: DatasetVersion) throws -> String {
        var bytes: [UInt8] = []
        try store.export(version) { bytes += $0 }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test("Store.commit gives the lines the model says, and each version's change set rebuilds it in another database", arguments: [3, 11, 29])
    func changesAndTheirChangeSets(seed: UInt64) throws {
        let folder = try TemporaryFolder()
        let store = try folder.store("made.sqlite")
        var model = (1...20).map { Sample.line(String(format: "ex-%04d", $0)) }
        _ = try store.importFile(try folder.write("v1.jsonl", model.map { $0 + "\n" }.joined()), options: ImportOptions(author: "ana"))
        var random = Random(state: seed)
        var removed: [String: String] = [:]  // id -> its last record, for restores
        var next = 21
        func id(_ line: String) -> String { DatasetMerge.idString(DatasetMerge.idKey(of: line)) }
        for step in 1...12 {
            var change = VersionChange(author: "ana", message: "step \(step)")
            var lines = model
            // Edit two, remove one, add one, now and then restore one or reorder everything.
            var edited = Set<Int>()
            for _ in 0..<2 where !lines.isEmpty {
                let at = random.below(lines.count)
                guard edited.insert(at).inserted else { continue }
                let line = Sample.line(id(lines[at]), question: "edited \(step) \(random.below(1000))")
                lines[at] = line
                change.puts.append(line)
            }
            if lines.count > 5 {
                let at = random.below(lines.count)
                let gone = id(lines[at])
                if !change.puts.contains(where: { id($0) == gone }) {
                    removed[gone] = lines[at]
                    lines.remove(at: at)
                    change.removals.append(gone)
                }
            }
            let added = Sample.line(String(format: "ex-%04d", next))
            next += 1
            lines.append(added)
            change.puts.append(added)
            if random.below(3) == 0, let back = removed.keys.sorted().first, !change.removals.contains(back) {
                lines.append(removed.removeValue(forKey: back)!)
                change.puts.append(lines.last!)
            }
            if random.below(4) == 0 {
                lines.reverse()
                change.order = lines.map(id)
            }
            let result = try store.commit(change)
            #expect(result.outcome == .created)
            #expect(try export(store, result.version) == lines.map { $0 + "\n" }.joined(), "step \(step): the model's lines")
            model = lines
        }
        #expect(try store.verify().isEmpty)

        // Each version's change set, written as the team log writes it, rebuilds the version in a
        // database that has only the first one.
        let other = try folder.store("rebuilt.sqlite")
        _ = try other.importFile(folder.file("v1.jsonl"), options: ImportOptions(author: "ana"))
        // A version of its own on top of the first (a side branch): the first change set applies
        // to a version that is not the current one, as a delta from it.
        var side = VersionChange(author: "ben", message: "ben's side")
        side.puts = [Sample.line("ex-0002", question: "ben's edit"), Sample.line("ben-0001")]
        side.removals = ["ex-0003"]
        try other.commit(side)
        for version in try store.versions().dropFirst() {
            let header = LogEvent(
                "version",
                [
                    "hash": .string(version.hash), "by": .string(version.author), "at": .string(version.createdAt),
                    "base": .string(try store.version(number: version.row - 1)!.hash), "message": version.message.map { .string($0) },
                ])
            let file = folder.file("change-\(version.row).jsonl")
            let descriptor = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            try store.writeChangeSet(header: header.text + "\n", row: version.row, to: descriptor)
            close(descriptor)
            let made = try other.applyChangeSet(file: file)
            #expect(made.hash == version.hash)
            #expect(try export(other, made) == export(store, version))
        }
        #expect(try other.verify().isEmpty)
    }

    @Test("a change set that does not give the hash its record names is refused, and nothing is written")
    func editedChangeSetIsRefused() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let first = try store.importFile(try folder.write("v1.jsonl", Sample.file(count: 5)), options: ImportOptions(author: "ana")).version
        let header = LogEvent(
            "version",
            [
                "hash": .string("sha256:" + String(repeating: "0", count: 64)), "by": .string("zed"), "at": .string("2026-12-01T00:00:00Z"),
                "base": .string(first.hash),
            ])
        try folder.write("change.jsonl", header.text + "\n{\"remove\": \"ex-0001\"}\n")
        #expect(throws: EvalDBError.self) { try store.applyChangeSet(file: folder.file("change.jsonl")) }
        // A check line that does not match the lines above it (one edited by hand) is no warrant.
        let check = "{\"check\": {\"lines\": 1, \"sha256\": \"\(String(repeating: "1", count: 64))\"}}\n"
        try folder.write("checked.jsonl", header.text + "\n{\"remove\": \"ex-0001\"}\n" + check)
        #expect(throws: EvalDBError.self) { try store.applyChangeSet(file: folder.file("checked.jsonl")) }
        #expect(try store.versions().count == 1)
        #expect(try store.currentVersion()?.hash == first.hash)
    }

    @Test("a change that refers to no example, or changes one twice, is refused at its line, writing nothing")
    func badChangesAreRefused() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        _ = try store.importFile(try folder.write("v1.jsonl", Sample.file(count: 5)), options: ImportOptions(author: "ana"))
        var change = VersionChange(author: "ana")
        change.puts = [Sample.line("ex-0001", question: "a"), Sample.line("ex-0001", question: "b"), "{\"id\": 3}"]
        change.removals = ["nope"]
        change.source = "edits"
        do {
            try store.commit(change)
            Issue.record("refused")
        } catch EvalDBError.invalidData(let errors, _) {
            #expect(Set(errors.map(\.line)) == [2, 3, 4], "\(errors)")
            #expect(errors.allSatisfy { $0.file == "edits" })
        }
        #expect(try store.versions().count == 1)
    }
}
