/// One dataset version: what `evaldb versions` lists. A version is its dataset hash; its author,
/// date, message, parents and counts are what every clone agrees on (`version_info`,
/// Team/VersionGraph.swift). `number` is this database's name for it (local: another clone may
/// number it otherwise); `row` is the stored row its records are read from.
public struct DatasetVersion: Sendable, Equatable, Codable {
    /// This database's number for the version: its first row with the hash.
    public var number: Int
    /// `sha256:` + hex of the canonical export.
    public var hash: String
    /// ISO 8601 UTC.
    public var createdAt: String
    public var author: String
    public var message: String?
    public var sourcePath: String?
    public var sourceSHA256: String?
    public var sourceBytes: Int?
    public var gitCommit: String?
    public var exampleCount: Int
    /// Against the first parent.
    public var counts: ChangeCounts
    /// The stored row whose state this is (`stored_versions.number`): the storage model reads a
    /// version's records at its row. Rows holding one hash hold the same records.
    public var row: Int
    /// The parent versions' dataset hashes: the version an import started from, both sides of a
    /// merge, a commit's parents' datasets.
    public var parents: [String]

    /// The first 12 hex digits, as `versions` shows it.
    public var shortHash: String { String(hash.dropFirst("sha256:".count).prefix(12)) }

    /// The columns `init(_ row:)` reads, from `stored_versions v` joined to `version_info i` (`from`).
    /// A row without a `version_info` (a database opened read-only before it was derived) shows its
    /// own fields.
    static let columns = """
        coalesce(i.number, v.number), v.hash, coalesce(i.created_at, v.created_at), coalesce(i.author, v.author),
        CASE WHEN i.hash IS NULL THEN v.message ELSE i.message END, coalesce(i.path, v.source_path), v.source_sha256,
        v.source_bytes, coalesce(i.git_commit, \(commit("v"))), coalesce(i.example_count, v.example_count),
        coalesce(i.added, v.added), coalesce(i.changed, v.changed), coalesce(i.removed, v.removed),
        coalesce(i.restored, v.restored), coalesce(i.unchanged, v.unchanged), v.number, i.parents
        """

    /// The FROM clause of `columns`.
    static let from = "stored_versions v LEFT JOIN version_info i ON i.hash = v.hash"

    /// SQL for the commit of the `stored_versions` row named `table`.
    static func commit(_ table: String) -> String {
        """
        coalesce(\(table).git_commit, (SELECT c.git_commit FROM version_commits c WHERE c.version = \(table).number ORDER BY c.rowid LIMIT 1))
        """
    }

    public init(
        number: Int, hash: String, createdAt: String, author: String, message: String?, sourcePath: String?,
        sourceSHA256: String?, sourceBytes: Int?, gitCommit: String?, exampleCount: Int, counts: ChangeCounts,
        row: Int? = nil, parents: [String] = []
    ) {
        self.number = number
        self.hash = hash
        self.createdAt = createdAt
        self.author = author
        self.message = message
        self.sourcePath = sourcePath
        self.sourceSHA256 = sourceSHA256
        self.sourceBytes = sourceBytes
        self.gitCommit = gitCommit
        self.exampleCount = exampleCount
        self.counts = counts
        self.row = row ?? number
        self.parents = parents
    }

    init(_ row: Statement) {
        number = Int(row.int(0))
        hash = row.text(1)
        createdAt = row.text(2)
        author = row.text(3)
        message = row.optionalText(4)
        sourcePath = row.optionalText(5)
        sourceSHA256 = row.optionalText(6)
        sourceBytes = row.optionalInt(7).map { Int($0) }
        gitCommit = row.optionalText(8)
        exampleCount = Int(row.int(9))
        counts = ChangeCounts(
            added: Int(row.int(10)), changed: Int(row.int(11)), removed: Int(row.int(12)),
            restored: Int(row.int(13)), unchanged: Int(row.int(14)))
        self.row = Int(row.int(15))
        parents = row.optionalText(16).map(HashList.decode) ?? []
    }
}

/// A JSON array of dataset hashes, as `version_info.parents` and the team log's `parents` hold it.
enum HashList {
    static func encode(_ hashes: [String]) -> String {
        "[" + hashes.map(JSONText.string).joined(separator: ", ") + "]"
    }

    static func decode(_ text: String) -> [String] {
        guard let tape = try? JSONParser.parse(text), tape.nodes.first?.kind == .array else { return [] }
        return tape.elements(0).compactMap { tape.nodes[$0].kind == .string ? tape.string($0) : nil }
    }
}

/// How many examples a version added, changed, removed, restored or left as they were.
public struct ChangeCounts: Sendable, Equatable, Codable {
    public var added = 0
    public var changed = 0
    public var removed = 0
    public var restored = 0
    public var unchanged = 0

    public init(added: Int = 0, changed: Int = 0, removed: Int = 0, restored: Int = 0, unchanged: Int = 0) {
        self.added = added
        self.changed = changed
        self.removed = removed
        self.restored = restored
        self.unchanged = unchanged
    }
}
