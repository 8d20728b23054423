/// The diff of two versions with its sections on disk: each added, removed and changed example is
/// a row of a temporary table of the connection (SQLite's temporary file, its pages cached as any
/// other), written as the examples are met and read back section by section, so memory does not
/// grow with the change. The tables are dropped when the diff is released.
///
/// Suspected renames pair, for each content (the SHA-256 of the record without its id), the n-th
/// removed example with the n-th added one, in the order they were met: what pairing each removed
/// example with the first added one of its content not taken yet gives.
public final class SpilledDiff: DiffListing {
    public let from: String
    public let to: String
    public private(set) var addedCount = 0
    public private(set) var removedCount = 0
    public private(set) var changedCount = 0
    public internal(set) var unchanged = 0
    public internal(set) var reordered = false

    private let database: Database
    /// The temporary tables' names: `<table>_added`, `_removed`, `_changed`.
    private let table: String
    private let insertAdded: Statement
    private let insertRemoved: Statement
    private let insertChanged: Statement

    init(database: Database, from: String, to: String) throws {
        self.database = database
        self.from = from
        self.to = to
        table = "evaldb_diff_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        for section in ["added", "removed"] {
            try database.execute("CREATE TEMP TABLE \(table)_\(section) (ordinal INTEGER PRIMARY KEY, id TEXT NOT NULL, content BLOB NOT NULL)")
        }
        try database.execute("CREATE TEMP TABLE \(table)_changed (ordinal INTEGER PRIMARY KEY, id TEXT NOT NULL, changes BLOB)")
        insertAdded = try database.prepare("INSERT INTO temp.\(table)_added (id, content) VALUES (?, ?)")
        insertRemoved = try database.prepare("INSERT INTO temp.\(table)_removed (id, content) VALUES (?, ?)")
        insertChanged = try database.prepare("INSERT INTO temp.\(table)_changed (id, changes) VALUES (?, ?)")
    }

    deinit {
        for section in ["added", "removed", "changed"] { try? database.execute("DROP TABLE IF EXISTS temp.\(table)_\(section)") }
    }

    /// An added example, with its content without the id (`Store.contentKey`).
    func add(added id: String, content: [UInt8]) throws {
        try insertAdded.run([.text(id), .blob(content)])
        addedCount += 1
    }

    /// A removed example, with its content without the id (`Store.contentKey`).
    func add(removed id: String, content: [UInt8]) throws {
        try insertRemoved.run([.text(id), .blob(content)])
        removedCount += 1
    }

    func add(changed: DatasetDiff.Changed) throws {
        try insertChanged.run([.text(changed.id), .blob(FieldChangeCoding.encode(changed.changes))])
        changedCount += 1
    }

    public func forEachAdded(_ body: (String) throws -> Void) throws {
        try forEachRow("SELECT id FROM temp.\(table)_added ORDER BY ordinal") { try body($0.text(0)) }
    }

    public func forEachRemoved(_ body: (String) throws -> Void) throws {
        try forEachRow("SELECT id FROM temp.\(table)_removed ORDER BY ordinal") { try body($0.text(0)) }
    }

    public func forEachChanged(_ body: (DatasetDiff.Changed) throws -> Void) throws {
        try forEachRow("SELECT id, changes FROM temp.\(table)_changed ORDER BY ordinal") { row in
            try body(DatasetDiff.Changed(id: row.text(0), changes: try FieldChangeCoding.decode(row.bytes(1))))
        }
    }

    public func forEachRename(_ body: (DatasetDiff.Rename) throws -> Void) throws {
        try forEachRow(
            """
            WITH r AS (SELECT ordinal, id, content, row_number() OVER (PARTITION BY content ORDER BY ordinal) AS n FROM temp.\(table)_removed),
            a AS (SELECT id, content, row_number() OVER (PARTITION BY content ORDER BY ordinal) AS n FROM temp.\(table)_added)
            SELECT r.id, a.id FROM r JOIN a ON a.content = r.content AND a.n = r.n ORDER BY r.ordinal
            """
        ) { try body(DatasetDiff.Rename(from: $0.text(0), to: $0.text(1))) }
    }

    private func forEachRow(_ sql: String, _ body: (Statement) throws -> Void) throws {
        let rows = try database.prepare(sql)
        while try rows.step() { try body(rows) }
    }
}
