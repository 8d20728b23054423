import Foundation
import Testing
@testable import EvalDBKit

@Suite("evaldb sql: read-only queries over the views")
struct QueryTests {
    static let root = Fixtures.folder.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A store holding the sample dataset.
    static func sampleStore(_ folder: TemporaryFolder) throws -> Store {
        let store = try folder.store()
        _ = try store.importFile(root.appendingPathComponent("evals/data/v0/golden.jsonl").path, options: by())
        return store
    }

    @Test("the views give the current examples, one row a label value, revisions and versions")
    func views() throws {
        let folder = try TemporaryFolder()
        let store = try Self.sampleStore(folder)
        let query = try ReadOnlyQuery(path: store.path)
        #expect(try query.run("SELECT count(*) FROM examples").rows == [[.integer(42)]])
        let first = try query.run("SELECT id, source, notes, input, labels ->> '$.feature' FROM examples WHERE id = 'booking-lookup-001'")
        #expect(first.rows == [[.text("booking-lookup-001"), .text("prod-trace:2026-04-15"),
                                .text("Trace #38219. Bot guessed party_size=2 and booked."),
                                .text("\"do you have anything for next friday after 7?\""), .text("booking-lookup")]])
        let tags = try query.run("SELECT value FROM labels WHERE id = 'booking-lookup-001' AND key = 'tags' ORDER BY value")
        #expect(tags.rows == [[.text("missing-required")], [.text("temporal-relative")]])
        #expect(try query.run("SELECT count(*) FROM revisions WHERE kind = 'added'").rows == [[.integer(42)]])
        #expect(try query.run("SELECT version, examples FROM versions").rows == [[.integer(1), .integer(42)]])
    }

    @Test("label counts match an independent count over the JSONL")
    func labelCountsMatchTheFile() throws {
        let folder = try TemporaryFolder()
        let store = try Self.sampleStore(folder)
        var expected: [String: Int] = [:]
        let records = try Fixtures.linesAsObjects(Data(contentsOf: Self.root.appendingPathComponent("evals/data/v0/golden.jsonl")))
        for record in records {
            for (key, value) in record["labels"] as! [String: Any] {
                for item in (value as? [Any]) ?? [value] { expected["\(key)=\(item)", default: 0] += 1 }
            }
        }
        let rows = try ReadOnlyQuery(path: store.path).run("SELECT key, value, count(*) FROM labels GROUP BY key, value").rows
        var actual: [String: Int] = [:]
        for row in rows {
            guard case .text(let key) = row[0], case .text(let value) = row[1], case .integer(let count) = row[2] else { continue }
            actual["\(key)=\(value)"] = Int(count)
        }
        #expect(actual == expected)
    }

    @Test("every hostile statement fails with a message and changes no file")
    func hostileStatements() throws {
        let folder = try TemporaryFolder()
        let store = try Self.sampleStore(folder)
        let before = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        let digest = try fileDigest(store.path)
        let query = try ReadOnlyQuery(path: store.path)
        for sql in ["INSERT INTO main.versions(number) VALUES (9)", "UPDATE main.examples SET id = 'x'", "DELETE FROM main.revisions",
                    "DROP TABLE main.examples", "CREATE TABLE t(x)", "ATTACH '\(folder.file("evil.db"))' AS evil",
                    "VACUUM INTO '\(folder.file("copy.db"))'", "VACUUM", "PRAGMA writable_schema = ON", "PRAGMA query_only = OFF",
                    "SELECT load_extension('/tmp/x')", "SELECT 1; DELETE FROM main.revisions", "BEGIN IMMEDIATE",
                    "REINDEX", "ANALYZE"] {
            #expect(throws: EvalDBError.self, "\(sql)") { try query.run(sql) }
        }
        #expect(try query.run("SELECT count(*) FROM examples").rows == [[.integer(42)]])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == before)
        #expect(try fileDigest(store.path) == digest)
    }

    @Test("every query in docs/sql.md runs on the sample dataset and returns rows")
    func documentedQueries() throws {
        let folder = try TemporaryFolder()
        let store = try Self.sampleStore(folder)
        let query = try ReadOnlyQuery(path: store.path)
        let doc = try String(contentsOf: Self.root.appendingPathComponent("docs/sql.md"), encoding: .utf8)
        let blocks = doc.components(separatedBy: "```sql\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        #expect(blocks.count >= 6)
        for sql in blocks {
            let result = try query.run(sql)
            #expect(!result.rows.isEmpty, "\(sql)")
        }
    }
}
