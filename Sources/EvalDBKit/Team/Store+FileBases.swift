import Foundation

extension DatasetVersion {
    /// The version's own record in the team log: what `sync` gives a version replayed from git
    /// (its author, date and message rather than the commit's).
    var event: LogEvent {
        LogEvent(
            "version",
            [
                "hash": .string(hash), "at": .string(createdAt), "by": .string(author), "message": message.map { .string($0) },
                "path": sourcePath.map { .string($0) }, "number": .int(number), "commit": gitCommit.map { .string($0) },
            ])
    }
}

extension Store {
    /// The version a dataset file was last imported as or exported from, when it has not changed
    /// on disk since (same size and modification time): its base for a three-way import.
    public struct FileBase: Sendable {
        public var version: DatasetVersion
        /// The file is as evaldb left it (same size and modification time).
        public var isUnchanged: Bool
    }

    /// The base of the dataset file at `path` (as given): the version this database last imported
    /// it as or exported to it; else, in a fresh clone, the version whose dataset the file holds at
    /// git's `HEAD`. Nil when neither is known.
    public func base(of path: String) throws -> FileBase? {
        let stored = storedPath(path)
        let rows = try database.prepare("SELECT version, size, mtime FROM file_bases WHERE path = ?")
        try rows.bind([.text(stored)])
        if try rows.step(), let version = try version(number: Int(rows.int(0))) {
            let stat = Self.fileStat(openablePath(stored))
            return FileBase(
                version: version,
                isUnchanged: stat != nil && stat?.size == rows.optionalInt(1).map(Int.init)
                    && stat?.mtime == rows.optionalInt(2).map(Int.init))
        }
        if repository != nil, stored != "-", !stored.hasPrefix("/"), let version = try headVersion(of: stored) {
            return FileBase(version: version, isUnchanged: false)
        }
        if let repository, stored != "-", !stored.hasPrefix("/"),
            let hash = try? Git.datasetHash(of: stored, at: "HEAD", in: repository),
            let version = try version(hash: hash)
        {
            return FileBase(version: version, isUnchanged: false)
        }
        return nil
    }

    /// Remembers that the file at `path` holds `version` now, and, when the file is committed
    /// and clean, that the commit holds it (as `sync` would record it).
    func recordBase(of path: String, version: Int, options: ImportOptions) throws {
        // A file evaldb made and read in place of another (a commit's, a review's) is nobody's base.
        guard !options.dryRun, options.recordedPath == nil, path != "-" else { return }
        try recordBase(of: path, version: version)
        if let commit = options.gitCommit { try recordCommit(commit, path: storedPath(path), onVersion: version) }
    }

    /// Remembers that the file at `path` holds `version` now (after `export -o`, say).
    public func recordBase(of path: String, version: Int) throws {
        let stored = storedPath(path)
        let stat = Self.fileStat(openablePath(stored))
        try database.prepare("INSERT OR REPLACE INTO file_bases(path, version, size, mtime) VALUES (?, ?, ?, ?)")
            .run([
                .text(stored), .int(Int64(version)), stat.map { .int(Int64($0.size)) } ?? .null,
                stat.map { .int(Int64($0.mtime)) } ?? .null,
            ])
    }

    /// A file's size and modification time (nanoseconds), or nil when it cannot be stat'ed.
    static func fileStat(_ path: String) -> (size: Int, mtime: Int)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
            let modified = info.st_mtimespec  // Darwin's name for the modification time
        #else
            let modified = info.st_mtim
        #endif
        return (Int(info.st_size), Int(modified.tv_sec) * 1_000_000_000 + Int(modified.tv_nsec))
    }

    /// The current version's dataset file (as a path to open) with its size and modification
    /// time, when it holds the current version: a session that makes a version writes it back there.
    func fileHoldingCurrentVersion() throws -> (path: String, size: Int, mtime: Int)? {
        guard let current = try currentVersion(), let stored = current.sourcePath, stored != "-" else { return nil }
        let path = openablePath(stored)
        guard let stat = Self.fileStat(path) else { return nil }
        if let base = try base(of: path), base.isUnchanged {
            return base.version.number == current.number ? (path, stat.size, stat.mtime) : nil
        }
        let comparison = try compare(file: path)
        return comparison.hash == current.hash ? (path, stat.size, stat.mtime) : nil
    }
}
