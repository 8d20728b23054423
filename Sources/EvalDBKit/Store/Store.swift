import Foundation

/// The evaldb database: dataset versions, examples and their revisions.
///
/// Open one per command. Writers take `BEGIN IMMEDIATE` and wait on the busy timeout, so two
/// commands at once run one after the other; readers see a snapshot and never wait (WAL).
public final class Store {
    public let database: Database
    public var path: String { database.path }
    /// The git work tree whose dataset this database indexes, where the team's files live
    /// (`evals/log/`) and what stored paths are relative to; nil: paths as given, no team log.
    public var repository: Repository? {
        didSet { if mode == .readWrite && repository != nil && oldValue == nil { try? flushOutbox() } }
    }
    /// Databases with at least this many example keys build their slice index on two threads
    /// (`currentSliceIndex`); a test sets it low.
    var parallelSliceIndexBuild = 50_000
    /// The bytes of postings a slice index build holds before it writes them to a temporary file,
    /// and of the finished rows it keeps in memory (`SliceIndexBuilder`, `SliceIndexRows`); a test
    /// sets them low.
    var sliceIndexMemoryLimits = (postings: SliceIndexBuilder.defaultMemoryLimit, rows: SliceIndexRows.defaultMemoryLimit)
    /// The most values a key's row of the slice index holds (`SliceIndex.defaultValueLimit`); a
    /// test sets it low.
    var sliceIndexValueLimit = SliceIndex.defaultValueLimit
    /// How many keys of a version's line order `diff` reads at a time (`LineOrderCursor`); a test
    /// sets it low.
    var lineOrderChunkKeys = LineOrderCursor.defaultChunkKeys
    /// The line keys of committed versions read or made last (`Store.commit`).
    var lineKeysCache = LineKeysCache()
    /// How many records the reads of records (`forEachRecord`, `forEachHeadRecord`) have taken
    /// from the database: a test checks that `slice --limit N` reads no more than it must.
    var recordsRead = 0
    /// How many records a slice has parsed (`parseRecord`): a test checks that `sliceRows` parses
    /// each record it reads once, not again to show it.
    var recordsParsed = 0
    /// How many times a slice index was decoded for a query (`currentSliceIndex`): a test checks
    /// that a slice on indexed keys reads the index as stored, or as just made, without decoding it.
    var sliceIndexDecodes = 0
    /// How many times the current version has been read from the database (`currentVersion`): a
    /// test checks that each read command reads it once.
    var currentVersionReads = 0
    /// Set while `reading` runs a command's queries in one read transaction.
    var isReading = false
    /// The current version of the transaction of `reading`, once read (`currentVersion`).
    var currentWhileReading: DatasetVersion??
    /// A slice index made during `reading`, saved after its transaction (`currentSliceIndex`).
    var sliceIndexToSave: EncodedSliceIndex?

    /// Opens the database at `path`, creating it (and its folder) on first use, and migrates it.
    public convenience init(path: String) throws {
        try self.init(path: path, mode: .readWrite)
    }

    /// Opens the database at `path` to read it: `EvalDBError.noDatabase` when there is none; read-only
    /// when the file or its folder cannot be written (so every read still answers).
    public convenience init(readingAt path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw EvalDBError.noDatabase(path) }
        let folder = (path as NSString).deletingLastPathComponent
        let writable = access(path, W_OK) == 0 && access(folder.isEmpty ? "." : folder, W_OK) == 0
        try self.init(path: path, mode: writable ? .readWrite : .readOnly)
    }

    init(path: String, mode: Database.Mode) throws {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty && !FileManager.default.fileExists(atPath: folder) {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw EvalDBError.cannotWrite(path: folder, reason: error.localizedDescription)
            }
        }
        // The database is this clone's own index: keep it out of `git status`, as virtualenv does.
        if (folder as NSString).lastPathComponent == ".evaldb" {
            let ignore = (folder as NSString).appendingPathComponent(".gitignore")
            if !FileManager.default.fileExists(atPath: ignore) {
                _ = FileManager.default.createFile(atPath: ignore, contents: Data("*\n".utf8))
            }
        }
        if mode != .readOnly && FileManager.default.fileExists(atPath: path) {
            // SQLite would say "attempt to write a readonly database" at the first write, naming neither.
            if access(path, W_OK) != 0 {
                throw EvalDBError.cannotWrite(path: path, reason: "the database file is not writable by this user (reading commands still work)")
            }
            if !Database.canMakeFiles(beside: path) {
                throw EvalDBError.cannotWrite(
                    path: path,
                    reason: "its folder is not writable by this user, and SQLite keeps its journal there (reading commands still work)")
            }
        }
        database = try Database(path: path, mode: mode)
        try Migrator.embedded.migrate(database)
        self.mode = mode
        // Built by this evaldb: every version's info is derived by its rule (written here, so the
        // first open after the build does not derive them all again).
        if mode == .building { try deriveMissingVersionInfo() }
        // A database being built is nobody's until it is linked into place: its log waits until then.
        guard mode == .readWrite else { return }
        database.afterCommit = { [unowned self] in
            // A fault test's kill between a commit and its team log (docs/reliability.md).
            if ProcessInfo.processInfo.environment["EVALDB_FAULT"] == "kill-before-log", try self.unwrittenLogEntries() > 0 {
                kill(getpid(), SIGKILL)
            }
            try self.flushOutbox()
        }
        try deriveMissingVersionInfo()
    }

    /// How the database was opened.
    let mode: Database.Mode

    /// Set while `flushOutbox` writes (its own commit does not start another flush).
    var isFlushingOutbox = false

    /// The database path a command uses without `--db`: `$EVALDB_DB`, else `.evaldb/evaldb.sqlite`
    /// under the enclosing git work tree's top level, else under the current directory.
    public static func defaultPath(environment: [String: String]? = nil, currentDirectory: String? = nil) -> String {
        // One variable read, not the whole environment made a dictionary: every command asks.
        let configured = environment.map { $0["EVALDB_DB"] } ?? getenv("EVALDB_DB").map { String(cString: $0) }
        if let path = configured, !path.isEmpty { return path }
        let currentDirectory = currentDirectory ?? FileManager.default.currentDirectoryPath
        let top = Repository.enclosing(currentDirectory)?.top ?? Repository.standardized(currentDirectory)
        return top + "/.evaldb/evaldb.sqlite"
    }

    // MARK: - Versions

    /// Every version (each dataset hash once), in the order this database came to hold them.
    public func versions() throws -> [DatasetVersion] {
        // A hash's newest row is the one read from (it holds the same records as its first).
        let rows = try database.prepare(
            """
            SELECT \(DatasetVersion.columns) FROM \(DatasetVersion.from)
            WHERE v.number = (SELECT max(number) FROM stored_versions w WHERE w.hash = v.hash) ORDER BY 1
            """)
        var result: [DatasetVersion] = []
        while try rows.step() { result.append(DatasetVersion(rows)) }
        return result
    }

    /// Every stored row, oldest first, each as the version it holds (`verify`).
    func storedRows() throws -> [DatasetVersion] {
        let rows = try database.prepare("SELECT \(DatasetVersion.columns) FROM \(DatasetVersion.from) ORDER BY v.number")
        var result: [DatasetVersion] = []
        while try rows.step() { result.append(DatasetVersion(rows)) }
        return result
    }

    /// The current version (the newest row's), or nil in an empty database. Read once in the
    /// transaction of `reading`, where it cannot change.
    public func currentVersion() throws -> DatasetVersion? {
        if isReading, let current = currentWhileReading { return current }
        currentVersionReads += 1
        let rows = try database.cachedStatement("SELECT \(DatasetVersion.columns) FROM \(DatasetVersion.from) ORDER BY v.number DESC LIMIT 1")
        let current = try rows.step() ? DatasetVersion(rows) : nil
        if isReading { currentWhileReading = .some(current) }
        return current
    }

    /// The version stored row `number` holds (numbers a user reads name a version's first row).
    public func version(number: Int) throws -> DatasetVersion? {
        guard let hash = try database.scalarText("SELECT hash FROM stored_versions WHERE number = ?", [.int(Int64(number))]) else {
            return nil
        }
        return try version(hash: hash)
    }

    /// The version with this dataset hash, if this database holds it.
    public func version(hash: String) throws -> DatasetVersion? {
        let rows = try database.cachedStatement(
            "SELECT \(DatasetVersion.columns) FROM \(DatasetVersion.from) WHERE v.hash = ? ORDER BY v.number DESC LIMIT 1")
        try rows.bind([.text(hash)])
        return try rows.step() ? DatasetVersion(rows) : nil
    }

    /// The version a user names: a number, `current`, a hash or unique hash prefix (with or
    /// without `sha256:`), or a git revision (a tag, a branch, a commit, `HEAD~3`) meaning the
    /// version whose dataset the dataset file holds in that commit (`git show REV:PATH`).
    public func resolveVersion(_ spec: String) throws -> DatasetVersion {
        // Spaces and tabs around it, as CharacterSet.whitespaces (every read command asks, and
        // Foundation's trimming costs a small command a fraction of a millisecond).
        let isSpace = { (scalar: Unicode.Scalar) in scalar == "\t" || scalar.properties.generalCategory == .spaceSeparator }
        let scalars = spec.unicodeScalars
        let trimmed = String(String.UnicodeScalarView(scalars.drop(while: isSpace).reversed().drop(while: isSpace).reversed()))
        if trimmed == "current" || trimmed == "HEAD" {
            guard let current = try currentVersion() else { throw EvalDBError.emptyDatabase }
            return current
        }
        // A short decimal is a version number; anything else is a hash or hash prefix.
        if let number = Int(trimmed), trimmed.count <= 6, let version = try version(number: number) {
            return version
        }
        var prefix = trimmed.lowercased()
        if prefix.hasPrefix("sha256:") { prefix.removeFirst("sha256:".count) }
        if !prefix.isEmpty, prefix.allSatisfy(\.isHexDigit) {
            let rows = try database.prepare("SELECT DISTINCT hash FROM stored_versions WHERE substr(hash, 8, ?) = ?")
            try rows.bind([.int(Int64(prefix.count)), .text(prefix)])
            var hashes: [String] = []
            while try rows.step() { hashes.append(rows.text(0)) }
            if hashes.count > 1 { throw EvalDBError.ambiguousHash(spec, matches: hashes.sorted().map { String($0.prefix(19)) }) }
            if let hash = hashes.first, let version = try version(hash: hash) { return version }
        }
        if let repository, !trimmed.lowercased().hasPrefix("sha256:"), let commit = Git.commit(named: trimmed, in: repository) {
            return try version(atCommit: commit, named: spec)
        }
        throw EvalDBError.noSuchVersion(spec)
    }

    /// The version whose dataset a commit holds at the current version's path (`git show
    /// COMMIT:PATH`), whichever version was current when it was made.
    func version(atCommit commit: String, named spec: String) throws -> DatasetVersion {
        guard let repository, let path = try datasetPaths().first else { throw EvalDBError.noSuchVersion(spec) }
        if let hash = try database.scalarText(
            "SELECT hash FROM commit_datasets WHERE git_commit = ? AND path = ? AND hash IS NOT NULL", [.text(commit), .text(path)]),
            let version = try version(hash: hash)
        {
            return version
        }
        if let blob = Git.blobs(["\(commit):\(path)"], top: repository.top).values.first,
            let hash = try database.scalarText("SELECT hash FROM blob_datasets WHERE blob = ? AND hash IS NOT NULL", [.text(blob)]),
            let version = try version(hash: hash)
        {
            return version
        }
        guard let hash = try Git.datasetHash(of: path, at: commit, in: repository) else {
            throw EvalDBError.noDatasetAtRevision(spec, path: path)
        }
        guard let version = try version(hash: hash) else {
            throw EvalDBError.revisionNotImported(spec, hash: hash)
        }
        return version
    }

    /// The dataset files this database knows, relative to the top, the current version's first.
    public func datasetPaths() throws -> [String] {
        var paths: [String] = []
        if let current = try currentVersion()?.sourcePath { paths.append(current) }
        let rows = try database.prepare(
            """
            SELECT path FROM (SELECT path, max(n) AS n FROM (
                SELECT source_path AS path, number AS n FROM stored_versions WHERE source_path IS NOT NULL
                UNION ALL SELECT path, version FROM version_commits
                UNION ALL SELECT path, version FROM file_bases) GROUP BY path) ORDER BY n DESC
            """)
        while try rows.step() {
            let path = rows.text(0)
            if !paths.contains(path) { paths.append(path) }
        }
        return paths.filter { $0 != "-" }
    }
}
