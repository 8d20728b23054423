import Crypto
import Foundation

/// The team's state as plain files in the repository, written as it is made (docs/teams.md):
///
/// - `evals/log/<who>-<clone>.jsonl`: the events of one database (one clone), one canonical JSON
///   line each, appended and never rewritten. Only that database writes to it, so two clones never
///   touch the same file and `git merge` has nothing to conflict on.
/// - `evals/log/versions/<hash>-<id>.jsonl`: one file a version this database made, written once:
///   the version's event (its header) and its change set (`ChangeSet`).
/// - `evals/log/runs/<name>-<id>.jsonl`: one file a run, written once: a header line (the run's
///   name, dataset hash, time, commit, meta) and then its result lines.
///
/// The log follows the database, never leads it: what a transaction means to write is put in the
/// `outbox` table inside that transaction, and written to the files after it commits
/// (`Store.flushOutbox`). A crash in between leaves the rows, which the next command writes.
struct TeamLog {
    let repository: Repository
    let database: Database

    /// Queues `event` for this database's log file (named on its first use after the git user),
    /// and records it as applied. Call it inside the transaction that makes the fact.
    func append(_ event: LogEvent) throws {
        try enqueue(.append, path: try logFile(), text: event.text + "\n", row: nil)
        try markApplied(event.id)
    }

    /// Queues a run's file: its header event, then its result lines (as stored for run `run`).
    /// Returns the file's stored path.
    func writeRun(name: String, header: LogEvent, run: Int64) throws -> String {
        let stored = "\(Repository.logFolderName)/runs/\(Self.slug(name))-\(header.id.prefix(12)).jsonl"
        try enqueue(.run, path: stored, text: header.text + "\n", row: run)
        try markApplied(header.id)
        return stored
    }

    /// Queues a version's file: its event, then its change set from the version before it (as
    /// stored for row `row`; none when `body` is false: a commit holds the version). Returns the
    /// file's stored path.
    func writeVersion(header: LogEvent, row: Int, body: Bool) throws -> String {
        let stored = "\(Repository.logFolderName)/versions/\(header.string("hash").map(ChangeSet.shortHash) ?? "x")-\(header.id.prefix(12)).jsonl"
        try enqueue(body ? .changeSet : .append, path: stored, text: header.text + "\n", row: body ? Int64(row) : nil)
        try markApplied(header.id)
        return stored
    }

    enum Kind: String {
        case append, changeSet = "changeset", run
    }

    private func enqueue(_ kind: Kind, path: String, text: String, row: Int64?) throws {
        try database.cachedStatement("INSERT INTO outbox(kind, path, text, row) VALUES (?, ?, ?, ?)")
            .run([.text(kind.rawValue), .text(path), .text(text), row.map { .int($0) } ?? .null])
    }

    func markApplied(_ id: String) throws {
        try database.cachedStatement("INSERT OR IGNORE INTO applied_events(id) VALUES (?)").run([.text(id)])
    }

    /// This database's log file, relative to the top: chosen once (named after git's user.name,
    /// else $USER, and a random id), kept in `settings`.
    private func logFile() throws -> String {
        if let path = try database.scalarText("SELECT value FROM settings WHERE key = 'log_file'") { return path }
        let who = Git.userName(in: repository.top) ?? ProcessInfo.processInfo.environment["USER"] ?? "evaldb"
        let random = (0..<4).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        let path = "\(Repository.logFolderName)/\(Self.slug(who))-\(random).jsonl"
        try database.prepare("INSERT INTO settings(key, value) VALUES ('log_file', ?)").run([.text(path)])
        return path
    }

    /// A name safe in a file name: ASCII letters, digits, `.`, `_` and `-`, at most 40 characters.
    static func slug(_ name: String) -> String {
        var result = ""
        for scalar in name.unicodeScalars {
            let ok = scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "._-".unicodeScalars.contains(scalar))
            if ok { result.unicodeScalars.append(scalar) } else if !result.hasSuffix("-") { result += "-" }
        }
        result = String(result.trimmingCharacters(in: CharacterSet(charactersIn: "-.")).prefix(40))
        return result.isEmpty ? "x" : result
    }
}

extension Store {
    /// The team log of the repository this database indexes, when it has one.
    var teamLog: TeamLog? { repository.map { TeamLog(repository: $0, database: database) } }

    /// A path as this database stores it: relative to the repository's top when inside it.
    public func storedPath(_ path: String) -> String { repository?.stored(path) ?? path }

    /// A stored path as a path to open.
    public func openablePath(_ stored: String) -> String { repository?.absolute(stored) ?? stored }

    /// Whether the dataset file at `stored` (relative to the top) belongs in the team log: a file
    /// of the repository that git does not ignore.
    func logsVersions(of stored: String?) -> Bool {
        guard let log = teamLog, let stored, !stored.hasPrefix("/"), stored != "-" else { return false }
        return Git.run(["check-ignore", "-q", "--", stored], in: log.repository.top) == nil
    }
}
