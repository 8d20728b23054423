/// The storage model's reads, written once (docs/storage.md), so that a change of the model is
/// one edit:
///
/// - an example's head revision is `stored_examples.head` (`headJoin`);
/// - the example at version V is its latest revision at or before V, a `removed` revision being a
///   tombstone (`recordAtVersion`);
/// - a version's line order is its live examples in ascending key order, unless
///   `stored_versions.line_order` records another (`storedLineOrder`).
///
/// The tables are named `stored_*`; the documented names (`examples`, `revisions`, `versions`,
/// `runs`, `results`, `labels`) are the SQL views of migration 0009, the contract every SQL
/// client sees (docs/sql.md).
enum StorageModel {
    /// A FROM clause: each example `e` with its head revision `r`.
    static let headJoin = "stored_examples e JOIN stored_revisions r ON r.rev = e.head"

    /// Binds (example key, version number); one row: the record (NULL when removed) and its
    /// SHA-256 at that version; no row: the example did not exist yet.
    static let recordAtVersion = """
        SELECT record, sha256 FROM stored_revisions WHERE example = ? AND version <= ? ORDER BY version DESC, rev DESC LIMIT 1
        """

    /// The head record of the example with key ?1 (NULL when removed), its id, and its head revision.
    static let headByKey = "SELECT r.record, e.id, e.head FROM \(headJoin) WHERE e.key = ?"

    /// The key, head revision and head record (NULL when removed) of the example with id ?1.
    static let headById = "SELECT e.key, e.head, r.record FROM \(headJoin) WHERE e.id = ?"
}

/// Whether an example is the same in two versions (its record's SHA-256 at each, by
/// `StorageModel.recordAtVersion`), with one prepared statement for many examples: `compare` and
/// `judge calibrate` pair results only on examples that did not change between their versions.
struct RecordComparer {
    private let statement: Statement

    init(_ database: Database) throws { statement = try database.prepare(StorageModel.recordAtVersion) }

    /// The SHA-256 of example `key`'s record at `version`; nil when it is removed or not there yet.
    func digest(_ key: Int64, at version: Int) throws -> [UInt8]? {
        try statement.bind([.int(key), .int(Int64(version))])
        defer { statement.reset() }
        return try statement.step() && !statement.isNull(1) ? statement.blob(1) : nil
    }

    func isSame(_ key: Int64, at first: Int, and second: Int) throws -> Bool {
        try first == second || digest(key, at: first) == digest(key, at: second)
    }
}

extension Store {
    /// The keys of `version`'s examples in line order when they are not in ascending key order;
    /// nil when they are (the usual case).
    func storedLineOrder(of version: Int) throws -> [Int64]? {
        let row = try database.prepare("SELECT line_order FROM stored_versions WHERE number = ?")
        try row.bind([.int(Int64(version))])
        guard try row.step() else { throw EvalDBError.noSuchVersion(String(version)) }
        return row.isNull(0) ? nil : LineOrder.decode(row.bytes(0))
    }
}
