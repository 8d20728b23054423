/// One dataset version: what `evaldb versions` lists.
public struct DatasetVersion: Sendable, Equatable, Codable {
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
    public var counts: ChangeCounts

    /// The first 12 hex digits, as `versions` shows it.
    public var shortHash: String { String(hash.dropFirst("sha256:".count).prefix(12)) }

    /// `git_commit` is the commit the version was imported from, else the first later commit
    /// found to hold the same dataset (`version_commits`).
    static let columns = """
        number, hash, created_at, author, message, source_path, source_sha256, source_bytes, \(commit("stored_versions")),
        example_count, added, changed, removed, restored, unchanged
        """

    /// SQL for the commit of the `stored_versions` row named `table`.
    static func commit(_ table: String) -> String {
        """
        coalesce(\(table).git_commit, (SELECT c.git_commit FROM version_commits c WHERE c.version = \(table).number ORDER BY c.rowid LIMIT 1))
        """
    }

    public init(
        number: Int, hash: String, createdAt: String, author: String, message: String?, sourcePath: String?,
        sourceSHA256: String?, sourceBytes: Int?, gitCommit: String?, exampleCount: Int, counts: ChangeCounts
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
