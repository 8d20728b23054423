import Foundation

/// What `sync --git` did with one commit.
public struct SyncedCommit: Sendable {
    public enum Outcome: Sendable {
        /// Made this version.
        case imported(DatasetVersion)
        /// Its dataset equals the current version's: no version.
        case unchanged(DatasetVersion)
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
    /// it (following renames), oldest first, with the commit's author, date, subject and id.
    /// Idempotent: commits already recorded by a version are passed over. A commit where the file is
    /// invalid or deleted is reported and skipped; it never stops the replay.
    public func syncGit(_ path: String, onCommit: (SyncedCommit) -> Void = { _ in }) throws -> [SyncedCommit] {
        let (top, commits) = try Git.history(of: path)
        var recorded = Set<String>()
        let rows = try database.prepare("SELECT git_commit FROM versions WHERE git_commit IS NOT NULL")
        while try rows.step() { recorded.insert(rows.text(0)) }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("evaldb-sync-\(getpid()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var results: [SyncedCommit] = []
        for commit in commits {
            let outcome: SyncedCommit.Outcome
            if recorded.contains(commit.hash) {
                outcome = .alreadySynced
            } else if commit.deletesFile {
                outcome = .deleted
            } else {
                try Git.contents(of: commit.path, at: commit.hash, top: top).write(to: URL(fileURLWithPath: scratch))
                var options = ImportOptions(author: commit.author, message: commit.subject, gitCommit: commit.hash,
                                            date: Self.utc(commit.date))
                options.recordedPath = commit.path
                do {
                    let result = try importFile(scratch, options: options)
                    outcome = result.outcome == .created ? .imported(result.version) : .unchanged(result.version)
                } catch EvalDBError.invalidData(let errors, _) {
                    outcome = .invalid(errors.map { error in
                        var error = error
                        error.file = "\(commit.hash.prefix(10)):\(commit.path)"
                        return error
                    })
                }
            }
            let synced = SyncedCommit(commit: commit, outcome: outcome)
            onCommit(synced)
            results.append(synced)
        }
        return results
    }

    /// A git ISO 8601 date with an offset, as UTC (`...Z`), like the other versions' dates.
    static func utc(_ date: String) -> String {
        guard let parsed = ISO8601DateFormatter().date(from: date) else { return date }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: parsed)
    }
}
