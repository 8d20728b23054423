import Foundation

/// The few questions evaldb asks git, through the `git` program. Every answer is nil when git or
/// the repository is missing: recording a commit is a courtesy, never a reason to fail.
public enum Git {
    /// The HEAD commit, when `path` is tracked by git and has no uncommitted change.
    public static func commitOfCleanFile(_ path: String) -> String? {
        guard path != "-" else { return nil }
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let directory = url.deletingLastPathComponent().path
        guard run(["ls-files", "--error-unmatch", "--", url.lastPathComponent], in: directory) != nil,
            let status = run(["status", "--porcelain", "--", url.lastPathComponent], in: directory), status.isEmpty
        else { return nil }
        return run(["rev-parse", "HEAD"], in: directory)
    }

    /// `git config user.name`, if set.
    public static func userName(in directory: String = FileManager.default.currentDirectoryPath) -> String? {
        guard let name = run(["config", "user.name"], in: directory), !name.isEmpty else { return nil }
        return name
    }

    /// The folder of the current repository's hooks (honouring core.hooksPath), or nil outside a
    /// repository.
    public static func hooksFolder(in directory: String = FileManager.default.currentDirectoryPath) -> String? {
        guard let path = run(["rev-parse", "--git-path", "hooks"], in: directory), !path.isEmpty else { return nil }
        return path.hasPrefix("/") ? path : URL(fileURLWithPath: directory).appendingPathComponent(path).standardizedFileURL.path
    }

    /// One commit that touched a file.
    public struct Commit: Sendable, Equatable {
        public var hash: String
        public var author: String
        /// ISO 8601, as git prints it (`%aI`).
        public var date: String
        public var subject: String
        /// The file's path in that commit, relative to the repository's top (it may have been renamed since).
        public var path: String
        /// The commit deleted the file.
        public var deletesFile: Bool
        /// Its parent commits (two or more for a merge).
        public var parents: [String] = []
    }

    /// The commits that touched `path`, parents before children (oldest first), following
    /// renames, and the repository's top folder. Throws when git or the repository is missing.
    public static func history(of path: String) throws -> (top: String, commits: [Commit]) {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let directory = url.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: directory) else {
            throw EvalDBError.cannotRead(path: path, reason: "no such folder")
        }
        let top = try output(["rev-parse", "--show-toplevel"], in: directory, about: path)
        let log = try output(
            ["log", "--follow", "--topo-order", "--name-status", "--format=%x1e%H%x1f%P%x1f%an%x1f%aI%x1f%s", "--", url.path],
            in: directory, about: path)
        var commits: [Commit] = []
        for entry in log.split(separator: "\u{1e}") {
            let lines = entry.split(separator: "\n", omittingEmptySubsequences: true)
            guard let header = lines.first else { continue }
            let fields = header.split(separator: "\u{1f}", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 5 else { continue }
            // The name-status line: "M\tpath", "A\tpath", "D\tpath" or "R100\told\tnew" (none for a merge).
            let status = lines.dropFirst().last.map { $0.split(separator: "\t").map(String.init) } ?? []
            commits.append(
                Commit(
                    hash: fields[0], author: fields[2], date: fields[3], subject: fields[4...].joined(separator: "\u{1f}"),
                    path: status.last ?? "", deletesFile: status.first == "D",
                    parents: fields[1].split(separator: " ").map(String.init)))
        }
        commits.reverse()
        // A merge lists no file: it holds the path its parents' history last gave it.
        var lastPath = String(url.path.dropFirst(top.count + 1))
        for index in commits.indices {
            if commits[index].path.isEmpty { commits[index].path = lastPath } else { lastPath = commits[index].path }
        }
        return (top, commits)
    }

    /// The blob id of each `REVISION:PATH` in `specs` that names a file (one `git cat-file` for all).
    public static func blobs(_ specs: [String], top: String) -> [String: String] {
        guard !specs.isEmpty,
            let answer = try? Subprocess.run(
                ["git", "-C", top, "cat-file", "--batch-check=%(objectname) %(objecttype)"], input: Data(specs.map { $0 + "\n" }.joined().utf8))
        else { return [:] }
        var result: [String: String] = [:]
        for (spec, line) in zip(specs, String(decoding: answer.output, as: UTF8.self).split(separator: "\n")) {
            let fields = line.split(separator: " ")
            if fields.count == 2, fields[1] == "blob" { result[spec] = String(fields[0]) }
        }
        return result
    }

    /// The bytes of `path` (relative to the repository's top) in `commit`.
    public static func contents(of path: String, at commit: String, top: String) throws -> Data {
        let result = try Subprocess.run(["git", "-C", top, "show", "\(commit):\(path)"])
        guard result.status == 0 else {
            throw EvalDBError.cannotRead(
                path: "\(commit.prefix(10)):\(path)",
                reason: String(decoding: result.error, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return result.output
    }

    /// Runs git; its output, or an error that says what is missing.
    private static func output(_ arguments: [String], in directory: String, about path: String) throws -> String {
        guard let text = run(arguments, in: directory) else {
            if run(["--version"], in: directory) == nil {
                throw EvalDBError.cannotRead(path: path, reason: "git is not installed (or not on PATH)")
            }
            throw EvalDBError.cannotRead(path: path, reason: "not inside a git repository (`git \(arguments.first ?? "")` failed)")
        }
        return text
    }

    /// The commit at `HEAD`, with `-dirty` after it (as `git describe --dirty` says) when tracked
    /// files have changes no commit holds; nil outside a repository or before the first commit.
    public static func headDescription(in directory: String = FileManager.default.currentDirectoryPath) -> String? {
        guard let head = run(["rev-parse", "--verify", "--quiet", "HEAD"], in: directory) else { return nil }
        let changes = run(["status", "--porcelain", "--untracked-files=no"], in: directory) ?? ""
        return changes.isEmpty ? head : head + "-dirty"
    }

    /// Runs git and returns its standard output, trimmed, or nil when it fails.
    public static func run(_ arguments: [String], in directory: String = FileManager.default.currentDirectoryPath) -> String? {
        guard let result = try? Subprocess.run(["git", "-C", directory] + arguments), result.status == 0 else { return nil }
        return String(decoding: result.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
