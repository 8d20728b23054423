import Foundation

/// What `sync` did with one commit of a dataset file.
public struct SyncedCommit: Sendable {
    public enum Outcome: Sendable {
        /// Made this version.
        case imported(DatasetVersion)
        /// Its dataset is this existing version's: the commit is recorded on it, not replayed.
        case recorded(DatasetVersion)
        /// Seen in an earlier sync or import.
        case alreadySynced
        /// The file is not valid in this commit: skipped, with its errors.
        case invalid([DataError])
        /// The commit deleted the file: skipped.
        case deleted
    }

    public var commit: Git.Commit
    public var outcome: Outcome
}

extension Store {
    /// Replays the git history of the dataset file at `path` as versions: every commit that touched
    /// it (following renames), oldest first, with the author, date and message of the version's
    /// record in the team log when there is one, else the commit's, and the commit's id.
    ///
    /// Idempotent, and in agreement with `import`: a commit already recorded is passed over; a
    /// commit whose dataset is an existing version no older than the one the previous commit
    /// matched is recorded on that version, never replayed after later versions (so versions stay
    /// in time order); only a dataset this database has not seen since — new content, or a revert
    /// to an older version — becomes a version. A commit where the file is invalid or deleted is
    /// reported and skipped; it never stops the replay. Throws `GitError` outside a repository,
    /// before the first commit, or for a path git does not track.
    public func syncGit(_ path: String, onCommit: (SyncedCommit) -> Void = { _ in }) throws -> [SyncedCommit] {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let folder = (absolute as NSString).deletingLastPathComponent
        guard let repository = repository ?? Repository.enclosing(FileManager.default.fileExists(atPath: folder) ? folder : ".")
        else { throw GitError.notARepository(path) }
        let stored = repository.stored(absolute, from: "/")
        try Git.requireTracked(stored, in: repository)
        let (top, commits) = try Git.history(of: repository.absolute(stored))
        var recorded: [String: Int] = [:]
        let rows = try database.prepare("""
            SELECT git_commit, number FROM versions WHERE git_commit IS NOT NULL UNION ALL SELECT git_commit, version FROM version_commits
            """)
        while try rows.step() { recorded[rows.text(0)] = Int(rows.int(1)) }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("evaldb-sync-\(getpid()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var cursor = 0  // the version the previous commit matched
        var results: [SyncedCommit] = []
        for commit in commits {
            let outcome: SyncedCommit.Outcome
            if let number = recorded[commit.hash] {
                cursor = max(cursor, number)
                outcome = .alreadySynced
            } else if commit.deletesFile {
                outcome = .deleted
            } else {
                let data = try Git.contents(of: commit.path, at: commit.hash, top: top)
                try data.write(to: URL(fileURLWithPath: scratch))
                outcome = try replay(commit, file: scratch, rawSHA256: FileDigest.sha256(data: data), after: &cursor)
            }
            let synced = SyncedCommit(commit: commit, outcome: outcome)
            onCommit(synced)
            results.append(synced)
        }
        return results
    }

    /// One commit's dataset (in the file at `scratch`): recorded on the existing version it
    /// equals, or imported as a new one.
    private func replay(_ commit: Git.Commit, file scratch: String, rawSHA256: String, after cursor: inout Int) throws
        -> SyncedCommit.Outcome
    {
        let floor = cursor, store = Unchecked(self)
        @Sendable func existing(_ hash: String) throws -> DatasetVersion? {
            try store.value.versions().first { $0.hash == hash && $0.number >= floor }
        }
        // A canonical file (the usual case) is its own dataset hash: no need to read it.
        if let version = try existing("sha256:" + rawSHA256) ?? versions().first(where: { $0.sourceSHA256 == rawSHA256 && $0.number >= floor }) {
            try recordCommit(commit, on: version)
            cursor = version.number
            return .recorded(version)
        }
        let record = try versionRecord(forFile: scratch, rawSHA256: rawSHA256)
        var options = ImportOptions(author: record?.author ?? commit.author, message: record?.message ?? commit.subject,
                                    gitCommit: commit.hash, date: record?.at ?? Self.utc(commit.date))
        options.recordedPath = commit.path
        options.logsVersion = false
        options.existingVersion = { hash in try existing(hash) }
        do {
            let result = try importFile(scratch, options: options)
            cursor = result.version.number
            if result.outcome == .created { return .imported(result.version) }
            try recordCommit(commit, on: result.version)
            return .recorded(result.version)
        } catch EvalDBError.invalidData(let errors, _) {
            return .invalid(errors.map { error in
                var error = error
                error.file = "\(commit.hash.prefix(10)):\(commit.path)"
                return error
            })
        }
    }

    private func recordCommit(_ commit: Git.Commit, on version: DatasetVersion) throws {
        try database.prepare("INSERT OR IGNORE INTO version_commits(git_commit, version, path) VALUES (?, ?, ?)")
            .run([.text(commit.hash), .int(Int64(version.number)), .text(commit.path)])
    }

    /// The team log's record of the version a dataset file holds (by its raw SHA-256 when it is
    /// canonical, else by its dataset hash), if the log has one.
    func versionRecord(forFile path: String, rawSHA256: String) throws -> (author: String, message: String?, at: String)? {
        if let record = try versionRecord(hash: "sha256:" + rawSHA256) { return record }
        guard try database.scalarInt("SELECT count(*) FROM version_records") != 0 else { return nil }
        let check = try DatasetFileCheck.check(path: path)
        return check.isValid ? try versionRecord(hash: check.hash) : nil
    }

    func versionRecord(hash: String) throws -> (author: String, message: String?, at: String)? {
        let rows = try database.prepare("SELECT author, message, at FROM version_records WHERE hash = ? ORDER BY at, event LIMIT 1")
        try rows.bind([.text(hash)])
        return try rows.step() ? (rows.text(0), rows.optionalText(1), rows.text(2)) : nil
    }

    /// A git ISO 8601 date with an offset, as UTC (`...Z`), like the other versions' dates.
    static func utc(_ date: String) -> String {
        guard let parsed = ISO8601DateFormatter().date(from: date) else { return date }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: parsed)
    }
}
