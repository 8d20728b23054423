/// The storage model's reads, written once (docs/storage.md), so that a change of the model is
/// one edit:
///
/// - an example's head revision is `stored_examples.head` (`headJoin`);
/// - the example at version V is its latest revision at or before V, a `removed` revision being a
///   tombstone (`recordAtVersion`);
/// - a version's line order is its live examples in ascending key order, unless
///   `stored_versions.line_order` records another (`storedLineOrder`);
/// - a whole version is read record by record in that order (`Store.forEachRecord`: export,
///   verify, and every slice, diff or count the slice index cannot answer);
/// - two revisions hold the same graded content when their input, context and expected_output
///   are equal (`sameGradedContent`, `GradedContent`).
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

    /// SQL: the revisions `a` and `b` (aliases of `stored_revisions`) are both live and hold the
    /// same graded content (`GradedContent`: input, context, expected_output). Records are
    /// canonical, so the same record SHA-256 means the same record, and otherwise each member's
    /// JSON (`->`, a function of its canonical text) is compared. For queries over a few rows (read
    /// marks); a scan of many examples compares in Swift (`RecordComparer`).
    static func sameGradedContent(_ a: String, _ b: String) -> String {
        let members = GradedContent.fields.map { "\(a).record -> '$.\($0)' IS \(b).record -> '$.\($0)'" }
        return "(\(a).record IS NOT NULL AND \(b).record IS NOT NULL AND (\(a).sha256 = \(b).sha256 OR (\(members.joined(separator: " AND ")))))"
    }
}

/// Whether an example has the same graded content (`GradedContent`: input, context,
/// expected_output) in two versions, by `StorageModel.recordAtVersion`, with a prepared statement
/// for each side for many examples: `compare` and `judge calibrate` pair results, and `report`
/// calls a run fresh, only on examples whose graded content did not change between the versions. A
/// change of labels, tags, notes, source, author or created_at keeps them.
struct RecordComparer {
    private let first: Statement
    private let second: Statement

    init(_ database: Database) throws {
        first = try database.prepare(StorageModel.recordAtVersion)
        second = try database.prepare(StorageModel.recordAtVersion)
    }

    /// Example `key` has the same graded content at both versions (or is absent from both): one
    /// lookup a side, the records compared where they are (their digests first, then their graded
    /// members), nothing copied.
    func hasSameGradedContent(_ key: Int64, at a: Int, and b: Int) throws -> Bool {
        guard a != b else { return true }
        try first.bind([.int(key), .int(Int64(a))])
        try second.bind([.int(key), .int(Int64(b))])
        defer {
            first.reset()
            second.reset()
        }
        let hasFirst = try first.step() && !first.isNull(0), hasSecond = try second.step() && !second.isNull(0)
        guard hasFirst && hasSecond else { return hasFirst == hasSecond }
        if GradedContent.same(first.bytes(1).bindMemory(to: UInt8.self), second.bytes(1).bindMemory(to: UInt8.self)) { return true }
        return !GradedContent.differs(first.bytes(0).bindMemory(to: UInt8.self), second.bytes(0).bindMemory(to: UInt8.self))
    }
}

extension Store {
    /// Calls `body` with each record of `version`, in its line order, as its canonical line without
    /// newline (valid only during the call): the storage model's read of a whole version. The
    /// current version reads each example's head; an older one, each example's last revision at or
    /// before it, in one pass over the revisions in key order.
    func forEachRecord(of version: DatasetVersion, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        try database.readTransaction {
            if let keys = try storedLineOrder(of: version.row) {
                let lookup = try database.prepare(StorageModel.recordAtVersion)
                for key in keys {
                    try lookup.bind([.int(key), .int(Int64(version.row))])
                    recordsRead += 1
                    guard try lookup.step(), !lookup.isNull(0) else {
                        throw EvalDBError.storageInvariant(
                            "version \(version.number) lists example key \(key), which has no live revision at that version")
                    }
                    try body(lookup.bytes(0).bindMemory(to: UInt8.self))
                    lookup.reset()
                }
            } else if try currentVersion()?.row == version.row {
                let rows = try database.prepare("SELECT r.record FROM \(StorageModel.headJoin) WHERE r.kind != 'removed' ORDER BY e.key")
                while try rows.step() {
                    recordsRead += 1
                    try body(rows.bytes(0).bindMemory(to: UInt8.self))
                }
            } else {
                let rows = try database.prepare("SELECT example, record FROM stored_revisions WHERE version <= ? ORDER BY example, version, rev")
                try rows.bind([.int(Int64(version.row))])
                var pending: [UInt8]? = nil
                var pendingKey: Int64 = -1
                while try rows.step() {
                    recordsRead += 1  // a revision
                    let key = rows.int(0)
                    if key != pendingKey, let record = pending { try record.withUnsafeBufferPointer(body) }
                    pendingKey = key
                    pending = rows.isNull(1) ? nil : Array(rows.bytes(1))
                }
                if let record = pending { try record.withUnsafeBufferPointer(body) }
            }
        }
    }

    /// The keys of `version`'s examples in line order when they are not in ascending key order;
    /// nil when they are (the usual case).
    func storedLineOrder(of version: Int) throws -> [Int64]? {
        let row = try database.cachedStatement("SELECT line_order FROM stored_versions WHERE number = ?")
        try row.bind([.int(Int64(version))])
        guard try row.step() else { throw EvalDBError.noSuchVersion(String(version)) }
        return row.isNull(0) ? nil : LineOrder.decode(row.bytes(0))
    }
}
