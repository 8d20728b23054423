/// The writes of one import, inside its transaction: new examples, revisions, head pointers and
/// head digests, and the version row. Keeps the statements prepared and the next key and
/// revision number.
final class RevisionWriter {
    /// An example as `examples` describes its head, without reading the head's record.
    struct Head {
        var key: Int64
        var isRemoved: Bool
        /// The head record's SHA-256 (read from its revision when `examples` has none for it).
        var digest: RecordDigest?
        /// `examples` has no digest for the live head: it is re-read on every import.
        var isUnrecognizable = false
    }

    let version: Int64
    private(set) var nextKey: Int64
    /// The first key this import gives a new example.
    let firstNewKey: Int64
    private(set) var nextRev: Int64
    private let database: Database
    private let lookup: Statement
    private let revisionDigest: Statement
    private let lastLive: Statement
    private let insertExample: Statement
    private let setHead: Statement
    private let setHeadDigest: Statement
    private let insertRevision: Statement

    init(database: Database, version: Int64) throws {
        self.database = database
        self.version = version
        nextKey = (try database.scalarInt("SELECT max(key) FROM stored_examples") ?? 0) + 1
        firstNewKey = nextKey
        nextRev = (try database.scalarInt("SELECT max(rev) FROM stored_revisions") ?? 0) + 1
        lookup = try database.prepare("SELECT key, head_sha256, head FROM stored_examples WHERE id = ?")
        revisionDigest = try database.prepare("SELECT sha256 FROM stored_revisions WHERE rev = ?")
        lastLive = try database.prepare(
            """
            SELECT sha256 FROM stored_revisions WHERE example = ? AND kind != 'removed' ORDER BY version DESC, rev DESC LIMIT 1
            """)
        insertExample = try database.prepare("INSERT INTO stored_examples(key, id, head, head_sha256) VALUES (?, ?, ?, ?)")
        setHead = try database.prepare("UPDATE stored_examples SET head = ?, head_sha256 = ? WHERE key = ?")
        setHeadDigest = try database.prepare("UPDATE stored_examples SET head_sha256 = ? WHERE key = ?")
        insertRevision = try database.prepare(
            "INSERT INTO stored_revisions(rev, example, version, kind, record, sha256) VALUES (?, ?, ?, ?, ?, ?)")
    }

    /// The example with this id, if the database has one. Its head's kind and digest come from
    /// `examples` alone (no read of the old record's page) unless the head is a record that must be
    /// re-read every time (an empty head_sha256).
    func head(of id: UnsafeBufferPointer<UInt8>) throws -> Head? {
        try lookup.bind(bytes: UnsafeRawBufferPointer(id), at: 1, asText: true)
        defer { lookup.reset() }
        guard try lookup.step() else { return nil }
        var head = Head(key: lookup.int(0), isRemoved: lookup.isNull(1), digest: nil)
        if !head.isRemoved && lookup.bytes(1).isEmpty {
            head.isUnrecognizable = true
            try revisionDigest.bind([.int(lookup.int(2))])
            if try revisionDigest.step() { head.digest = RecordDigest(stored: revisionDigest.bytes(0)) }
            revisionDigest.reset()
        } else if !head.isRemoved {
            head.digest = RecordDigest(stored: lookup.bytes(1))
        }
        return head
    }

    /// The digest of a removed example's last live record.
    func lastLiveDigest(of key: Int64) throws -> RecordDigest? {
        try lastLive.bind([.int(key)])
        defer { lastLive.reset() }
        return try lastLive.step() ? RecordDigest(stored: lastLive.bytes(0)) : nil
    }

    /// The version that removed the example.
    func removedIn(_ key: Int64) throws -> Int64 {
        try database.scalarInt(
            "SELECT version FROM stored_revisions WHERE example = ? AND kind = 'removed' ORDER BY rev DESC LIMIT 1", [.int(key)]) ?? 0
    }

    func id(of key: Int64) throws -> String {
        try database.scalarText("SELECT id FROM stored_examples WHERE key = ?", [.int(key)]) ?? "?"
    }

    /// A new example with its first revision; nil when the id exists already (the UNIQUE index).
    func addExample(_ record: CheckedRecord) throws -> Int64? {
        let key = nextKey
        try insertExample.bind(key, at: 1)
        try insertExample.bind(bytes: UnsafeRawBufferPointer(record.id), at: 2, asText: true)
        try insertExample.bind(nextRev, at: 3)
        try bindHeadDigest(insertExample, record, at: 4)
        do {
            try insertExample.stepToEnd()
        } catch let error as DatabaseError where error.isUniqueViolation /* id is UNIQUE */ {
            return nil
        }
        nextKey += 1
        try writeRevision(key, .added, record)
        return key
    }

    /// A revision of an existing example, which becomes its head.
    func revise(_ key: Int64, _ kind: RevisionKind, _ record: CheckedRecord) throws {
        try writeRevision(key, kind, record)
        try moveHead(key, record)
    }

    /// A tombstone for the example.
    func remove(_ key: Int64) throws {
        try insertRevision.run([.int(nextRev), .int(key), .int(version), .text(RevisionKind.removed.rawValue), .null, .null])
        nextRev += 1
        try moveHead(key, nil)
    }

    /// Gives an unchanged example imported before heads had digests its digest, when it may be
    /// recognised from now on.
    func recordHeadDigest(_ key: Int64, _ record: CheckedRecord) throws {
        guard Self.recognizable(record) else { return }
        try bindHeadDigest(setHeadDigest, record, at: 1)
        try setHeadDigest.bind(key, at: 2)
        try setHeadDigest.stepToEnd()
    }

    /// Whether a later import may recognise this record by its digest alone.
    static func recognizable(_ record: CheckedRecord) -> Bool {
        !record.hasWarnings && !record.id.contains { $0 >= 0x80 }
    }

    private func writeRevision(_ key: Int64, _ kind: RevisionKind, _ record: CheckedRecord) throws {
        try insertRevision.bind(nextRev, at: 1)
        try insertRevision.bind(key, at: 2)
        try insertRevision.bind(version, at: 3)
        try insertRevision.bind(.text(kind.rawValue), at: 4)
        try insertRevision.bind(bytes: UnsafeRawBufferPointer(record.canonical), at: 5, asText: true)
        try record.digest!.withBytes { try insertRevision.bind(bytes: $0, at: 6, asText: false) }
        try insertRevision.stepToEnd()
        nextRev += 1
    }

    /// Points an example at the revision just written (nil: a tombstone).
    private func moveHead(_ key: Int64, _ record: CheckedRecord?) throws {
        try setHead.bind(nextRev - 1, at: 1)
        if let record { try bindHeadDigest(setHead, record, at: 2) } else { try setHead.bind(.null, at: 2) }
        try setHead.bind(key, at: 3)
        try setHead.stepToEnd()
    }

    /// `examples.head_sha256` of a live example (migrations/0002_head_digest.sql).
    private func bindHeadDigest(_ statement: Statement, _ record: CheckedRecord, at index: Int32) throws {
        if Self.recognizable(record), let digest = record.digest {
            try digest.withBytes { try statement.bind(bytes: $0, at: index, asText: false) }
        } else {
            try statement.bind(.blob([]), at: index)
        }
    }
}
