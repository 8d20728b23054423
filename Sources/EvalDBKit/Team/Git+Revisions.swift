import Foundation

extension Git {
    /// The full id of the commit `revision` names (a tag, a branch, `HEAD~3`, an id or its prefix),
    /// or nil when it names none.
    public static func commit(named revision: String, in repository: Repository) -> String? {
        guard !revision.isEmpty, !revision.hasPrefix("-") else { return nil }
        return run(["rev-parse", "--verify", "--quiet", "--end-of-options", revision + "^{commit}"], in: repository.top)
    }

    /// The dataset hash of the file at `path` (relative to the top) as `revision` holds it; nil
    /// when the commit does not hold it or it is not a valid dataset there. The blob is streamed
    /// by `git cat-file` into a temporary file and checked there (`GitBlobReader`: git's memory
    /// bounded too), not read into memory: a dataset of ten million examples is 13 GB.
    public static func datasetHash(of path: String, at revision: String, in repository: Repository) throws -> String? {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("evaldb-rev-\(getpid())-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        guard let reader = try? GitBlobReader(top: repository.top), try reader.write(blob: "\(revision):\(path)", to: scratch) != nil else {
            return nil
        }
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

    /// Of `blobs`, those git stores as a delta of another object (in a pack): reading one makes it
    /// from its chain of deltas, in git's memory, which reading the newest first makes shorter. A
    /// blob stored whole (loose, or packed whole, as git packs one over its `bigFileThreshold`)
    /// costs the same to read in any order. Empty when git cannot tell.
    static func deltas(among blobs: [String], top: String) -> Set<String> {
        guard !blobs.isEmpty,
            let answer = try? Subprocess.run(
                ["git", "-C", top, "cat-file", "--batch-check=%(objectname) %(deltabase)"], input: Data(blobs.map { $0 + "\n" }.joined().utf8)),
            answer.status == 0
        else { return [] }
        var result = Set<String>()
        for line in String(decoding: answer.output, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2, fields[1].contains(where: { $0 != "0" }) { result.insert(String(fields[0])) }
        }
        return result
    }

    /// The commits `HEAD`, the branches, the tags and the remote branches point at (what `sync`
    /// replays), sorted.
    static func refTips(in top: String) -> [String] {
        var tips = Set<String>()
        if let head = run(["rev-parse", "--verify", "--quiet", "HEAD"], in: top) { tips.insert(head) }
        let refs = run(["for-each-ref", "--format=%(objectname) %(*objectname)", "refs/heads", "refs/tags", "refs/remotes"], in: top) ?? ""
        for line in refs.split(separator: "\n") {
            // A tag object's commit is its second field.
            let fields = line.split(separator: " ")
            if let commit = fields.last { tips.insert(String(commit)) }
        }
        return tips.sorted()
    }

    /// Every commit reachable from `tips`, parents before children, with its parents, author,
    /// date and subject (`path` left empty).
    static func commits(reachableFrom tips: [String], in top: String) throws -> [Commit] {
        guard !tips.isEmpty else { return [] }
        let result = try Subprocess.run(
            ["git", "-C", top, "log", "--topo-order", "--reverse", "--format=%H%x1f%P%x1f%an%x1f%aI%x1f%s%x1e", "--end-of-options"] + tips)
        guard result.status == 0 else {
            throw EvalDBError.cannotRead(path: top, reason: "git log failed: \(String(decoding: result.error, as: UTF8.self))")
        }
        var commits: [Commit] = []
        for entry in String(decoding: result.output, as: UTF8.self).split(separator: "\u{1e}") {
            let fields = entry.trimmingCharacters(in: .newlines).split(separator: "\u{1f}", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 5, !fields[0].isEmpty else { continue }
            commits.append(
                Commit(
                    hash: fields[0], author: fields[2], date: fields[3], subject: fields[4...].joined(separator: "\u{1f}"), path: "",
                    deletesFile: false, parents: fields[1].split(separator: " ").map(String.init)))
        }
        return commits
    }

    /// The names the file at `path` (relative to the top) had in the history of every ref,
    /// following renames: `path` first, then older names.
    static func formerNames(of path: String, in top: String) -> [String] {
        var names = [path]
        let log = run(["log", "--all", "--follow", "--name-only", "--format=", "--", path], in: top) ?? ""
        for name in log.split(separator: "\n").map(String.init) where !name.isEmpty && !names.contains(name) { names.append(name) }
        return names
    }
}
