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
        #expect(
            first.rows == [
                [
                    .text("booking-lookup-001"), .text("prod-trace:2026-04-15"),
                    .text("Trace #38219. Bot guessed party_size=2 and booked."),
                    .text("\"do you have anything for next friday after 7?\""), .text("booking-lookup"),
                ]
            ])
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
        for sql in [
            "INSERT INTO main.versions(number) VALUES (9)", "UPDATE main.examples SET id = 'x'", "DELETE FROM main.revisions",
            "DROP TABLE main.examples", "CREATE TABLE t(x)", "ATTACH '\(folder.file("evil.db"))' AS evil",
            "VACUUM INTO '\(folder.file("copy.db"))'", "VACUUM", "PRAGMA writable_schema = ON", "PRAGMA query_only = OFF",
            "SELECT load_extension('/tmp/x')", "SELECT 1; DELETE FROM main.revisions", "BEGIN IMMEDIATE",
            "REINDEX", "ANALYZE", "UPDATE stored_examples SET id = 'x'", "DELETE FROM stored_revisions",
            "DROP VIEW examples", "CREATE VIEW v AS SELECT 1",
        ] {
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
            #expect(!result.rows.isEmpty || sql.contains("FROM results"), "\(sql)")  // no run recorded here
        }
    }

    @Test(
        "the views are in the database file: Python's sqlite3 runs every docs/sql.md query on it and gets what evaldb sql gets",
        .enabled(if: Python.path != nil, "python3 is not installed"))
    func viewsInTheFile() throws {
        let folder = try TemporaryFolder()
        let store = try Self.sampleStore(folder)
        let views = try store.database.prepare("SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name")
        var names: [String] = []
        while try views.step() { names.append(views.text(0)) }
        #expect(names == QueryViews.names.sorted())
        let doc = try String(contentsOf: Self.root.appendingPathComponent("docs/sql.md"), encoding: .utf8)
        let blocks = doc.components(separatedBy: "```sql\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        let queries = blocks + ["SELECT * FROM examples ORDER BY position", "SELECT * FROM revisions ORDER BY rev", "SELECT * FROM versions"]
        let script = """
            import json, sqlite3, sys
            db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
            def cell(v):
                if v is None: return "n"
                if isinstance(v, int): return "i:%d" % v
                if isinstance(v, float): return "r:%.9g" % v
                return "t:" + v
            for q in json.load(sys.stdin):
                cur = db.execute(q)
                print(json.dumps([[d[0] for d in cur.description]] + [[cell(v) for v in row] for row in cur]))
            """
        let queriesJSON = try JSONSerialization.data(withJSONObject: queries)
        let output = try Python.run(["-c", script, store.path], input: queriesJSON)
        let answers = String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(answers.count == queries.count)
        let query = try ReadOnlyQuery(path: store.path)
        for (sql, answer) in zip(queries, answers) {
            let result = try query.run(sql)
            let cells = result.rows.map { row in
                row.map { value -> String in
                    switch value {
                    case .null: "n"
                    case .integer(let number): "i:\(number)"
                    case .real(let number): "r:" + String(format: "%.9g", number)
                    case .text(let text): "t:" + text
                    case .blob: "blob"
                    }
                }
            }
            let ours = try JSONSerialization.data(withJSONObject: [result.columns] + cells)
            let theirs = try #require(try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [[String]])
            #expect(try JSONSerialization.jsonObject(with: ours) as? [[String]] == theirs, "\(sql)")
            #expect(theirs.count > 1 || sql.contains("FROM results"), "\(sql)")
        }
    }

    /// The sample dataset decoded by Foundation: the independent count.
    static func sampleRecords() throws -> [[String: Any]] {
        try Fixtures.linesAsObjects(Data(contentsOf: root.appendingPathComponent("evals/data/v0/golden.jsonl")))
    }

    static func label(_ record: [String: Any], _ key: String) -> [String] {
        guard let value = (record["labels"] as! [String: Any])[key] else { return [] }
        return ((value as? [Any]) ?? [value]).map { "\($0)" }
    }

    @Test("slice returns exactly the examples an independent filter finds, in line order")
    func sliceMatchesIndependentFilter() throws {
        let folder = try TemporaryFolder()
        let store = try Self.sampleStore(folder)
        let current = try #require(try store.currentVersion())
        let conditions = [try SliceCondition(parsing: "feature=refund-request"), SliceCondition(key: "tags", match: .equals("deposit"))]
        var ids: [String] = []
        try store.slice(current, where: conditions) { record in
            let object = try JSONSerialization.jsonObject(with: Data(Array(record))) as! [String: Any]
            ids.append(object["id"] as! String)
        }
        let expected = try Self.sampleRecords().filter {
            Self.label($0, "feature") == ["refund-request"] && Self.label($0, "tags").contains("deposit")
        }.map { $0["id"] as! String }
        #expect(ids == expected)
        #expect(!ids.isEmpty)
        var sourced: [String] = []
        try store.slice(current, where: [SliceCondition(key: "source", match: .prefix("prod-trace"))]) { _ in sourced.append("x") }
        #expect(sourced.count == (try Self.sampleRecords()).filter { ($0["source"] as! String).hasPrefix("prod-trace") }.count)
    }

    @Test("slice with a limit gives the first N matches, as without one, and reads no more records than it must")
    func sliceLimitStopsReading() throws {
        let folder = try TemporaryFolder()
        let store = try Self.sampleStore(folder)
        let current = try #require(try store.currentVersion())
        var lines: [[UInt8]] = []
        try store.forEachRecord(of: current) { lines.append(Array($0)) }
        let cases: [(conditions: [SliceCondition], indexed: Bool)] = [
            ([], false),  // every record, read in line order
            ([try SliceCondition(parsing: "feature=booking-lookup")], true),  // the index gives the matches: only they are read
            ([SliceCondition(key: "id", match: .prefix("refund-request"))], false),  // an unindexed field: each record read and matched
        ]
        for (conditions, indexed) in cases {
            var all: [[UInt8]] = []
            store.recordsRead = 0
            try store.slice(current, where: conditions) { all.append(Array($0)) }
            #expect(all.count > 3 && (conditions.isEmpty || all.count < lines.count), "\(conditions)")
            // The counter counts what is read: without a limit, every record (a scan) or every match (the index).
            #expect(store.recordsRead == (indexed ? all.count : lines.count), "\(conditions): read \(store.recordsRead)")
            for limit in [0, 1, 3] {
                var first: [[UInt8]] = []
                store.recordsRead = 0
                try store.slice(current, where: conditions, limit: limit) { first.append(Array($0)) }
                #expect(first == Array(all.prefix(limit)), "\(conditions) --limit \(limit)")
                // Read up to the limit-th match, and not one record past it: from the index, the
                // matches alone; in a scan, every line up to that match's.
                let lastMatch = limit == 0 ? 0 : indexed ? limit : try #require(lines.firstIndex(of: all[limit - 1])) + 1
                #expect(store.recordsRead == lastMatch, "\(conditions) --limit \(limit): read \(store.recordsRead), not \(lastMatch)")
            }
        }
    }

    @Test(
        "slice rows (table and csv) come from the parse that matched each record: every record read is parsed once, and the rows say what the record says"
    )
    func sliceRowsParseEachRecordOnce() throws {
        let folder = try TemporaryFolder()
        let store = try Self.sampleStore(folder)
        let current = try #require(try store.currentVersion())
        let cases: [[SliceCondition]] = [
            [],  // every record, each parsed to match it
            [try SliceCondition(parsing: "feature=booking-lookup")],  // the index matches: each match parsed for its row
            // The index, then the records.
            [try SliceCondition(parsing: "feature=booking-lookup"), SliceCondition(key: "id", match: .prefix("booking"))],
            [SliceCondition(key: "id", match: .prefix("refund-request"))],  // an unindexed field
        ]
        for conditions in cases {
            for limit in [nil, 1, 4] {
                var lines: [[UInt8]] = []
                try store.slice(current, where: conditions, limit: limit) { lines.append(Array($0)) }
                var rows: [SliceRow] = []
                store.recordsRead = 0
                store.recordsParsed = 0
                try store.sliceRows(current, where: conditions, limit: limit) { rows.append($0) }
                #expect(rows.count == lines.count && !rows.isEmpty, "\(conditions) --limit \(String(describing: limit))")
                #expect(store.recordsParsed == store.recordsRead, "\(conditions): parsed \(store.recordsParsed), read \(store.recordsRead)")
                for (row, line) in zip(rows, lines) {
                    // What the record says, read by Foundation and by RecordFields.
                    let object = try JSONSerialization.jsonObject(with: Data(line)) as! [String: Any]
                    let recordLabels = RecordFields(record: String(decoding: line, as: UTF8.self)).values.filter { $0.path.hasPrefix("labels.") }
                        .map { (key: String($0.path.dropFirst("labels.".count)), value: $0.value) }
                    #expect(row.id == object["id"] as? String)
                    #expect(row.source == object["source"] as? String)
                    #expect(row.labels.map(\.key) == recordLabels.map(\.key))
                    #expect(row.labels.map(\.value.canonical) == recordLabels.map(\.value))
                    for label in row.labels {
                        let value = (object["labels"] as! [String: Any])[label.key]
                        if let text = value as? String { #expect(label.value.plain == text) }
                        if let texts = value as? [String] { #expect(label.value.plain == texts.joined(separator: " ")) }
                    }
                }
            }
        }
    }

    @Test("a slice over an up-to-date index finds its examples without decoding the index, as matching each record does, with a limit or without")
    func sliceFromStoredIndex() throws {
        let folder = try TemporaryFolder()
        let store = try Self.sampleStore(folder)
        let current = try #require(try store.currentVersion())
        let cases = [
            ["feature=booking-lookup"], ["feature=booking-lookup", "persona=first-time-visitor"],
            ["tags=temporal-relative"], ["tags=temporal-relative", "feature=booking-lookup"], ["feature=no-such-value"],
        ]
        // What each record says, read one by one.
        var all: [[[UInt8]]] = []
        for texts in cases {
            let conditions = try texts.map(SliceCondition.init(parsing:))
            var matches: [[UInt8]] = []
            try store.forEachRecord(of: current) { record in
                let values = SliceValues(record: record)
                if conditions.allSatisfy({ $0.matches(values[$0.key] ?? []) }) { matches.append(Array(record)) }
            }
            all.append(matches)
        }
        #expect(all[1].count > 1 && all[1].count < all[0].count && all[3].count > 0 && all[4].isEmpty)
        try store.slice(current, where: [SliceCondition(parsing: "feature=booking-lookup")]) { _ in }  // builds and saves the index
        for (texts, matches) in zip(cases, all) {
            let conditions = try texts.map(SliceCondition.init(parsing:))
            let every = try #require(try store.database.readTransaction { try store.firstIndexedKeys(current, where: conditions, limit: .max) })
            #expect(every.count == matches.count, "\(texts)")
            #expect(try store.sliceKeys(current, where: conditions) == every, "\(texts)")
            var sliced: [[UInt8]] = []
            store.recordsRead = 0
            try store.slice(current, where: conditions) { sliced.append(Array($0)) }
            #expect(sliced == matches, "\(texts)")
            #expect(store.recordsRead == matches.count)
            for limit in [1, 2, 5, 1000] {
                let keys = try #require(try store.database.readTransaction { try store.firstIndexedKeys(current, where: conditions, limit: limit) })
                #expect(keys.count == min(limit, matches.count), "\(texts) --limit \(limit)")
                var first: [[UInt8]] = []
                store.recordsRead = 0
                try store.slice(current, where: conditions, limit: limit) { first.append(Array($0)) }
                #expect(first == Array(matches.prefix(limit)), "\(texts) --limit \(limit)")
                #expect(store.recordsRead == first.count)
            }
        }
        // A key no example has: left to the general path, which names the keys there are.
        let unknown = [try SliceCondition(parsing: "no-such-key=x")]
        #expect(try store.database.readTransaction { try store.firstIndexedKeys(current, where: unknown, limit: 1) } == nil)
        #expect(throws: EvalDBError.self) { try store.slice(current, where: unknown, limit: 1) { _ in } }
    }

    @Test("a slice after an import brings the index up to date and reads it as made, not decoded, in `reading` (saved after) and out of it")
    func sliceReadsTheIndexAsMade() throws {
        let folder = try TemporaryFolder()
        let store = try Self.sampleStore(folder)
        let conditions = [try SliceCondition(parsing: "feature=booking-lookup")]
        try store.slice(try #require(try store.currentVersion()), where: conditions) { _ in }  // builds the index of version 1
        // Version 2: one example's feature changed, one removed, one added.
        var lines = try String(contentsOf: Self.root.appendingPathComponent("evals/data/v0/golden.jsonl"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let changed = try #require(lines.firstIndex { $0.contains("\"feature\": \"refund-request\"") })
        lines[changed] = lines[changed].replacingOccurrences(of: "\"feature\": \"refund-request\"", with: "\"feature\": \"booking-lookup\"")
        let removed = try #require(lines.firstIndex { $0.contains("\"feature\": \"booking-lookup\"") })
        lines.remove(at: removed)
        let file = folder.file("next.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try store.importFile(file, options: by()).outcome == .created)
        let current = try #require(try store.currentVersion())
        var expected: [[UInt8]] = []
        try store.forEachRecord(of: current) { record in
            if conditions.allSatisfy({ $0.matches(SliceValues(record: record)[$0.key] ?? []) }) { expected.append(Array(record)) }
        }
        #expect(expected.count > 2)
        for inReading in [true, false] {
            if !inReading {  // behind again: the saved index made stale by another version
                let before = try #require(try store.currentVersion())
                _ = try store.importFile(Self.root.appendingPathComponent("evals/data/v0/golden.jsonl").path, options: by())
                expected = []
                let latest = try #require(try store.currentVersion())
                #expect(latest.row > before.row)
                try store.forEachRecord(of: latest) { record in
                    if conditions.allSatisfy({ $0.matches(SliceValues(record: record)[$0.key] ?? []) }) { expected.append(Array(record)) }
                }
            }
            store.sliceIndexDecodes = 0
            var sliced: [[UInt8]] = []
            let read = {
                let version = try #require(try store.currentVersion())
                try store.slice(version, where: conditions) { sliced.append(Array($0)) }
                if inReading { #expect(store.sliceIndexToSave?.version == version.row, "made and waiting to be saved") }
            }
            if inReading { try store.reading(read) } else { try read() }
            #expect(sliced == expected, "in reading: \(inReading)")
            #expect(store.sliceIndexDecodes == 0, "the index read as made, in reading: \(inReading)")
            #expect(
                try store.database.scalarInt("SELECT version FROM slice_index_state WHERE id = 1").map(Int.init) == store.currentVersion()?.row,
                "saved")
        }
    }

    @Test("a cursor finds a value's postings in a stored row, past long runs of others, and reads them as stored")
    func postingsCursor() throws {
        var key = KeyPostings()
        var next: UInt32 = 0
        for (n, value) in ["a", "bb", "ccc", "d"].enumerated() {
            key.values.append(value)
            // Gaps of one to three bytes as varints, runs of 0 to 10,001 postings.
            key.postings.append(
                (0..<[10_001, 0, 3, 777][n]).map { i in
                    next &+= [1, 300, 70_000][(i * 7 + n) % 3]
                    return next
                })
        }
        let row = SliceIndexCoding.encode(key)
        try row.withUnsafeBytes { bytes in
            for (value, postings) in zip(key.values, key.postings) {
                var cursor = try #require(try PostingsCursor(row: bytes, value: value))
                var read: [UInt32] = []
                while let posting = try cursor.next() { read.append(posting) }
                #expect(read == postings, "\(value)")
            }
            #expect(try PostingsCursor(row: bytes, value: "e") == nil)
        }
    }

    @Test("counts by keys from an up-to-date stored index, without decoding it, are those of the decoded index")
    func countsFromStoredIndex() throws {
        func flat(_ counts: SliceCounts) -> [String] { counts.counts.map { "\($0.values.map { $0 ?? "-" }) \($0.count)" } }
        for keys in [["feature"], ["feature", "tags"], ["persona", "feature", "scenario"]] {
            let folder = try TemporaryFolder()
            let store = try Self.sampleStore(folder)
            let current = try #require(try store.currentVersion())
            #expect(try store.database.readTransaction { try store.sliceCountsFromStoredIndex(current, where: [], countBy: keys) } == nil)
            let decoded = try store.sliceCounts(current, where: [], countBy: keys)  // builds and saves the index, counts from it decoded
            let stored = try #require(try store.database.readTransaction { try store.sliceCountsFromStoredIndex(current, where: [], countBy: keys) })
            #expect(flat(stored) == flat(decoded), "\(keys)")
            #expect(flat(try store.sliceCounts(current, where: [], countBy: keys)) == flat(decoded))
            #expect(try store.database.readTransaction { try store.sliceCountsFromStoredIndex(current, where: [], countBy: ["no-such-key"]) } == nil)
            #expect(throws: EvalDBError.self) { try store.sliceCounts(current, where: [], countBy: ["no-such-key"]) }
        }
    }

    @Test("counts per combination match an independent count, a tag counted under each of its values")
    func countsMatchIndependentCount() throws {
        let folder = try TemporaryFolder()
        let store = try Self.sampleStore(folder)
        let current = try #require(try store.currentVersion())
        let counts = try store.sliceCounts(current, where: [], countBy: ["feature", "tags"])
        var expected: [String: Int] = [:]
        for record in try Self.sampleRecords() {
            for tag in Set(Self.label(record, "tags")) { expected["\(Self.label(record, "feature")[0])|\(tag)", default: 0] += 1 }
        }
        var actual: [String: Int] = [:]
        for (values, count) in counts.counts { actual["\(values[0]!)|\(values[1]!)"] = count }
        #expect(actual == expected)
    }

    @Test("a condition on a key no example has is an error that lists the keys that exist")
    func unknownKey() throws {
        let folder = try TemporaryFolder()
        let store = try Self.sampleStore(folder)
        let current = try #require(try store.currentVersion())
        #expect {
            try store.slice(current, where: [try SliceCondition(parsing: "featur=x")]) { _ in }
        } throws: { error in
            "\(error)".contains("featur") && "\(error)".contains("feature, id")
        }
    }

    @Test("coverage fills the grid, lists the empty cells and finds a planted typo with its id")
    func coverageFindsTypo() throws {
        let folder = try TemporaryFolder()
        var lines = try String(contentsOf: Self.root.appendingPathComponent("evals/data/v0/golden.jsonl"), encoding: .utf8)
        lines = lines.replacingOccurrences(
            of:
                #""id": "booking-lookup-002", "input": "Table for 4 at the Harbour Street restaurant this Saturday at 19:30, please.", "labels": {"feature": "booking-lookup""#,
            with:
                #""id": "booking-lookup-002", "input": "Table for 4 at the Harbour Street restaurant this Saturday at 19:30, please.", "labels": {"feature": "booking_lookup""#
        )
        #expect(lines.contains("booking_lookup"))
        let store = try folder.store()
        _ = try store.importFile(try folder.write("golden.jsonl", lines), options: by())
        let coverage = try store.coverage(
            try #require(try store.currentVersion()),
            axes: try Axes(path: Self.root.appendingPathComponent("evals/axes.json").path))
        #expect(coverage.cells.count == 96)
        #expect(coverage.cells.map(\.count).reduce(0, +) == 41)  // the typo'd example fills no cell
        #expect(coverage.emptyCells.count == coverage.cells.filter { $0.count == 0 }.count && !coverage.emptyCells.isEmpty)
        #expect(coverage.stray.map { "\($0.key)=\($0.value): \($0.ids)" } == ["feature=booking_lookup: [\"booking-lookup-002\"]"])
    }
}
