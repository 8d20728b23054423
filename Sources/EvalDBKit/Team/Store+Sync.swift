import Crypto
import Foundation

/// What `sync` did.
public struct SyncReport: Sendable {
    /// What became of a dataset file of the working tree.
    public enum WorkingTree: Sendable {
        /// It holds this version (the current one, or one evaldb left it at).
        case inSync(DatasetVersion)
        /// It holds an older version than the current one, made on top of it here (the versions
        /// since were not written to the file): `export -o` writes it.
        case behind(file: DatasetVersion, current: DatasetVersion)
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
    /// Events whose subject is not in the database: what they wait for is nowhere in git.
    public var eventsWaiting = 0
    /// Versions of the team log that could not be made here, with why (their change set's base is
    /// nowhere, or the commit holding them is not in this clone).
    public var unplacedVersions: [(hash: String, reason: String)] = []
    /// Versions an evaldb from before change sets recorded, that no commit holds: only the clone
    /// that made them had their records (reported, not a failure: nothing can bring them now).
    public var lostVersions: [String] = []
    /// Lines of the logs that are not events: FILE:LINE and why.
    public var problems: [DataError] = []

    /// The database holds what git and the working tree hold: no commit or working-tree file was
    /// invalid or refused, and every version, run and event of the log was placed.
    public var isComplete: Bool {
        !datasets.contains { $0.commits.contains { if case .invalid = $0.outcome { true } else { false } } }
            && !workingTree.contains { if case .invalid = $0.outcome { true } else if case .refused = $0.outcome { true } else { false } }
            && unplacedVersions.isEmpty && eventsWaiting == 0
            && !runs.contains { if case .skipped = $0.outcome { true } else { false } }
    }
}

extension Store {
    /// Makes the database equal to what git and the working tree hold (docs/teams.md): the
    /// versions' records and change sets and the other events of every log in `evals/log/`, the
    /// dataset of every commit reachable from `HEAD`, the branches, tags and remote branches
    /// (`replayHistory`), the change sets no commit holds, the dataset files of the working tree
    /// (merged as `importMerging` does), and every run's file. Idempotent and incremental: an
    /// event already applied is passed over, an unchanged log file costs one stat, and the history
    /// is not read again while no ref moved. `author` (asked only when needed) makes the version
    /// of a working-tree file with changes that no commit holds.
    public func sync(author: () -> String, onCommit: (String, SyncedCommit) -> Void = { _, _ in }) throws -> SyncReport {
        guard let repository else { throw GitError.notARepository(FileManager.default.currentDirectoryPath) }
        guard Git.run(["rev-parse", "--verify", "--quiet", "HEAD"], in: repository.top) != nil else {
            if Git.run(["--version"]) == nil { throw GitError.gitMissing }
            throw GitError.noCommits(repository.top)
        }
        try flushOutbox()
        var report = SyncReport()
        let logs = try readLogs(in: repository, report: &report)
        var touched = Set<String>()

        // The versions' own records first: the graph's rule reads them, and their change sets
        // make the versions no commit holds.
        var pending = logs.events.filter { $0.event.kind != "version" }
        try database.writeTransaction {
            for (event, _) in logs.events where event.kind == "version" {
                try recordVersionEvent(event, file: nil)
                try teamLog?.markApplied(event.id)
                if let hash = event.string("hash") { touched.insert(hash) }
                report.eventsApplied += 1
            }
            for (file, header) in logs.versionFiles {
                try recordVersionEvent(header, file: header.string("commit") == nil ? file : nil)
                try teamLog?.markApplied(header.id)
                if let hash = header.string("hash") { touched.insert(hash) }
                report.eventsApplied += 1
            }
        }

        let paths = try datasetPaths(in: repository)
        let before = try currentVersion()
        var byPath: [String: [SyncedCommit]] = [:]
        _ = try replayHistory(of: paths, in: repository, touched: &touched) { path, synced in
            byPath[path, default: []].append(synced)
            onCommit(path, synced)
        }
        report.datasets = paths.compactMap { path in byPath[path].map { (path, $0) } }
        try applyChangeSets(touched: &touched)
        for path in paths {
            report.workingTree.append((path, try syncWorkingTree(path, before: before, author: author, in: repository, touched: &touched)))
        }
        (report.unplacedVersions, report.lostVersions) = try unplacedVersions()

        var waitingFiles = Set<String>()
        try database.writeTransaction {  // one commit for every run recorded
            for file in logs.runFiles {
                guard let run = try syncRun(file, in: repository) else { continue }  // recorded before
                if case .skipped = run.outcome { waitingFiles.insert(file) }
                report.runs.append(run)
            }
        }

        // Then the rest, in the order they happened (then by event id), until a pass applies
        // nothing more.
        pending.sort { ($0.event.at, $0.event.id) < ($1.event.at, $1.event.id) }
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
        try refreshVersionInfo(Array(touched))
        return report
    }

    /// The versions the team log records that this database could not make, with why; apart, those
    /// an evaldb from before change sets recorded (no parents, no change set, no commit).
    func unplacedVersions() throws -> (unplaced: [(hash: String, reason: String)], lost: [String]) {
        let rows = try database.prepare(
            """
            SELECT hash, min(file), min(git_commit), min(base), max(parents IS NOT NULL) FROM version_records
            WHERE hash NOT IN (SELECT hash FROM stored_versions) GROUP BY hash ORDER BY min(at)
            """)
        var result: [(hash: String, reason: String)] = []
        var lost: [String] = []
        while try rows.step() {
            let hash = rows.text(0)
            if let file = rows.optionalText(1) {
                let base = rows.optionalText(3).map { " (\($0.prefix(19)))" } ?? ""
                result.append((hash, "its change set \(file) applies to a version\(base) that is not here"))
            } else if let commit = rows.optionalText(2) {
                result.append((hash, "commit \(commit.prefix(10)), which holds it, is not in this clone (is it pushed?)"))
            } else if rows.int(4) == 0 {
                lost.append(hash)
            } else {
                result.append((hash, "no commit holds it and the log has no change set of it"))
            }
        }
        return (result, lost)
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
        throws -> (
            events: [(event: LogEvent, sequence: Int)], runFiles: [String], versionFiles: [(String, LogEvent)], states: [LogState],
            fileOf: [String: String]
        )
    {
        var events: [(event: LogEvent, sequence: Int)] = []
        var runFiles: [String] = []
        var versionFiles: [(String, LogEvent)] = []
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
            // A run's or a version's file is written once: its header is all there is to read now.
            if stored.hasPrefix(Repository.logFolderName + "/runs/") {
                runFiles.append(stored)
                states.append(LogState(path: stored, bytes: stat.size, sha256: "", mtime: stat.mtime))
                continue
            }
            if stored.hasPrefix(Repository.logFolderName + "/versions/") {
                if let first = Self.firstLine(of: absolute), let header = LogEvent(line: first), header.kind == "version" {
                    versionFiles.append((stored, header))
                } else {
                    report.problems.append(
                        DataError(
                            file: stored, line: 1, column: 1, message: "not a version's file (its first line is a `version` event); left as it is"))
                }
                states.append(LogState(path: stored, bytes: stat.size, sha256: "", mtime: stat.mtime))
                continue
            }
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
            do {
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
        return (events, runFiles, versionFiles, states, fileOf)
    }

    /// Reads the versions' records of every log file (for `syncGit` on its own: `sync` reads them
    /// with the other events).
    func readVersionRecords(in repository: Repository) throws {
        try database.writeTransaction {
            for stored in Self.logFiles(in: repository) where !stored.hasPrefix(Repository.logFolderName + "/runs/") {
                guard let data = FileManager.default.contents(atPath: repository.absolute(stored)) else { continue }
                let isVersionFile = stored.hasPrefix(Repository.logFolderName + "/versions/")
                for line in data.split(separator: 0x0A) where line.firstRange(of: Array(#""event": "version""#.utf8)) != nil {
                    if let event = LogEvent(line: String(decoding: line, as: UTF8.self)), event.kind == "version" {
                        try recordVersionEvent(event, file: isVersionFile && event.string("commit") == nil ? stored : nil)
                    }
                    if isVersionFile { break }
                }
            }
        }
    }

    /// The first line of the file at `path`, without reading the rest.
    static func firstLine(of path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var bytes: [UInt8] = []
        while let chunk = try? handle.read(upToCount: 1 << 16), !chunk.isEmpty {
            if let newline = chunk.firstIndex(of: 0x0A) {
                bytes += chunk[chunk.startIndex..<newline]
                return String(decoding: bytes, as: UTF8.self)
            }
            bytes += chunk
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
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
    /// git tracks under `evals/data/`) that some commit holds.
    private func datasetPaths(in repository: Repository) throws -> [String] {
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
            try database.scalarInt("SELECT count(*) FROM commit_datasets WHERE path = ?", [.text(path)]) != 0
                || Git.run(["ls-files", "--error-unmatch", "--", path], in: repository.top) != nil
                || Git.run(["log", "--all", "-1", "--format=%H", "--", path], in: repository.top).map { !$0.isEmpty } == true
        }
    }

    /// The working tree's file at `path` (relative to the top), after the history was replayed.
    /// What the current version is: the version the file holds — as evaldb left it, else as git
    /// holds it (clean), else as it is — unless the database made versions on top of that one
    /// since (then the file is behind: nothing is undone); with changes no version holds, those
    /// changes imported as `import` does: merged with the versions made since the file's base,
    /// refused when stale or conflicting. `before` is the current version before the replay.
    private func syncWorkingTree(
        _ path: String, before: DatasetVersion?, author: () -> String, in repository: Repository, touched: inout Set<String>
    ) throws -> SyncReport.WorkingTree {
        let absolute = openablePath(path)
        // First what HEAD holds (or this clone's work on top of it), whatever the file turns out to be.
        if let head = try headVersion(of: path) {
            try settle(on: head, before: before, touched: &touched)
        } else if let before, try currentVersion()?.hash != before.hash {
            try makeCurrent(before, message: "sync: back to the version before")
        }
        guard FileManager.default.fileExists(atPath: absolute) else { return .missing }
        let base = try base(of: absolute)
        var held: DatasetVersion?
        if let base, base.isUnchanged {
            held = base.version
        } else if Git.run(["status", "--porcelain", "--", path], in: repository.top).map(\.isEmpty) == true, let head = try headVersion(of: path) {
            held = head
        } else {
            let check = try DatasetFileCheck.check(path: absolute)
            guard check.isValid else { return .invalid(check.problems) }
            held = try version(hash: check.hash)
        }
        if let held {
            let current = try settle(on: held, before: before, touched: &touched)
            if current.hash != held.hash { return .behind(file: held, current: current) }
            try recordBase(of: absolute, version: current.row)
            return .inSync(current)
        }
        // Changes of the user's own, on top of the file's base (else what HEAD holds).
        if let onto = try base?.version ?? headVersion(of: path) { try settle(on: onto, before: before, touched: &touched) }
        let options = ImportOptions(author: author(), message: "sync: changes in the working tree of \(path)")
        do {
            let merged = try importMerging(absolute, options: options)
            touched.insert(merged.result.version.hash)
            if merged.result.outcome == .created { return .imported(merged) }
            return .inSync(merged.result.version)
        } catch EvalDBError.invalidData(let errors, _) {
            return .invalid(errors)
        } catch let refusal as Refusal {
            return .refused(refusal)
        }
    }

    /// Makes `version` current — or keeps the version current before the replay (`before`) when
    /// it was made on top of `version` (work of this clone that the file does not hold yet).
    @discardableResult
    private func settle(on version: DatasetVersion, before: DatasetVersion?, touched: inout Set<String>) throws -> DatasetVersion {
        var target = version
        if let before, before.hash != version.hash, try isAncestor(version.hash, of: before.hash) { target = before }
        guard let current = try currentVersion() else { return target }
        if current.hash == target.hash { return current }
        let made = try makeCurrent(target, message: "sync: the working tree holds version \(target.number)")
        touched.insert(made.hash)
        return made
    }

    /// Whether `ancestor` is `descendant` or one of its parents' ancestors in the version graph.
    func isAncestor(_ ancestor: String, of descendant: String) throws -> Bool {
        var seen = Set<String>()
        var queue = [descendant]
        let parents = try database.prepare("SELECT parents FROM version_info WHERE hash = ?")
        while let hash = queue.popLast() {
            if hash == ancestor { return true }
            guard seen.insert(hash).inserted else { continue }
            try parents.bind([.text(hash)])
            if try parents.step() { queue += HashList.decode(parents.text(0)) }
            parents.reset()
        }
        return false
    }

    // MARK: - Runs

    /// Records the run in a run file of the log; nil when it is recorded already.
    private func syncRun(_ stored: String, in repository: Repository) throws -> (path: String, name: String, outcome: SyncReport.RunOutcome)? {
        let absolute = repository.absolute(stored)
        guard FileManager.default.isReadableFile(atPath: absolute) else { return (stored, "?", .skipped("cannot read the file")) }
        guard let header = Self.firstLine(of: absolute).flatMap(LogEvent.init(line:)), header.kind == "run", let name = header.string("name"),
            let dataset = header.string("dataset")
        else { return (stored, "?", .skipped("its first line is not a run's header")) }
        if try database.scalarInt("SELECT count(*) FROM applied_events WHERE id = ?", [.text(header.id)]) != 0 { return nil }
        if try database.scalarInt("SELECT count(*) FROM stored_runs WHERE name = ?", [.text(name)]) != 0 {
            return (stored, name, .skipped("another run has the name \(quoted(name)) here; record one of them again under another name"))
        }
        guard let version = try version(hash: dataset) else {
            return (stored, name, .skipped("its dataset \(dataset.prefix(19)) is no version here, and neither git nor the team log holds it"))
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
