import Crypto
import Foundation

/// What `sync` did.
public struct SyncReport: Sendable {
    /// What became of a dataset file of the working tree.
    public enum WorkingTree: Sendable {
        /// It holds this version (the current one, or one evaldb left it at).
        case inSync(DatasetVersion)
        /// Its changes were imported (merged with the database's when it was behind).
        case imported(MergedImport)
        /// It is not valid: nothing imported.
        case invalid([DataError])
        /// Importing it would lose work: nothing imported (the refusal says what to do).
        case refused(Refusal)
        /// The file is not in the working tree.
        case missing
    }

    /// What became of a run's file.
    public enum RunOutcome: Sendable {
        case recorded(EvalRun)
        /// Not recorded, and why (its dataset is unknown here, its name is taken, its lines are invalid).
        case skipped(String)
    }

    public var datasets: [(path: String, commits: [SyncedCommit])] = []
    public var workingTree: [(path: String, outcome: WorkingTree)] = []
    public var runs: [(path: String, name: String, outcome: RunOutcome)] = []
    /// Events applied from the logs (read marks, failure categories, proposals, decisions, versions' records).
    public var eventsApplied = 0
    /// Events whose subject is not in the database (yet): tried again by the next sync.
    public var eventsWaiting = 0
    /// Lines of the logs that are not events: FILE:LINE and why.
    public var problems: [DataError] = []

    /// The database holds what git and the working tree hold: no commit or working-tree file was
    /// invalid or refused. (Runs skipped and events waiting for what they refer to are reported,
    /// not failures: they wait for a version another clone has not committed, say.)
    public var isComplete: Bool {
        !datasets.contains { $0.commits.contains { if case .invalid = $0.outcome { true } else { false } } }
            && !workingTree.contains { if case .invalid = $0.outcome { true } else if case .refused = $0.outcome { true } else { false } }
    }
}

extension Store {
    /// Makes the database equal to what git and the working tree hold (docs/teams.md): the
    /// versions' records and the other events of every log in `evals/log/`, each dataset file's git
    /// history (`syncGit`), the dataset files of the working tree (merged as `importMerging` does),
    /// and every run's file. Idempotent and incremental: an event already applied is passed over,
    /// and an unchanged log file costs one stat; a dataset file whose history was replayed at the
    /// same `HEAD` is not replayed again. `author` (asked only when needed) makes the version of a
    /// working-tree file with changes that no commit holds.
    public func sync(author: () -> String, onCommit: (String, SyncedCommit) -> Void = { _, _ in }) throws -> SyncReport {
        guard let repository else { throw GitError.notARepository(FileManager.default.currentDirectoryPath) }
        guard let head = Git.run(["rev-parse", "--verify", "--quiet", "HEAD"], in: repository.top) else {
            if Git.run(["--version"]) == nil { throw GitError.gitMissing }
            throw GitError.noCommits(repository.top)
        }
        var report = SyncReport()
        let logs = try readLogs(in: repository, report: &report)

        // The versions' own records first: replayed commits take their author, date and message.
        var pending = logs.events.filter { $0.event.kind != "version" }
        try database.writeTransaction {
            for (event, _) in logs.events where event.kind == "version" {
                _ = try apply(event)
                try teamLog?.markApplied(event.id)
                report.eventsApplied += 1
            }
        }

        for path in try datasetPaths(in: repository, head: head) {
            let key = "synced-head:" + path
            if try database.scalarText("SELECT value FROM settings WHERE key = ?", [.text(key)]) != head {
                let commits = try syncGit(repository.absolute(path)) { onCommit(path, $0) }
                report.datasets.append((path, commits))
                if !commits.contains(where: { if case .invalid = $0.outcome { true } else { false } }) {
                    try database.prepare("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)").run([.text(key), .text(head)])
                }
            }
            report.workingTree.append((path, try syncWorkingTree(path, author: author, in: repository)))
        }

        var waitingFiles = Set<String>()
        for file in logs.runFiles {
            guard let run = try syncRun(file, in: repository) else { continue }  // recorded before
            if case .skipped = run.outcome { waitingFiles.insert(file) }
            report.runs.append(run)
        }

        // Then the rest, in the order they happened (then in their files' order), until a pass
        // applies nothing more.
        pending.sort { ($0.event.at, $0.sequence) < ($1.event.at, $1.sequence) }
        try database.writeTransaction {
            while !pending.isEmpty {
                var waiting: [(event: LogEvent, sequence: Int)] = []
                for item in pending {
                    if try apply(item.event) {
                        try teamLog?.markApplied(item.event.id)
                        report.eventsApplied += 1
                    } else {
                        waiting.append(item)
                    }
                }
                if waiting.count == pending.count { break }
                pending = waiting
            }
            report.eventsWaiting = pending.count
            for item in pending { waitingFiles.insert(logs.fileOf[item.event.id] ?? "") }
            // A file with an event still waiting is read again next time.
            for state in logs.states where !waitingFiles.contains(state.path) {
                try database.prepare("INSERT OR REPLACE INTO log_files(path, bytes, sha256, mtime) VALUES (?, ?, ?, ?)")
                    .run([.text(state.path), .int(Int64(state.bytes)), .text(state.sha256), .int(Int64(state.mtime))])
            }
        }
        return report
    }

    // MARK: - Logs

    private struct LogState {
        var path: String
        var bytes: Int
        var sha256: String
        var mtime: Int
    }

    /// The events of the log files not applied yet (each with its place: file, then line), and the
    /// run files not read yet.
    private func readLogs(in repository: Repository, report: inout SyncReport)
        throws -> (events: [(event: LogEvent, sequence: Int)], runFiles: [String], states: [LogState], fileOf: [String: String])
    {
        var events: [(event: LogEvent, sequence: Int)] = []
        var runFiles: [String] = []
        var states: [LogState] = []
        var fileOf: [String: String] = [:]
        let known = try database.prepare("SELECT bytes, sha256, mtime FROM log_files WHERE path = ?")
        let applied = try database.prepare("SELECT 1 FROM applied_events WHERE id = ?")
        for stored in Self.logFiles(in: repository) {
            let absolute = repository.absolute(stored)
            guard let stat = Self.fileStat(absolute) else { continue }
            try known.bind([.text(stored)])
            let previous: (bytes: Int, sha256: String, mtime: Int?)? =
                try known.step()
                ? (Int(known.int(0)), known.text(1), known.optionalInt(2).map(Int.init)) : nil
            known.reset()
            if let previous, previous.bytes == stat.size, previous.mtime == stat.mtime { continue }  // one stat
            guard let data = FileManager.default.contents(atPath: absolute) else { continue }
            let bytes = [UInt8](data)
            let digest = SHA256.hash(data: bytes).hexString
            // A file that only grew is read from where the last sync stopped.
            var start = 0
            if let previous, previous.bytes <= bytes.count,
                SHA256.hash(data: bytes[..<previous.bytes]).hexString == previous.sha256
            {
                start = previous.bytes
            }
            if stored.hasPrefix(Repository.logFolderName + "/runs/") {
                runFiles.append(stored)
            } else {
                var lineNumber = bytes[..<start].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
                for line in bytes[start...].split(separator: 0x0A, omittingEmptySubsequences: false) {
                    lineNumber += 1
                    if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                    guard let event = LogEvent(line: String(decoding: line, as: UTF8.self)) else {
                        report.problems.append(
                            DataError(
                                file: stored, line: lineNumber, column: 1,
                                message: "not an evaldb event (a JSON object with \"event\"); left as it is"))
                        continue
                    }
                    try applied.bind([.text(event.id)])
                    let isApplied = try applied.step()
                    applied.reset()
                    if !isApplied && fileOf[event.id] == nil {
                        events.append((event, states.count << 32 | lineNumber))
                        fileOf[event.id] = stored
                    }
                }
            }
            states.append(LogState(path: stored, bytes: bytes.count, sha256: digest, mtime: stat.mtime))
        }
        return (events, runFiles, states, fileOf)
    }

    /// Reads the versions' records of every log file (for `syncGit` on its own: `sync` reads them
    /// with the other events).
    func loadVersionRecords(in repository: Repository) throws {
        try database.writeTransaction {
            for stored in Self.logFiles(in: repository) where !stored.hasPrefix(Repository.logFolderName + "/runs/") {
                guard let data = FileManager.default.contents(atPath: repository.absolute(stored)) else { continue }
                for line in data.split(separator: 0x0A) where line.firstRange(of: Array(#""event": "version""#.utf8)) != nil {
                    if let event = LogEvent(line: String(decoding: line, as: UTF8.self)), event.kind == "version" { _ = try apply(event) }
                }
            }
        }
    }

    /// Every `.jsonl` file under `evals/log/`, relative to the top, sorted.
    static func logFiles(in repository: Repository) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: repository.logFolder) else { return [] }
        var files: [String] = []
        while let name = walker.nextObject() as? String {
            if name.hasSuffix(".jsonl") { files.append(Repository.logFolderName + "/" + name) }
        }
        return files.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    // MARK: - Datasets

    /// The dataset files to replay: those the versions' records and this database name (else those
    /// git tracks under `evals/data/`), tracked by git (asked only of those not replayed at `head`
    /// already).
    private func datasetPaths(in repository: Repository, head: String) throws -> [String] {
        var paths = try datasetPaths().filter { !$0.hasPrefix("/") }
        let rows = try database.prepare("SELECT DISTINCT path FROM version_records WHERE path IS NOT NULL ORDER BY at")
        while try rows.step() {
            let path = rows.text(0)
            if !path.hasPrefix("/"), !paths.contains(path) { paths.append(path) }
        }
        // A repository that has no record yet (its team never synced): the dataset files git tracks
        // where the recipe keeps them.
        if paths.isEmpty, let tracked = Git.run(["ls-files", "--", ":(glob)evals/data/**/*.jsonl"], in: repository.top) {
            paths = tracked.split(separator: "\n").map(String.init)
        }
        return try paths.filter { path in
            try database.scalarText("SELECT value FROM settings WHERE key = ?", [.text("synced-head:" + path)]) == head
                || Git.run(["ls-files", "--error-unmatch", "--", path], in: repository.top) != nil
                || Git.run(["log", "-1", "--format=%H", "--", path], in: repository.top).map { !$0.isEmpty } == true
        }
    }

    /// The working tree's file at `path` (relative to the top). As git holds it (clean), it is the
    /// truth: imported as it is when no version holds it (a revert, say). With changes of the
    /// user's own, it is imported as `import` does it: merged with the versions made since its
    /// base, refused when stale.
    private func syncWorkingTree(_ path: String, author: () -> String, in repository: Repository) throws -> SyncReport.WorkingTree {
        let absolute = openablePath(path)
        guard FileManager.default.fileExists(atPath: absolute), let current = try currentVersion() else { return .missing }
        if let base = try base(of: absolute), base.isUnchanged, base.version.number == current.number { return .inSync(current) }
        let clean = Git.run(["status", "--porcelain", "--", path], in: repository.top).map(\.isEmpty) == true
        let head = clean ? Git.run(["rev-parse", "HEAD"], in: repository.top) : nil
        var options = ImportOptions(author: "", message: "sync: changes in the working tree of \(path)", gitCommit: head)
        if let head, let commit = Git.run(["log", "-1", "--format=%an%x1f%aI%x1f%s", head], in: repository.top) {
            let fields = commit.split(separator: "\u{1f}", omittingEmptySubsequences: false).map(String.init)
            if fields.count >= 3 { (options.author, options.date, options.message) = (fields[0], Self.utc(fields[1]), fields[2...].joined()) }
        }
        if options.author.isEmpty { options.author = author() }
        do {
            if clean {
                let check = try compare(file: absolute)
                guard let hash = check.hash else { return .invalid(check.problems) }
                if hash == current.hash {
                    try recordBase(of: absolute, version: current.number)
                    // HEAD holds it (a merge commit, say, which the file's own history does not list).
                    if let head, try database.scalarInt("SELECT count(*) FROM stored_versions WHERE git_commit = ?", [.text(head)]) == 0 {
                        try recordCommit(head, path: path, on: current)
                    }
                    return .inSync(current)
                }
                if let record = try versionRecord(hash: hash) {
                    (options.author, options.message, options.date) = (record.author, record.message, record.at)
                }
                let result = try importFile(absolute, options: options)
                return result.outcome == .created ? .imported(MergedImport(result: result)) : .inSync(result.version)
            }
            options.guardsMassRemoval = true
            options.refusesOlderVersion = true
            let merged = try importMerging(absolute, options: options)
            if merged.result.outcome == .created { return .imported(merged) }
            return .inSync(merged.result.version)
        } catch EvalDBError.invalidData(let errors, _) {
            return .invalid(errors)
        } catch let refusal as Refusal {
            return .refused(refusal)
        }
    }

    // MARK: - Runs

    /// Records the run in a run file of the log; nil when it is recorded already.
    private func syncRun(_ stored: String, in repository: Repository) throws -> (path: String, name: String, outcome: SyncReport.RunOutcome)? {
        let absolute = repository.absolute(stored)
        guard let reader = try? LineReader(path: absolute) else { return (stored, "?", .skipped("cannot read the file")) }
        var headerLine: String?
        try reader.forEachLine { number, line in
            if number == 1 { headerLine = String(decoding: line, as: UTF8.self) }
        }
        guard let header = headerLine.flatMap(LogEvent.init(line:)), header.kind == "run", let name = header.string("name"),
            let dataset = header.string("dataset")
        else { return (stored, "?", .skipped("its first line is not a run's header")) }
        if try database.scalarInt("SELECT count(*) FROM applied_events WHERE id = ?", [.text(header.id)]) != 0 { return nil }
        if try database.scalarInt("SELECT count(*) FROM stored_runs WHERE name = ?", [.text(name)]) != 0 {
            return (stored, name, .skipped("another run has the name \(quoted(name)) here; record one of them again under another name"))
        }
        guard let version = try versions().last(where: { $0.hash == dataset }) else {
            return (stored, name, .skipped("its dataset \(dataset.prefix(19)) is no version here (is the dataset file committed?)"))
        }
        var meta: [(key: String, value: String)] = []
        if let text = header.json("meta"), let object = try? CanonicalObject(parsing: text) {
            meta = object.members.map { member in
                let value = (try? JSONParser.parse(member.value)).flatMap { $0.nodes.first?.kind == .string ? $0.string(0) : nil }
                return (member.key, value ?? member.value)
            }
        }
        var options = RunOptions(name: name, meta: meta, gitCommit: header.string("commit"), author: header.string("by"))
        options.date = header.at
        options.logsRun = false
        options.firstLine = 2
        options.recordedPath = header.string("source")
        do {
            let recorded = try recordRun(absolute, against: version, options: options)
            try database.writeTransaction {
                try database.prepare("INSERT INTO run_files(run, event, path) VALUES (?, ?, ?)")
                    .run([.int(recorded.run.id), .text(header.id), .text(stored)])
                try teamLog?.markApplied(header.id)
            }
            return (stored, name, .recorded(recorded.run))
        } catch EvalDBError.invalidData(let errors, _) {
            return (stored, name, .skipped("\(errors.count) errors, the first \(errors.first.map(String.init(describing:)) ?? "?")"))
        }
    }
}
