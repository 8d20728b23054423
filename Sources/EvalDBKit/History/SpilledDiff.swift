/// The diff of two versions with its sections on disk: its added and removed examples are
/// `RenameCandidates` (rows of temporary tables, renames paired in SQL), its changed ones rows of a
/// temporary table of their own, written as the examples are met and read back section by section,
/// so memory does not grow with the change. The tables are dropped when the diff is released.
public final class SpilledDiff: DiffListing {
    public let from: String
    public let to: String
    public var addedCount: Int { candidates.addedCount }
    public var removedCount: Int { candidates.removedCount }
    public private(set) var changedCount = 0
    public internal(set) var unchanged = 0
    public internal(set) var reordered = false

    private let database: Database
    private let candidates: RenameCandidates
    private let insertChanged: Statement

    init(database: Database, from: String, to: String) throws {
        self.database = database
        self.from = from
        self.to = to
        candidates = try RenameCandidates(database: database)
        try database.execute("CREATE TEMP TABLE \(candidates.table)_changed (ordinal INTEGER PRIMARY KEY, id TEXT NOT NULL, changes BLOB)")
        insertChanged = try database.prepare("INSERT INTO temp.\(candidates.table)_changed (id, changes) VALUES (?, ?)")
    }

    deinit {
        try? database.execute("DROP TABLE IF EXISTS temp.\(candidates.table)_changed")
    }

    /// An added example, with the SHA-256 of its content without the id (`Store.contentKey`).
    func add(added id: String, content: [UInt8]) throws {
        try content.withUnsafeBytes { try candidates.add(added: id, content: $0) }
    }

    /// A removed example, with the SHA-256 of its content without the id (`Store.contentKey`).
    func add(removed id: String, content: [UInt8]) throws {
        try content.withUnsafeBytes { try candidates.add(removed: id, content: $0) }
    }

    func add(changed: DatasetDiff.Changed) throws {
        try insertChanged.run([.text(changed.id), .blob(FieldChangeCoding.encode(changed.changes))])
        changedCount += 1
    }

    // Each section is read once, with a small page cache (and a small sort before it goes to disk).

    public func forEachAdded(_ body: (String) throws -> Void) throws { try database.scanning { try candidates.forEachAdded(body) } }

    public func forEachRemoved(_ body: (String) throws -> Void) throws { try database.scanning { try candidates.forEachRemoved(body) } }

    public func forEachChanged(_ body: (DatasetDiff.Changed) throws -> Void) throws {
        try database.scanning {
            let rows = try database.prepare("SELECT id, changes FROM temp.\(candidates.table)_changed ORDER BY ordinal")
            while try rows.step() { try body(DatasetDiff.Changed(id: rows.text(0), changes: try FieldChangeCoding.decode(rows.bytes(1)))) }
        }
    }

    public func forEachRename(_ body: (DatasetDiff.Rename) throws -> Void) throws {
        try database.scanning { try candidates.forEachRename { try body(DatasetDiff.Rename(from: $0, to: $1)) } }
    }
}
