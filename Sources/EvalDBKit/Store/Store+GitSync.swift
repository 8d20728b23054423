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
        /// Older than a commit recorded on a version here (history this database began after):
        /// not replayed, so that versions stay in time order.
        case older
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
    /// it (following renames), parents before children, with the author, date and message of the
    /// version's record in the team log when there is one, else the commit's, and the commit's id.
    ///
    /// Idempotent, and in agreement with `import`: a commit already recorded is passed over; a
    /// commit whose dataset is an existing version is recorded on that version, never replayed
    /// after later versions. A commit with a dataset this database has not seen brings the changes
    /// it made to its parent's version: onto the current version when that is its parent, else
    /// merged into it (a branch merged since), so that each example's history names who changed it.
    /// A commit where the file is invalid or deleted is reported and skipped; it never stops the
    /// replay. Throws `GitError` outside a repository, before the first commit, or for a path git
    /// does not track.
    public func syncGit(_ path: String, onCommit: (SyncedCommit) -> Void = { _ in }) throws -> [SyncedCommit] {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let folder = (absolute as NSString).deletingLastPathComponent
        guard let repository = repository ?? Repository.enclosing(FileManager.default.fileExists(atPath: folder) ? folder : ".")
        else { throw GitError.notARepository(path) }
        let stored = repository.stored(absolute, from: "/")
        try Git.requireTracked(stored, in: repository)
        try loadVersionRecords(in: repository)
        let (top, commits) = try Git.history(of: repository.absolute(stored))
        var recorded: [String: Int] = [:]
        let rows = try database.prepare(
            """
            SELECT git_commit, number FROM stored_versions WHERE git_commit IS NOT NULL UNION ALL SELECT git_commit, version FROM version_commits
            """)
        while try rows.step() { recorded[rows.text(0)] = Int(rows.int(1)) }
        // Each commit's blob, and its parents': a blob seen before is a version known without reading it.
        var specs: [String] = []
        for commit in commits { specs.append("\(commit.hash):\(commit.path)"); specs += commit.parents.map { "\($0):\(commit.path)" } }
        let blobs = Git.blobs(specs, top: top)
        var blobVersion: [String: Int] = [:]
        let known = try database.prepare("SELECT blob, version FROM version_blobs")
        while try known.step() { blobVersion[known.text(0)] = Int(known.int(1)) }

        // The commits behind those recorded here: history from before this database began.
        var behind = Set<String>()
        let recordedHere = commits.map(\.hash).filter { recorded[$0] != nil }
        if !recordedHere.isEmpty, let ancestors = Git.run(["rev-list"] + recordedHere, in: top) {
            behind = Set(ancestors.split(separator: "\n").map(String.init))
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("evaldb-sync-\(getpid())-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var results: [SyncedCommit] = []
        var batch: GitBlobReader?
        for commit in commits {
            let blob = blobs["\(commit.hash):\(commit.path)"]
            let outcome: SyncedCommit.Outcome
            if let number = recorded[commit.hash] {
                if let blob, blobVersion[blob] == nil { try remember(blob: blob, version: number, in: &blobVersion) }
                outcome = .alreadySynced
            } else if behind.contains(commit.hash) {
                outcome = .older
            } else if commit.deletesFile {
                outcome = .deleted
            } else if let blob, let number = blobVersion[blob], let version = try version(number: number) {
                try recordCommit(commit, on: version)
                outcome = .recorded(version)
            } else {
                if batch == nil { batch = try GitBlobReader(top: top) }
                let rawSHA256: String
                if let blob, let digest = try batch!.write(blob: blob, to: scratch) {
                    rawSHA256 = digest
                } else {
                    let data = try Git.contents(of: commit.path, at: commit.hash, top: top)
                    try data.write(to: URL(fileURLWithPath: scratch))
                    rawSHA256 = FileDigest.sha256(data: data)
                }
                let base = commit.parents.first.flatMap { blobs["\($0):\(commit.path)"] }.flatMap { blobVersion[$0] }
                outcome = try replay(commit, file: scratch, rawSHA256: rawSHA256, base: base)
                if let blob {
                    switch outcome {
                    case .recorded(let version): try remember(blob: blob, version: version.number, in: &blobVersion)
                    case .imported(let version) where try versionCommit(commit.hash) == version.number:
                        try remember(blob: blob, version: version.number, in: &blobVersion)
                    default: break
                    }
                }
            }
            let synced = SyncedCommit(commit: commit, outcome: outcome)
            onCommit(synced)
            results.append(synced)
        }
        return results
    }

    /// One commit's dataset (in the file at `scratch`): recorded on the existing version it
    /// equals, or the changes it made to its parent's version (`base`) applied to the current one.
    private func replay(_ commit: Git.Commit, file scratch: String, rawSHA256: String, base: Int?) throws -> SyncedCommit.Outcome {
        // A canonical file (the usual case) is its own dataset hash: no need to read it.
        if let version = try versions().last(where: { $0.hash == "sha256:" + rawSHA256 || $0.sourceSHA256 == rawSHA256 }) {
            try recordCommit(commit, on: version)
            return .recorded(version)
        }
        let record = try versionRecord(forFile: scratch, rawSHA256: rawSHA256)
        var options = ImportOptions(
            author: record?.author ?? commit.author, message: record?.message ?? commit.subject,
            gitCommit: commit.hash, date: record?.at ?? Self.utc(commit.date))
        options.recordedPath = commit.path
        options.logsVersion = false
        let store = Unchecked(self)
        options.existingVersion = { hash in try store.value.versions().last { $0.hash == hash } }
        do {
            var result: ImportResult
            if let base, let current = try currentVersion(), base != current.number, let baseVersion = try version(number: base),
                let merged = try? threeWayMerge(base: baseVersion, current: current, file: scratch), merged.conflicts.isEmpty
            {
                // A branch merged since: its changes to its own parent, onto what the database holds.
                var mergedOptions = options
                mergedOptions.gitCommit = nil  // the version is not the commit's dataset
                result = try importLines(merged.lines, options: mergedOptions)
            } else {
                result = try importFile(scratch, options: options)
            }
            if result.outcome == .created {
                if result.version.gitCommit == nil, try hashOfFile(scratch, rawSHA256: rawSHA256) == result.version.hash {
                    try recordCommit(commit, on: result.version)
                }
                return .imported(result.version)
            }
            try recordCommit(commit, on: result.version)
            return .recorded(result.version)
        } catch EvalDBError.invalidData(let errors, _) {
            return .invalid(
                errors.map { error in
                    var error = error
                    error.file = "\(commit.hash.prefix(10)):\(commit.path)"
                    return error
                })
        }
    }

    /// The dataset hash of a file: its raw SHA-256 when that is a version's hash, else read.
    private func hashOfFile(_ path: String, rawSHA256: String) throws -> String? {
        if try versions().contains(where: { $0.hash == "sha256:" + rawSHA256 }) { return "sha256:" + rawSHA256 }
        let check = try DatasetFileCheck.check(path: path)
        return check.isValid ? check.hash : nil
    }

    private func versionCommit(_ commit: String) throws -> Int? {
        try database.scalarInt("SELECT version FROM version_commits WHERE git_commit = ?", [.text(commit)]).map(Int.init)
    }

    private func remember(blob: String, version: Int, in map: inout [String: Int]) throws {
        map[blob] = version
        try database.prepare("INSERT OR IGNORE INTO version_blobs(blob, version) VALUES (?, ?)").run([.text(blob), .int(Int64(version))])
    }

    func recordCommit(_ commit: Git.Commit, on version: DatasetVersion) throws {
        try recordCommit(commit.hash, path: commit.path, on: version)
    }

    /// Records that `commit` holds `version` at `path` (relative to the top).
    func recordCommit(_ commit: String, path: String, on version: DatasetVersion) throws {
        try recordCommit(commit, path: path, onVersion: version.number)
    }

    /// Records that `commit` holds version number `version` at `path`: the one place that writes
    /// `version_commits` (import, sync and the working tree all record through it).
    func recordCommit(_ commit: String, path: String, onVersion version: Int) throws {
        try database.prepare("INSERT OR IGNORE INTO version_commits(git_commit, version, path) VALUES (?, ?, ?)")
            .run([.text(commit), .int(Int64(version)), .text(path)])
    }

    /// The team log's record of the version a dataset file holds (by its raw SHA-256 when it is
    /// canonical, else by its dataset hash), if the log has one.
    func versionRecord(forFile path: String, rawSHA256: String) throws -> (author: String, message: String?, at: String)? {
        if let record = try versionRecord(hash: "sha256:" + rawSHA256) { return record }
        guard try database.scalarInt("SELECT count(*) FROM version_records") != 0 else { return nil }
        let check = try DatasetFileCheck.check(path: path)
        return check.isValid ? try versionRecord(hash: check.hash) : nil
    }

    /// The record of a version with this dataset hash. When a version already has that dataset
    /// (a revert), only a record made after it: the revert's own, if it made one.
    func versionRecord(hash: String) throws -> (author: String, message: String?, at: String)? {
        let after = try database.scalarText("SELECT max(created_at) FROM stored_versions WHERE hash = ?", [.text(hash)]) ?? ""
        let rows = try database.prepare("SELECT author, message, at FROM version_records WHERE hash = ? AND at > ? ORDER BY at, event LIMIT 1")
        try rows.bind([.text(hash), .text(after)])
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
