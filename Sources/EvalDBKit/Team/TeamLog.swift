import Crypto
import Foundation

/// The team's state as plain files in the repository, written as it is made (docs/teams.md):
///
/// - `evals/log/<who>-<clone>.jsonl`: the events of one database (one clone), one canonical JSON
///   line each, appended and never rewritten. Only that database writes to it, so two clones never
///   touch the same file and `git merge` has nothing to conflict on.
/// - `evals/log/runs/<name>-<id>.jsonl`: one file a run, written once: a header line (the run's
///   name, dataset hash, time, commit, meta) and then its result lines.
struct TeamLog {
    let repository: Repository
    let database: Database

    /// Appends `event` to this database's log file (made on first use, named after `who`) and
    /// records it as applied. Call it inside the transaction that applies the event, just before
    /// it commits: a crash in between leaves an event that `sync` applies, never a change that
    /// only the database knows.
    func append(_ event: LogEvent, who: String) throws {
        let path = repository.absolute(try logFile(who: who))
        try append(Array((event.text + "\n").utf8), to: path)
        try markApplied(event.id)
    }

    /// Writes a run's file: its header event, then its result lines. Returns the file's stored path.
    func writeRun(name: String, header: LogEvent, results: Spool) throws -> String {
        let stored = "\(Repository.logFolderName)/runs/\(Self.slug(name))-\(header.id.prefix(12)).jsonl"
        try append(Array((header.text + "\n").utf8), to: repository.absolute(stored), then: results)
        try markApplied(header.id)
        return stored
    }

    func markApplied(_ id: String) throws {
        try database.prepare("INSERT OR IGNORE INTO applied_events(id) VALUES (?)").run([.text(id)])
    }

    /// This database's log file, relative to the top: chosen once, kept in `settings`.
    private func logFile(who: String) throws -> String {
        if let path = try database.scalarText("SELECT value FROM settings WHERE key = 'log_file'") { return path }
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

    /// Appends `bytes` (and then what `spool` holds) to the file at `path` (made, with its folders,
    /// when missing) and syncs it.
    func append(_ bytes: [UInt8], to path: String, then spool: Spool? = nil) throws {
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw EvalDBError.cannotWrite(path: folder, reason: error.localizedDescription)
        }
        // Belt and braces: should two commits ever append to one log file, git keeps both sides' lines.
        let attributes = repository.logFolder + "/.gitattributes"
        if !FileManager.default.fileExists(atPath: attributes) {
            _ = FileManager.default.createFile(atPath: attributes, contents: Data("*.jsonl merge=union\n".utf8))
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard descriptor >= 0 else { throw EvalDBError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        try bytes.withUnsafeBufferPointer { try writeAll(descriptor, $0, path: path) }
        try spool?.copy(to: descriptor, path: path)
        guard fsync(descriptor) == 0 else { throw EvalDBError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
    }
}

extension Store {
    /// The team log of the repository this database indexes, when it has one.
    var teamLog: TeamLog? { repository.map { TeamLog(repository: $0, database: database) } }

    /// A path as this database stores it: relative to the repository's top when inside it.
    public func storedPath(_ path: String) -> String { repository?.stored(path) ?? path }

    /// A stored path as a path to open.
    public func openablePath(_ stored: String) -> String { repository?.absolute(stored) ?? stored }
}
