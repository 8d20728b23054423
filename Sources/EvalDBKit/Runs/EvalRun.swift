import Foundation

/// An eval run: results recorded against one dataset version.
public struct EvalRun: Sendable {
    public var id: Int64
    public var name: String
    public var version: Int
    public var datasetHash: String
    public var createdAt: String
    public var sourcePath: String?
    public var gitCommit: String?
    /// Canonical JSON object of the run's `--meta K=V`.
    public var meta: String
    public var resultCount: Int
    /// Examples of the version that have no result (0: the run is complete).
    public var missing: Int

    static let columns = """
        r.id, r.name, r.version, v.hash, r.created_at, r.source_path, r.git_commit, r.meta, r.result_count, r.missing
        """

    init(_ row: Statement) {
        id = row.int(0)
        name = row.text(1)
        version = Int(row.int(2))
        datasetHash = row.text(3)
        createdAt = row.text(4)
        sourcePath = row.optionalText(5)
        gitCommit = row.optionalText(6)
        meta = row.text(7)
        resultCount = Int(row.int(8))
        missing = Int(row.int(9))
    }
}

/// What `run record` is told besides the file.
public struct RunOptions: Sendable {
    public var name: String
    public var meta: [(key: String, value: String)]
    public var gitCommit: String?
    public var maxErrors: Int
    /// Who recorded the run (kept in its file in the team log).
    public var author: String?
    /// When it was recorded (ISO 8601); now when nil.
    public var date: String?
    /// Write the run's file to the team log (false when `sync` reads the run from that file).
    var logsRun = true
    /// Results start on this line of the file (2 in a run's file in the team log, after its header).
    var firstLine = 1
    /// The source path to record, when it is not the path read.
    var recordedPath: String?
    /// Record no source path (`run exec`: the file read is its own, removed once recorded).
    var keepsSourcePath = true

    public init(
        name: String, meta: [(key: String, value: String)] = [], gitCommit: String? = nil, maxErrors: Int = 50,
        author: String? = nil
    ) {
        self.name = name
        self.meta = meta
        self.gitCommit = gitCommit
        self.maxErrors = maxErrors
        self.author = author
    }
}

/// A recorded run, and the ids of its version that it has no result for.
public struct RecordedRun: Sendable {
    public var run: EvalRun
    /// The first few ids without a result (`run.missing` counts them all).
    public var missingIds: [String]
}

extension Store {
    /// Every run, oldest first (by when it was recorded, then by name: the same order in every
    /// clone, whatever order a sync recorded them in).
    public func runs() throws -> [EvalRun] {
        let rows = try database.prepare(
            "SELECT \(EvalRun.columns) FROM stored_runs r JOIN stored_versions v ON v.number = r.version ORDER BY r.created_at, r.name")
        var result: [EvalRun] = []
        while try rows.step() { result.append(EvalRun(rows)) }
        return result
    }

    /// The run with this name.
    public func run(named name: String) throws -> EvalRun {
        let rows = try database.prepare(
            "SELECT \(EvalRun.columns) FROM stored_runs r JOIN stored_versions v ON v.number = r.version WHERE r.name = ?")
        try rows.bind([.text(name)])
        guard try rows.step() else { throw EvalDBError.noSuchRun(name) }
        return EvalRun(rows)
    }

    /// The run's result lines as recorded (canonical JSON), in the file's order: `run export`,
    /// which `run record` reads back.
    public func exportRun(_ run: EvalRun, _ body: (String) throws -> Void) throws {
        let rows = try database.prepare("SELECT record FROM stored_results WHERE run = ? ORDER BY line")
        try rows.bind([.int(run.id)])
        while try rows.step() { try body(rows.text(0)) }
    }
}
