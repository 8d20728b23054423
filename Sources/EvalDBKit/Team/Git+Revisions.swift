import Foundation

extension Git {
    /// The full id of the commit `revision` names (a tag, a branch, `HEAD~3`, an id or its prefix),
    /// or nil when it names none.
    public static func commit(named revision: String, in repository: Repository) -> String? {
        guard !revision.isEmpty, !revision.hasPrefix("-") else { return nil }
        return run(["rev-parse", "--verify", "--quiet", "--end-of-options", revision + "^{commit}"], in: repository.top)
    }

    /// The dataset hash of the file at `path` (relative to the top) as `revision` holds it; nil
    /// when the commit does not hold it or it is not a valid dataset there.
    public static func datasetHash(of path: String, at revision: String, in repository: Repository) throws -> String? {
        guard let data = try? contents(of: path, at: revision, top: repository.top) else { return nil }
        return try datasetHash(of: data)
    }

    /// The dataset hash of a file's bytes, or nil when they are not a valid dataset.
    static func datasetHash(of data: Data) throws -> String? {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("evaldb-rev-\(getpid())-\(UUID().uuidString).jsonl").path
        try data.write(to: URL(fileURLWithPath: scratch))
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let check = try DatasetFileCheck.check(path: scratch)
        return check.isValid ? check.hash : nil
    }

    /// Throws when the repository has no commit yet, or `path` (relative to the top) is not tracked.
    static func requireTracked(_ path: String, in repository: Repository) throws {
        guard run(["rev-parse", "--verify", "--quiet", "HEAD"], in: repository.top) != nil else {
            throw GitError.noCommits(repository.top)
        }
        guard run(["log", "-1", "--format=%H", "--", path], in: repository.top).map({ !$0.isEmpty }) == true else {
            throw GitError.untracked(path: path)
        }
    }
}
