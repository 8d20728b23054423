import Foundation

/// The recipe's notebook loop (`review --exec`, `serve --exec`): each example shown is run through
/// the system as it is shown and graded (`CachedSystem`); the outputs shown, and the reviewer's
/// verdicts on them, become a run of their own when the session ends (docs/run.md, "The notebook
/// loop").
///
/// Nothing shown is lost with the process: each output shown and each verdict is appended to the
/// session's journal (`NotebookJournal`, `.evaldb/exec/notebook-session-PID-N.jsonl`) as it happens.
/// A session that ends records its run and removes the journal; one that was interrupted (Ctrl-C,
/// a closed terminal, `kill -9`) leaves it, and the next review or serve of anyone records it
/// (`Notebook.recordInterrupted`), as an interrupted review session is ended by the next one.
/// Safe to use from several threads (`serve`): it keeps no connection; `finish(in:)` is given the
/// caller's.
public final class Notebook: @unchecked Sendable {  // its contents and journal behind `lock`, no Store kept
    private let system: CachedSystem
    public let reviewer: String
    private let journal: NotebookJournal
    private let lock = NSLock()
    private var contents = NotebookJournal.Contents()

    /// A notebook for the current version, for `reviewer`'s session; `options.name` names the run it
    /// records. `ownGroup` false (the terminal): its commands run in evaldb's own process group, so
    /// that Ctrl-C at the terminal stops them with the review.
    public convenience init(store: Store, options: ExecOptions, reviewer: String, ownGroup: Bool = false) throws {
        let system = try CachedSystem(options: options, databasePath: store.path, ownGroup: ownGroup)
        try self.init(store: store, system: system, runName: options.name, reviewer: reviewer)
    }

    /// A notebook on a system shared with other sessions (`serve`: one a reviewer), recording the run `runName`.
    public init(store: Store, system: CachedSystem, runName: String, reviewer: String) throws {
        guard let version = try store.currentVersion() else { throw EvalDBError.emptyDatabase }
        self.reviewer = reviewer
        self.system = system
        let options = system.options
        let header = NotebookJournal.Header(
            run: runName, reviewer: reviewer, version: version.hash, gitCommit: options.gitCommit,
            meta: [("exec", options.digest), ("grader", system.setup.grader.spec)] + options.meta)
        journal = try NotebookJournal(databasePath: store.path, header: header)
        contents.header = header
    }

    /// `notebook-REVIEWER-20261206T101500Z`: a run name of its own for a notebook session.
    public static func defaultRunName(_ reviewer: String, at date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return "notebook-\(reviewer)-\(formatter.string(from: date))"
    }

    /// Whether showing the example (its canonical record) runs nothing.
    public func isCached(_ record: String) -> Bool { system.isCached(record) }

    /// The run the session's outputs become.
    public var runName: String { lock.withLock { contents.header.run } }

    /// Whether the system is running the example (its canonical record) now, for another request.
    public func isRunning(_ record: String) -> Bool { system.isRunning(record) }

    /// Runs the example through the system, or takes its output from the cache; nil when the
    /// record cannot be read or the run was interrupted. The output shown is journaled.
    public func result(of record: String) -> SystemResult? {
        guard let (line, cached, id) = system.line(of: record, run: true) else { return nil }
        lock.withLock {
            contents.show(id, line)
            journal.append(NotebookJournal.shown(line))
        }
        return CachedSystem.describe(line, cached: cached)
    }

    /// Starts running the example on a thread of its own (`serve`: a slow system holds no request);
    /// its output joins the notebook, journaled, when the system answers. Nothing when it is cached
    /// or running already.
    public func start(_ record: String) {
        system.start(record) { [self] line, id in
            lock.withLock {
                contents.show(id, line)
                journal.append(NotebookJournal.shown(line))
            }
        }
    }

    /// The output shown for the example, if it was shown in this session (nil: not shown yet).
    public func shownResult(of id: String) -> SystemResult? {
        lock.withLock { contents.line(of: id) }.map { CachedSystem.describe($0, cached: true) }
    }

    /// The reviewer's verdict on the output shown for `id` (the latest of several counts); journaled.
    public func setVerdict(_ id: String, pass: Bool) {
        lock.withLock {
            contents.verdicts.append((id, pass))
            journal.append(NotebookJournal.verdict(id, pass: pass))
        }
    }

    /// The reviewer's latest verdict on the output shown for `id`, if any.
    public func verdict(of id: String) -> Bool? {
        lock.withLock { contents.verdicts.last { $0.id.utf8.elementsEqual(id.utf8) }?.pass }
    }

    /// Records the outputs shown as the run `system.options.name`, pinned to the version the session
    /// started on, and the verdicts as the reviewer's on its results; then the journal goes. Nil
    /// when nothing was shown. When recording fails, the journal stays for the next session.
    /// `store`: the connection to record through (in `serve`, the request's).
    public func finish(in store: Store) throws -> (run: RecordedRun, verdicts: Int)? {
        let contents = lock.withLock { self.contents }
        let recorded = try contents.record(in: store)
        lock.withLock { journal.remove() }
        return recorded
    }

    /// Records the notebooks of sessions that were interrupted (their process is gone), each as the
    /// run it would have become, and removes their journals: what the next review or serve does
    /// first. A journal whose run exists already (recorded, then the process died before removing
    /// it) is removed.
    public static func recordInterrupted(_ store: Store) throws -> [(reviewer: String, run: RecordedRun, verdicts: Int)] {
        var recorded: [(String, RecordedRun, Int)] = []
        for path in NotebookJournal.abandoned(databasePath: store.path) {
            guard let contents = NotebookJournal.read(path) else { continue }
            if try store.database.scalarInt("SELECT count(*) FROM stored_runs WHERE name = ?", [.text(contents.header.run)]) != 0 {
                unlink(path)
                continue
            }
            if let (run, verdicts) = try contents.record(in: store) { recorded.append((contents.header.reviewer, run, verdicts)) }
            unlink(path)
        }
        return recorded
    }
}

extension NotebookJournal.Contents {
    /// Records the outputs shown as the header's run against its version, and the verdicts on them.
    func record(in store: Store) throws -> (run: RecordedRun, verdicts: Int)? {
        guard !shown.isEmpty else { return nil }
        guard let version = try store.version(hash: header.version) else { throw EvalDBError.noSuchVersion(header.version) }
        let base = (store.path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: (base.isEmpty ? "." : base) + "/exec", withIntermediateDirectories: true)
        let path = (base.isEmpty ? "." : base) + "/exec/notebook-run-\(getpid()).jsonl"
        let file = try BufferedFile(path: path)
        for entry in shown { try file.append(entry.line + [0x0A]) }
        try file.finish()
        defer { unlink(path) }
        var runOptions = RunOptions(name: header.run, meta: header.meta, gitCommit: header.gitCommit, author: header.reviewer)
        runOptions.keepsSourcePath = false
        let recorded = try store.recordRun(path, against: version, options: runOptions)
        var given = 0
        try store.database.writeTransaction {
            let at = isoNow()
            for verdict in verdicts {
                guard line(of: verdict.id) != nil,
                    let key = try store.database.scalarInt("SELECT key FROM stored_examples WHERE id = ?", [.text(verdict.id)])
                else { continue }
                try store.setVerdict(run: recorded.run, key: key, id: verdict.id, trial: 0, pass: verdict.pass, reviewer: header.reviewer, at: at)
                given += 1
            }
        }
        return (recorded, given)
    }
}
