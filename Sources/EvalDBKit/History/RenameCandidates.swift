/// The removed and the added examples of a change, each with the SHA-256 of its content without
/// the id, kept to pair the suspected renames among them (`diff`, `import`): rows of two temporary
/// tables of the connection (SQLite's temporary file, its pages cached as any other), so memory
/// does not grow with the change. The tables are dropped when this is released, and with the
/// transaction or savepoint they were made in when it is rolled back.
///
/// For each content, the n-th removed example is paired with the n-th added one, in the order they
/// were met: what pairing each removed example with the first added one of its content not taken
/// yet gives.
final class RenameCandidates {
    private(set) var removedCount = 0
    private(set) var addedCount = 0

    private let database: Database
    /// The tables' names: `<table>_removed`, `<table>_added`.
    let table: String
    private let insertRemoved: Statement
    private let insertAdded: Statement

    init(database: Database) throws {
        self.database = database
        table = "evaldb_renames_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        // The temporary tables' own page cache: written once, read once, in order.
        try database.execute("PRAGMA temp.cache_size = -4096")
        for side in ["removed", "added"] {
            try database.execute("CREATE TEMP TABLE \(table)_\(side) (ordinal INTEGER PRIMARY KEY, id TEXT NOT NULL, content BLOB NOT NULL)")
        }
        insertRemoved = try database.prepare("INSERT INTO temp.\(table)_removed (id, content) VALUES (?, ?)")
        insertAdded = try database.prepare("INSERT INTO temp.\(table)_added (id, content) VALUES (?, ?)")
    }

    deinit {
        for side in ["removed", "added"] { try? database.execute("DROP TABLE IF EXISTS temp.\(table)_\(side)") }
    }

    /// A removed example, with the SHA-256 of its content without the id.
    func add(removed id: String, content: UnsafeRawBufferPointer) throws {
        try Self.insert(insertRemoved, id, content)
        removedCount += 1
    }

    /// An added example, with the SHA-256 of its content without the id.
    func add(added id: String, content: UnsafeRawBufferPointer) throws {
        try Self.insert(insertAdded, id, content)
        addedCount += 1
    }

    private static func insert(_ statement: Statement, _ id: String, _ content: UnsafeRawBufferPointer) throws {
        try statement.bind(.text(id), at: 1)
        try statement.bind(bytes: content, at: 2, asText: false)
        while try statement.step() {}
        statement.reset()
    }

    /// The removed ids, in the order they were added.
    func forEachRemoved(_ body: (String) throws -> Void) throws {
        try forEachRow("SELECT id FROM temp.\(table)_removed ORDER BY ordinal") { try body($0.text(0)) }
    }

    /// The added ids, in the order they were added.
    func forEachAdded(_ body: (String) throws -> Void) throws {
        try forEachRow("SELECT id FROM temp.\(table)_added ORDER BY ordinal") { try body($0.text(0)) }
    }

    /// The suspected renames, in the order of their removed examples.
    func forEachRename(_ body: (_ from: String, _ to: String) throws -> Void) throws {
        guard removedCount > 0 && addedCount > 0 else { return }
        try forEachRow(
            """
            WITH r AS (SELECT ordinal, id, content, row_number() OVER (PARTITION BY content ORDER BY ordinal) AS n FROM temp.\(table)_removed),
            a AS (SELECT id, content, row_number() OVER (PARTITION BY content ORDER BY ordinal) AS n FROM temp.\(table)_added)
            SELECT r.id, a.id FROM r JOIN a ON a.content = r.content AND a.n = r.n ORDER BY r.ordinal
            """
        ) { try body($0.text(0), $0.text(1)) }
    }

    private func forEachRow(_ sql: String, _ body: (Statement) throws -> Void) throws {
        let rows = try database.prepare(sql)
        while try rows.step() { try body(rows) }
    }
}
