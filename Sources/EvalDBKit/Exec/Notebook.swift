import Foundation

/// The recipe's notebook loop (`review --exec`): each example shown is run through the system as
/// it is shown and graded (`CachedSystem`); the outputs shown, and the reviewer's verdicts on them,
/// become a run of their own when the session ends (docs/run.md, "The notebook loop").
public final class Notebook {
    private let store: Store
    private let system: CachedSystem
    private let version: DatasetVersion
    /// The results shown, in the order first shown, by example id.
    private var shown: [(id: String, line: [UInt8])] = []
    private var shownIndex: [ExactString: Int] = [:]
    private var verdicts: [(id: String, pass: Bool)] = []

    /// A notebook for the current version; `options.name` names the run it records. Its commands
    /// run in evaldb's own process group: Ctrl-C at the terminal stops them with the review.
    public init(store: Store, options: ExecOptions) throws {
        guard let version = try store.currentVersion() else { throw EvalDBError.emptyDatabase }
        self.store = store
        self.version = version
        system = try CachedSystem(options: options, databasePath: store.path, ownGroup: false)
    }

    /// Whether showing the example (its canonical record) runs nothing.
    public func isCached(_ record: String) -> Bool { system.isCached(record) }

    /// The run the session's outputs become.
    public var runName: String { system.options.name }

    /// Runs the example through the system, or takes its output from the cache; nil when the
    /// record cannot be read or the run was interrupted.
    public func result(of record: String) -> SystemResult? {
        guard let (line, cached, id) = system.line(of: record, run: true) else { return nil }
        if let index = shownIndex[ExactString(id)] {
            shown[index].line = line
        } else {
            shownIndex[ExactString(id)] = shown.count
            shown.append((id, line))
        }
        return CachedSystem.describe(line, cached: cached)
    }

    /// The reviewer's verdict on the output shown for `id` (the latest of several counts).
    public func setVerdict(_ id: String, pass: Bool) {
        verdicts.append((id, pass))
    }

    /// Records the outputs shown as the run `system.options.name`, pinned to the version the session
    /// started on, and the verdicts as `reviewer`'s on its results. Nil when nothing was shown.
    public func finish(reviewer: String) throws -> (run: RecordedRun, verdicts: Int)? {
        guard !shown.isEmpty else { return nil }
        let base = (store.path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: (base.isEmpty ? "." : base) + "/exec", withIntermediateDirectories: true)
        let path = (base.isEmpty ? "." : base) + "/exec/notebook-run-\(getpid()).jsonl"
        let file = try BufferedFile(path: path)
        for entry in shown { try file.append(entry.line + [0x0A]) }
        try file.finish()
        defer { unlink(path) }
        var runOptions = RunOptions(
            name: system.options.name, meta: [("exec", system.options.digest), ("grader", system.setup.grader.spec)] + system.options.meta,
            gitCommit: system.options.gitCommit,
            author: reviewer)
        runOptions.keepsSourcePath = false
        let recorded = try store.recordRun(path, against: version, options: runOptions)
        var given = 0
        try store.database.writeTransaction {
            let at = isoNow()
            for verdict in verdicts {
                guard shownIndex[ExactString(verdict.id)] != nil,
                    let key = try store.database.scalarInt("SELECT key FROM stored_examples WHERE id = ?", [.text(verdict.id)])
                else { continue }
                try store.setVerdict(run: recorded.run, key: key, id: verdict.id, trial: 0, pass: verdict.pass, reviewer: reviewer, at: at)
                given += 1
            }
        }
        return (recorded, given)
    }
}
