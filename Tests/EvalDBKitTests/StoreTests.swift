import Foundation
import Testing

@testable import EvalDBKit

@Suite("Importing and exporting versions")
struct StoreTests {
    @Test("a canonical file imports and exports back byte-identical, and its version hash is sha256 of the file")
    func roundTrip() throws {
        let folder = try TemporaryFolder()
        let text = Sample.file(count: 50)
        let path = try folder.write("golden.jsonl", text)
        let store = try folder.store()
        let result = try store.importFile(path, options: by("ana", message: "first labelling session"))
        #expect(result.outcome == .created)
        #expect(result.version.number == 1)
        #expect(result.counts == ChangeCounts(added: 50))
        #expect(result.version.hash == "sha256:" + sha256Hex(Array(text.utf8)))
        #expect(result.version.author == "ana")
        #expect(result.version.message == "first labelling session")
        #expect(result.version.sourceSHA256 == sha256Hex(Array(text.utf8)))
        #expect(try exportBytes(store, result.version) == Array(text.utf8))
        #expect(try store.verify() == [])
    }

    @Test("the project's sample dataset, written by the recipe's json.dumps(sort_keys=True), round-trips byte-identical")
    func sampleDatasetRoundTrip() throws {
        let sample = Fixtures.folder.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("evals/data/v0/golden.jsonl")
        let bytes = Array(try Data(contentsOf: sample))
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let result = try store.importFile(sample.path, options: by())
        #expect(result.counts.added >= 40)
        #expect(result.warnings.isEmpty)
        #expect(result.version.hash == "sha256:" + sha256Hex(bytes))
        #expect(try exportBytes(store, result.version) == bytes)
    }

    @Test("a first import into a database that does not exist builds it aside and links it into place, in WAL mode")
    func importIntoNewDatabase() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("db/evaldb.sqlite")
        let text = Sample.file(count: 40)
        let (store, result) = try Store.importIntoNewDatabase(at: path, file: try folder.write("g.jsonl", text), options: by())
        #expect(result.outcome == .created)
        #expect(result.counts == ChangeCounts(added: 40))
        #expect(try exportBytes(store, result.version) == Array(text.utf8))
        #expect(try store.database.scalarText("PRAGMA journal_mode") == "wal")
        #expect(try store.verify() == [])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("db")).filter { $0.contains("building") }.isEmpty)
        // Someone else made the database meanwhile: the import goes into theirs.
        let other = folder.file("other.sqlite")
        _ = try Store(path: other)
        let (theirs, second) = try Store.importIntoNewDatabase(at: other, file: folder.file("g.jsonl"), options: by())
        #expect(second.version.number == 1)
        #expect(try theirs.versions().count == 1)
    }

    @Test("a failed first import into a new database leaves no database behind")
    func failedImportIntoNewDatabase() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("db/evaldb.sqlite")
        let bad = try folder.write("bad.jsonl", Sample.line("a") + "\n{\n")
        #expect(dataErrors { _ = try Store.importIntoNewDatabase(at: path, file: bad, options: by()) }?.map(\.line) == [2])
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("db")).isEmpty)
    }

    @Test("a non-canonical file imports and exports in canonical form")
    func nonCanonicalImportExportsCanonical() throws {
        let folder = try TemporaryFolder()
        let messy = "\u{FEFF}" + Sample.line("b").replacingOccurrences(of: "\": ", with: "\":") + "\r\n\r\n" + Sample.line("a")
        let store = try folder.store()
        let version = try store.importFile(try folder.write("messy.jsonl", messy), options: by()).version
        let canonical = Sample.line("b") + "\n" + Sample.line("a") + "\n"
        #expect(try exportBytes(store, version) == Array(canonical.utf8))
        #expect(version.hash == "sha256:" + sha256Hex(Array(canonical.utf8)))
    }

    @Test("re-importing an unchanged file makes no version and names the current one")
    func unchangedReimport() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("golden.jsonl", Sample.file(count: 10))
        let store = try folder.store()
        _ = try store.importFile(path, options: by())
        let again = try store.importFile(path, options: by())
        #expect(again.outcome == .unchanged)
        #expect(again.version.number == 1)
        // The same records written differently are the same dataset: still no version.
        let crlf = try folder.write("crlf.jsonl", Sample.file(count: 10).replacingOccurrences(of: "\n", with: "\r\n"))
        #expect(try store.importFile(crlf, options: by()).outcome == .unchanged)
        #expect(try store.versions().count == 1)
    }

    @Test("a 5% change makes one version whose revision counts are exactly the change")
    func fivePercentChange() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let v1Text = Sample.file(count: 100)
        _ = try store.importFile(try folder.write("v1.jsonl", v1Text), options: by())
        // Change 3, remove 1 (ex-0050), add 1: five examples of a hundred.
        var lines = Sample.file(count: 100, changing: [10, 20, 30]).split(separator: "\n").map(String.init)
        lines.remove(at: 49)
        lines.append(Sample.line("ex-new"))
        let v2Text = lines.joined(separator: "\n") + "\n"
        let revisionsBefore = try store.database.scalarInt("SELECT count(*) FROM stored_revisions")
        let result = try store.importFile(try folder.write("v2.jsonl", v2Text), options: by())
        #expect(result.version.number == 2)
        #expect(result.counts == ChangeCounts(added: 1, changed: 3, removed: 1, restored: 0, unchanged: 96))
        #expect(try store.database.scalarInt("SELECT count(*) FROM stored_revisions") == revisionsBefore! + 5)
        #expect(try exportBytes(store, result.version) == Array(v2Text.utf8))
        let v1 = try #require(try store.version(number: 1))
        #expect(try exportBytes(store, v1) == Array(v1Text.utf8))
        #expect(try store.verify() == [])
    }

    @Test("a file that only reorders lines is a new version with no new revision, and each order exports as it was")
    func reorderOnly() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let forward = Sample.file(count: 30)
        let backward = forward.split(separator: "\n").reversed().map { $0 + "\n" }.joined()
        _ = try store.importFile(try folder.write("a.jsonl", forward), options: by())
        let revisions = try store.database.scalarInt("SELECT count(*) FROM stored_revisions")
        let result = try store.importFile(try folder.write("b.jsonl", backward), options: by())
        #expect(result.outcome == .created)
        #expect(result.counts == ChangeCounts(unchanged: 30))
        #expect(try store.database.scalarInt("SELECT count(*) FROM stored_revisions") == revisions)
        #expect(try exportBytes(store, result.version) == Array(backward.utf8))
        #expect(try exportBytes(store, try #require(try store.version(number: 1))) == Array(forward.utf8))
    }

    @Test("a removed id leaves a tombstone; coming back with its old content is a restore")
    func tombstoneAndRestore() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let full = Sample.file(count: 5)
        _ = try store.importFile(try folder.write("v1.jsonl", full), options: by())
        let without = try store.importFile(try folder.write("v2.jsonl", Sample.file(count: 4)), options: by())
        #expect(without.counts == ChangeCounts(removed: 1, unchanged: 4))
        #expect(try store.database.scalarText("SELECT kind FROM stored_revisions ORDER BY rev DESC LIMIT 1") == "removed")
        let back = try store.importFile(try folder.write("v3.jsonl", full), options: by())
        #expect(back.counts == ChangeCounts(restored: 1, unchanged: 4))
        #expect(try exportBytes(store, back.version) == Array(full.utf8))
        #expect(try store.verify() == [])
    }

    @Test("a removed id coming back with other content is refused, naming the version, unless reuse is allowed")
    func reuseRefused() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        _ = try store.importFile(try folder.write("v1.jsonl", Sample.file(count: 3)), options: by())
        _ = try store.importFile(try folder.write("v2.jsonl", Sample.file(count: 2)), options: by())
        let reused = try folder.write("v3.jsonl", Sample.file(count: 3, changing: [3]))
        let errors = try #require(dataErrors { _ = try store.importFile(reused, options: by()) })
        #expect(errors.count == 1)
        #expect(errors[0].line == 3)
        #expect(errors[0].message.contains(#"id "ex-0003" was deleted in version 2; ids are never reused"#))
        #expect(try store.versions().count == 2)
        var options = by()
        options.allowReuse = true
        let allowed = try store.importFile(reused, options: options)
        #expect(allowed.counts == ChangeCounts(added: 1, unchanged: 2))
        #expect(try store.verify() == [])
    }

    @Test("a removed and an added id with identical records are reported as a probable rename")
    func renameReported() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        _ = try store.importFile(
            try folder.write("v1.jsonl", Sample.line("old-id", question: "same") + "\n" + Sample.line("k") + "\n"),
            options: by())
        let result = try store.importFile(
            try folder.write("v2.jsonl", Sample.line("new-id", question: "same") + "\n" + Sample.line("k") + "\n"), options: by())
        #expect(result.counts == ChangeCounts(added: 1, removed: 1, unchanged: 1))
        #expect(result.renames.map { "\($0.from)->\($0.to)" } == ["old-id->new-id"])
    }

    @Test("a line repeated byte for byte is a duplicate id, in a first import and in a later one")
    func repeatedLineIsDuplicate() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let doubled = Sample.line("a") + "\n" + Sample.line("b") + "\n" + Sample.line("a") + "\n"
        let first = try #require(dataErrors { _ = try store.importFile(try folder.write("d1.jsonl", doubled), options: by()) })
        #expect(first.map(\.line) == [3])
        #expect(first.first?.message.contains("duplicate id \"a\"") == true)
        _ = try store.importFile(try folder.write("v1.jsonl", Sample.line("a") + "\n" + Sample.line("b") + "\n"), options: by())
        let later = try #require(dataErrors { _ = try store.importFile(try folder.write("d2.jsonl", doubled), options: by()) })
        #expect(later.map(\.line) == [3])
        #expect(later.first?.message.contains("duplicate id \"a\"") == true)
        #expect(try store.versions().count == 1)
    }

    @Test("an unknown field draws its warning on every import, also when its line is unchanged")
    func unknownFieldWarnsEveryTime() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let odd = Sample.line("a").replacingOccurrences(of: #""source": "synth"}"#, with: #""source": "synth", "zeta": 1}"#)
        let first = try store.importFile(try folder.write("v1.jsonl", odd + "\n" + Sample.line("b") + "\n"), options: by())
        #expect(first.warnings.map(\.line) == [1])
        let second = try store.importFile(try folder.write("v2.jsonl", odd + "\n" + Sample.line("c") + "\n"), options: by())
        #expect(second.counts == ChangeCounts(added: 1, removed: 1, unchanged: 1))
        #expect(second.warnings.map(\.line) == [1])
        var strict = by()
        strict.strict = true
        #expect(dataErrors { _ = try store.importFile(try folder.write("v3.jsonl", odd + "\n"), options: strict) }?.count == 1)
    }

    @Test("a version records the SHA-256 of the file's own bytes, canonical or not")
    func sourceDigestIsTheFiles() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let canonical = Sample.file(count: 4)
        let crlf = Sample.file(count: 5).replacingOccurrences(of: "\n", with: "\r\n")
        let v1 = try store.importFile(try folder.write("v1.jsonl", canonical), options: by()).version
        #expect(v1.sourceSHA256 == sha256Hex(Array(canonical.utf8)))
        let v2 = try store.importFile(try folder.write("v2.jsonl", crlf), options: by()).version
        #expect(v2.sourceSHA256 == sha256Hex(Array(crlf.utf8)))
        #expect(v2.hash != "sha256:" + sha256Hex(Array(crlf.utf8)))
    }

    @Test("a large next version recognises unchanged lines across chunks and counts the change exactly")
    func largeNextVersion() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let v1 = Sample.file(count: 8000)
        _ = try store.importFile(try folder.write("v1.jsonl", v1), options: by())
        var lines = Sample.file(count: 8000, changing: Set(stride(from: 7, to: 8000, by: 97))).split(separator: "\n").map(String.init)
        lines.removeSubrange(3000..<3010)
        lines.append(contentsOf: (1...5).map { Sample.line("new-\($0)") })
        lines.swapAt(100, 7000)
        let v2 = lines.joined(separator: "\n") + "\n"
        let result = try store.importFile(try folder.write("v2.jsonl", v2), options: by())
        let changed = stride(from: 7, to: 8000, by: 97).filter { !(3001...3010).contains($0) }.count
        #expect(result.counts == ChangeCounts(added: 5, changed: changed, removed: 10, restored: 0, unchanged: 7990 - changed))
        #expect(try exportBytes(store, result.version) == Array(v2.utf8))
        #expect(try exportBytes(store, try #require(try store.version(number: 1))) == Array(v1.utf8))
        #expect(try store.verify() == [])
    }

    @Test("a next version read through small windows (head digests, mapped file regions) counts the same change and exports the same bytes")
    func nextVersionThroughSmallWindows() throws {
        var small = by()
        small.headSegmentSize = 50  // 40 segments of head digests: most lines are met in a later one
        small.mappedRegionSize = 4096  // lines across region boundaries, and one longer than a region
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let v1 = Sample.file(count: 2000)
        _ = try store.importFile(try folder.write("v1.jsonl", v1), options: by())
        let edited = Set(stride(from: 5, to: 2000, by: 41))
        var lines = Sample.file(count: 2000, changing: edited).split(separator: "\n").map(String.init)
        lines.removeSubrange(1200..<1260)  // ex-1201 ... ex-1260
        lines.append(Sample.line("long", notes: String(repeating: "n", count: 10_000)))
        lines.swapAt(10, 1900)  // ex-0011 and ex-1961 change places: line order recorded
        let v2 = "\u{FEFF}" + lines.joined(separator: "\r\n")  // a BOM, CRLF, no final newline
        let result = try store.importFile(try folder.write("v2.jsonl", v2), options: small)
        let changed = edited.filter { !(1201...1260).contains($0) }.count
        #expect(result.counts == ChangeCounts(added: 1, changed: changed, removed: 60, restored: 0, unchanged: 1940 - changed))
        #expect(try exportBytes(store, result.version) == Array((lines.joined(separator: "\n") + "\n").utf8))
        #expect(try store.importFile(try folder.write("v2-again.jsonl", v2 + "\n"), options: small).outcome == .unchanged)
        #expect(try store.verify() == [])
        let bad = try folder.write("v3.jsonl", lines[..<1500].joined(separator: "\n") + "\n" + #"{"id": "x", "input": }"# + "\n")
        do {
            _ = try store.importFile(bad, options: small)
            Issue.record("an invalid line was imported")
        } catch EvalDBError.invalidData(let errors, _) {
            #expect(errors.map { "\($0.line):\($0.column)" } == ["1501:22"])
        }
    }

    @Test(
        "examples removed while the file is read (keys ascending, a segment behind) make the version a removal at the end makes; a line far out of order after them reads the file again"
    )
    func earlyRemovals() throws {
        var early = by()
        early.headSegmentSize = 50  // removals decided 50 keys behind the line being read
        let folder = try TemporaryFolder()
        let v1 = Sample.file(count: 2000)
        var lines = Sample.file(count: 2000, changing: Set(stride(from: 7, to: 2000, by: 37))).split(separator: "\n").map(String.init)
        let renamed = lines[1210].replacingOccurrences(of: "\"ex-1211\"", with: "\"renamed-1211\"")
        lines.removeSubrange(1200..<1260)  // ex-1201 ... ex-1260
        lines.removeSubrange(100..<160)  // ex-0101 ... ex-0160
        lines.append(renamed)
        var outOfOrder = lines
        let moved = outOfOrder.remove(at: 500)  // ex-0561, met last: after its removal was decided
        outOfOrder.append(moved)

        for (name, file, removedWhileReading) in [("in order", lines, true), ("a line moved far", outOfOrder, false)] {
            let text = file.joined(separator: "\n") + "\n"
            var results: [(ImportResult, [String])] = []
            for options in [by(), early] {
                let store = try folder.store("\(name)-\(options.headSegmentSize).sqlite")
                _ = try store.importFile(try folder.write("v1.jsonl", v1), options: by())
                let result = try store.importFile(try folder.write("v2.jsonl", text), options: options)
                #expect(try exportBytes(store, result.version) == Array(text.utf8), "\(name)")
                #expect(try store.verify() == [], "\(name)")
                let history = try store.database.prepare(
                    "SELECT e.id, r.kind, hex(r.sha256) FROM stored_revisions r JOIN stored_examples e ON e.key = r.example WHERE r.version = 2 ORDER BY e.id"
                )
                var rows: [String] = []
                while try history.step() { rows.append("\(history.text(0)) \(history.text(1)) \(history.optionalText(2) ?? "-")") }
                results.append((result, rows))
                if options.headSegmentSize == 50 {
                    // Removed during the read: tombstones among the changes, not all after them.
                    let firstRemoval = try store.database.scalarInt("SELECT min(rev) FROM stored_revisions WHERE version = 2 AND kind = 'removed'")!
                    let lastChange = try store.database.scalarInt("SELECT max(rev) FROM stored_revisions WHERE version = 2 AND kind = 'changed'")!
                    #expect((firstRemoval < lastChange) == removedWhileReading, "\(name)")
                }
            }
            #expect(results[0].0.counts == results[1].0.counts, "\(name)")
            #expect(results[0].0.counts.removed == 120 && results[0].0.counts.added == 1, "\(name)")
            #expect(results[0].0.renames.map(\.to) == ["renamed-1211"] && results[1].0.renames.map(\.to) == ["renamed-1211"], "\(name)")
            #expect(results[0].1 == results[1].1, "\(name): the same revisions")
        }
    }

    @Test("a file flushed behind its writes (a flush every 64 KiB, on another thread) holds every byte written, in order")
    func writeBehind() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("flushed.bin")
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        #expect(descriptor >= 0)
        let flusher = WriteBehind(descriptor: descriptor, interval: 1 << 16)
        var expected: [UInt8] = []
        var generator = SeededGenerator(seed: 3)
        for _ in 0..<200 {
            let chunk = (0..<Int.random(in: 1...20_000, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            try chunk.withUnsafeBufferPointer { try writeAll(descriptor, $0, path: path) }
            flusher.wrote(chunk.count)
            expected += chunk
        }
        flusher.finish()
        #expect(fsync(descriptor) == 0 && close(descriptor) == 0)
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: path))) == expected)
    }

    @Test("a dry run reports the counts and writes nothing")
    func dryRun() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        _ = try store.importFile(try folder.write("v1.jsonl", Sample.file(count: 5)), options: by())
        var options = by()
        options.dryRun = true
        let result = try store.importFile(try folder.write("v2.jsonl", Sample.file(count: 6, changing: [1])), options: options)
        #expect(result.outcome == .dryRun)
        #expect(result.counts == ChangeCounts(added: 1, changed: 1, unchanged: 4))
        #expect(try store.versions().count == 1)
        #expect(try store.database.scalarInt("SELECT count(*) FROM stored_revisions") == 5)
    }

    @Test("invalid input is rejected with every position and leaves the database file untouched")
    func invalidInputChangesNothing() throws {
        let folder = try TemporaryFolder()
        let dbPath = folder.file("evaldb.sqlite")
        do {
            let store = try Store(path: dbPath)
            _ = try store.importFile(try folder.write("v1.jsonl", Sample.file(count: 5)), options: by())
        }
        let before = try fileDigest(dbPath)
        var lines = Sample.file(count: 8, changing: [2]).split(separator: "\n").map(String.init)
        lines[4] = #"{"id": "ex-0005", "input": NaN}"#
        lines[6] = Sample.line("ex-0001")
        let bad = try folder.write("v2.jsonl", lines.joined(separator: "\n") + "\n")
        do {
            let store = try Store(path: dbPath)
            let errors = try #require(dataErrors { _ = try store.importFile(bad, options: by()) })
            #expect(errors.map(\.line) == [5, 7])
            #expect(errors.allSatisfy { $0.file == bad })
            #expect(try store.versions().count == 1)
        }
        #expect(try fileDigest(dbPath) == before)
    }

    @Test("the database itself refuses UPDATE and DELETE on revisions and versions")
    func appendOnlyTriggers() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        _ = try store.importFile(try folder.write("v1.jsonl", Sample.file(count: 3)), options: by())
        for sql in [
            "UPDATE stored_revisions SET record = '{}'", "DELETE FROM stored_revisions", "UPDATE stored_versions SET hash = 'x'",
            "DELETE FROM stored_versions", "DELETE FROM stored_examples", "UPDATE stored_examples SET id = 'other'",
        ] {
            let error = #expect(throws: DatabaseError.self, "\(sql)") { try store.database.execute(sql) }
            let message = error?.message ?? ""
            #expect(["append-only", "kept forever", "immutable"].contains { message.contains($0) }, "\(sql): \(message)")
        }
        #expect(try store.database.scalarInt("SELECT count(*) FROM stored_revisions") == 3)
    }

    @Test("a reader does not wait on a writer: it reads the last committed version while an import is under way")
    func readerDoesNotWaitOnWriter() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        _ = try store.importFile(try folder.write("v1.jsonl", Sample.file(count: 3)), options: by())
        // A writer in the middle of a transaction, holding the write lock.
        try store.database.decidedWriteTransaction {
            try store.database.execute("INSERT INTO stored_examples(key, id, head, head_sha256) VALUES (99, 'pending', 1, NULL)")
            // A reader with no busy timeout at all: any wait would fail at once with SQLITE_BUSY.
            let reader = try Database(path: store.path, busyTimeoutMilliseconds: 0)
            #expect(try reader.scalarInt("SELECT count(*) FROM stored_versions") == 1)
            #expect(try reader.scalarInt("SELECT count(*) FROM stored_examples") == 3)
            return .rollBack(())
        }
    }

    @Test("two writers at once both succeed, one after the other: the second waits on the first's lock until it commits")
    func writersQueue() throws {
        let folder = try TemporaryFolder()
        let first = try folder.store()
        _ = try first.importFile(try folder.write("v1.jsonl", Sample.file(count: 3)), options: by())
        let path = first.path
        let v2 = try folder.write("v2.jsonl", Sample.file(count: 4))
        let outcome = Unchecked(ResultBox())
        let waiting = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        var finishedEarly = false
        try first.database.writeTransaction {
            // The first writer holds the write lock while the second starts its import.
            Thread {
                outcome.value.result = Result {
                    let second = try Store(path: path)
                    second.database.observeBusyWaits { waiting.signal() }
                    return try second.importFile(v2, options: by()).version.number
                }
                done.signal()
            }.start()
            #expect(waiting.wait(timeout: .now() + 60) == .success, "the second writer waits on the lock")
            finishedEarly = done.wait(timeout: .now()) == .success
            #expect(!finishedEarly, "and has not written while the first holds it")
        }
        if !finishedEarly { done.wait() }
        #expect(try outcome.value.result?.get() == 2)
    }

    @Test("a version whose line order names an example with no live revision is a damaged database, said as such, not as an SQLite error")
    func missingRevisionOfAVersionIsAStorageInvariant() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        _ = try store.importFile(try folder.write("v1.jsonl", Sample.file(count: 3)), options: by())
        let lines = Sample.file(count: 3).split(separator: "\n").map(String.init)
        let v2 = try store.importFile(try folder.write("v2.jsonl", ([lines[2], lines[0], lines[1]]).joined(separator: "\n") + "\n"), options: by())
        try store.database.execute("DROP TRIGGER versions_append_only_update")
        try store.database.prepare("UPDATE stored_versions SET line_order = ? WHERE number = 2").run([.blob(LineOrder.encode([3, 1, 99]))])
        let error = #expect(throws: EvalDBError.self) { _ = try exportBytes(store, v2.version) }
        guard case .storageInvariant(let message) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(message.contains("example key 99"), "\(message)")
    }

    @Test("an import that must remove an example whose head revision is gone stops on a damaged database, writing nothing")
    func missingHeadOfARemovalIsAStorageInvariant() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        _ = try store.importFile(try folder.write("v1.jsonl", Sample.file(count: 3)), options: by())
        try store.database.execute("DROP TRIGGER revisions_append_only_delete; PRAGMA foreign_keys = OFF")
        try store.database.execute("DELETE FROM stored_revisions WHERE example = (SELECT key FROM stored_examples WHERE id = 'ex-0002')")
        let lines = Sample.file(count: 3).split(separator: "\n").map(String.init)
        let error = #expect(throws: EvalDBError.self) {
            _ = try store.importFile(try folder.write("v2.jsonl", lines[0] + "\n" + lines[2] + "\n"), options: by())
        }
        guard case .storageInvariant(let message) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(message.contains("key 2"), "\(message)")
        #expect(try store.versions().count == 1)
        #expect(!store.database.isInTransaction)
    }

    @Test("verify finds a tampered revision")
    func verifyFindsTampering() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        _ = try store.importFile(try folder.write("v1.jsonl", Sample.file(count: 3)), options: by())
        try store.database.execute("DROP TRIGGER revisions_append_only_update")
        try store.database.execute(#"UPDATE stored_revisions SET record = replace(record, 'question', 'QUESTION') WHERE rev = 2"#)
        #expect(try !store.verify().isEmpty)
    }

    @Test("a database made by a newer evaldb is refused and left as it is")
    func newerDatabaseRefused() throws {
        let folder = try TemporaryFolder()
        let dbPath = folder.file("evaldb.sqlite")
        do {
            let store = try Store(path: dbPath)
            try store.database.execute("INSERT INTO schema_migrations(name) VALUES ('9999_from_the_future.sql')")
        }
        #expect {
            _ = try Store(path: dbPath)
        } throws: { error in
            guard case EvalDBError.newerDatabase(_, let migration) = error else { return false }
            return migration == "9999_from_the_future.sql"
        }
    }

    @Test("a database made with the first schema migrates forward and imports on")
    func oldSchemaMigratesForward() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("old.sqlite")
        let lines = [Sample.line("a"), Sample.line("b")]
        do {  // a database as the first released evaldb left it: migration 0001 only, one version
            let database = try Database(path: path)
            try Migrator(migrations: Array(embeddedMigrations.prefix(1))).migrate(database)
            let text = lines.map { $0 + "\n" }.joined()
            try database.execute(
                """
                INSERT INTO versions VALUES (1, 'sha256:\(sha256Hex(Array(text.utf8)))', '2026-04-16T00:00:00Z', 'ana', NULL,
                    'g.jsonl', NULL, NULL, NULL, 2, 2, 0, 0, 0, 0, NULL)
                """)
            for (index, line) in lines.enumerated() {
                try database.execute("INSERT INTO examples VALUES (\(index + 1), '\(index == 0 ? "a" : "b")', \(index + 1))")
                let insert = try database.prepare("INSERT INTO revisions VALUES (?, ?, 1, 'added', ?, ?)")
                try insert.run([.int(Int64(index + 1)), .int(Int64(index + 1)), .text(line), .blob(Array(sha256Bytes(line)))])
            }
        }
        let store = try Store(path: path)
        #expect(try store.verify() == [])
        let next = try store.importFile(try folder.write("v2.jsonl", lines[0] + "\n" + Sample.line("c") + "\n"), options: by())
        #expect(next.counts == ChangeCounts(added: 1, removed: 1, unchanged: 1))
        #expect(try store.verify() == [])
        // The unchanged example now has its head digest: the next import recognises it unread.
        #expect(try store.database.scalarInt("SELECT length(head_sha256) FROM stored_examples WHERE id = 'a'") == 32)
    }

    @Test("a database made by the first released evaldb (Fixtures/first-schema.sqlite) opens, migrates and works on")
    func firstReleaseDatabase() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("old.sqlite")
        try FileManager.default.copyItem(atPath: Fixtures.url("first-schema.sqlite").path, toPath: path)
        let store = try Store(path: path)
        #expect(try store.database.scalarInt("SELECT count(*) FROM schema_migrations") == Int64(embeddedMigrations.count))
        #expect(try store.verify() == [])
        let golden = Fixtures.folder.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("evals/data/v0/golden.jsonl")
        let v1 = try #require(try store.version(number: 1))
        #expect(v1.author == "ana")
        #expect(try exportBytes(store, v1) == Array(try Data(contentsOf: golden)))
        #expect(try store.importFile(golden.path, options: by()).outcome == .unchanged)
        var lines = try String(contentsOf: golden, encoding: .utf8).split(separator: "\n").map(String.init)
        lines.removeFirst()
        let next = try store.importFile(try folder.write("next.jsonl", lines.joined(separator: "\n") + "\n"), options: by())
        #expect(next.counts == ChangeCounts(removed: 1, unchanged: 41))
        #expect(try store.verify() == [])
    }

    @Test("versions resolve by number, by full hash and by unique hash prefix")
    func resolveVersions() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let v1 = try store.importFile(try folder.write("v1.jsonl", Sample.file(count: 3)), options: by()).version
        let v2 = try store.importFile(try folder.write("v2.jsonl", Sample.file(count: 4)), options: by()).version
        #expect(try store.resolveVersion("1") == v1)
        #expect(try store.resolveVersion(v2.hash) == v2)
        #expect(try store.resolveVersion(String(v2.hash.dropFirst(7).prefix(10))) == v2)
        #expect(throws: EvalDBError.self) { try store.resolveVersion("3") }
    }
}

private final class ResultBox: @unchecked Sendable {
    var result: Result<Int, any Error>?
}
