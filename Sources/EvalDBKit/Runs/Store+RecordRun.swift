import Foundation

extension Store {
    /// Records the results file at `path` as a run against `version`, in one transaction.
    ///
    /// Each line: `{"id": ..., "pass": true|false}` plus optional `score` (number), `output`,
    /// `failure` (a failure category, string or null), `trial` (integer, for repeated runs of one
    /// example), and any other field, kept. Refused, with every problem's line and column and
    /// nothing written: malformed lines, ids not in the version, a duplicate (id, trial), a run name
    /// that exists. Ids of the version without a result are counted (the run is partial).
    ///
    /// The file is streamed: each result is written as it is read (and copied aside for the team
    /// log), and a problem rolls the whole transaction back, so memory does not grow with the file.
    public func recordRun(_ path: String, against version: DatasetVersion, options: RunOptions) throws -> RecordedRun {
        guard !options.name.isEmpty else { throw EvalDBError.emptyName(.run) }
        // Its own transaction; inside one already (sync recording many runs), a savepoint of it.
        let missingIds = try database.writeTransaction { try writeRun(path, against: version, options: options) }
        return RecordedRun(run: try run(named: options.name), missingIds: missingIds)
    }

    /// The writes of `recordRun`, in its transaction: the run's row, its results, its team log
    /// file. Returns the first 20 ids of the version without a result.
    private func writeRun(_ path: String, against version: DatasetVersion, options: RunOptions) throws -> [String] {
        let db = database
        if try db.scalarInt("SELECT count(*) FROM stored_runs WHERE name = ?", [.text(options.name)]) != 0 {
            throw EvalDBError.runExists(options.name)
        }
        var meta: [UInt8] = []
        let metaText = "{" + options.meta.map { JSONText.string($0.key) + ": " + JSONText.string($0.value) }.joined(separator: ", ") + "}"
        if let tape = try? JSONParser.parse(metaText) { CanonicalJSON.write(tape, to: &meta) } else { meta = Array("{}".utf8) }
        let createdAt = options.date ?? isoNow()
        let sourcePath = options.keepsSourcePath ? options.recordedPath ?? (path == "-" ? nil : storedPath(path)) : nil
        // The counts are known once the file is read: the row is completed then, in this transaction.
        try db.prepare(
            """
            INSERT INTO stored_runs(name, version, created_at, source_path, git_commit, meta, result_count, missing)
            VALUES (?, ?, ?, ?, ?, ?, 0, 0)
            """
        ).run([
            .text(options.name), .int(Int64(version.row)), .text(createdAt), sourcePath.map(SQLValue.text) ?? .null,
            options.gitCommit.map(SQLValue.text) ?? .null, .text(String(decoding: meta, as: UTF8.self)),
        ])
        let runId = try db.scalarInt("SELECT last_insert_rowid()") ?? 0
        let count = try recordResults(path, of: version, run: runId, options: options)
        let withResult = try db.scalarInt("SELECT count(DISTINCT example) FROM stored_results WHERE run = ?", [.int(runId)]) ?? 0
        let missing = Int64(version.exampleCount) - withResult
        try db.prepare("UPDATE stored_runs SET result_count = ?, missing = ? WHERE id = ?").run([
            .int(Int64(count)), .int(missing), .int(runId),
        ])
        if options.logsRun, let log = teamLog {
            let header = LogEvent(
                "run",
                [
                    "name": .string(options.name), "dataset": .string(version.hash), "at": .string(createdAt),
                    "by": options.author.map { .string($0) }, "commit": options.gitCommit.map { .string($0) },
                    "meta": .json(String(decoding: meta, as: UTF8.self)), "source": sourcePath.map { .string($0) },
                    "results": .int(count),
                ])
            let file = try log.writeRun(name: options.name, header: header, run: runId)
            try db.prepare("INSERT INTO run_files(run, event, path) VALUES (?, ?, ?)").run([.int(runId), .text(header.id), .text(file)])
        }
        return missing > 0 ? try idsWithoutResult(run: runId, version: version.row, limit: 20) : []
    }

    /// The first `limit` ids, in id order, of the examples of `version` that `run` has no result for.
    private func idsWithoutResult(run: Int64, version: Int, limit: Int) throws -> [String] {
        let rows = try database.prepare(
            """
            SELECT e.id FROM stored_examples e
            WHERE NOT EXISTS (SELECT 1 FROM stored_results x WHERE x.run = ?1 AND x.example = e.key)
              AND (SELECT r.kind FROM stored_revisions r WHERE r.example = e.key AND r.version <= ?2
                   ORDER BY r.version DESC, r.rev DESC LIMIT 1) != 'removed'
            ORDER BY e.id LIMIT ?3
            """)
        try rows.bind([.int(run), .int(Int64(version)), .int(Int64(limit))])
        var ids: [String] = []
        while try rows.step() { ids.append(rows.text(0)) }
        return ids
    }

    /// Reads the result lines of the file, checks each against the version's examples and writes
    /// it (and copies its canonical line to `spool`); returns how many. Throws
    /// `EvalDBError.invalidData` with every problem, the caller's transaction then rolled back.
    private func recordResults(_ path: String, of version: DatasetVersion, run: Int64, options: RunOptions) throws -> Int {
        let reader = JSONLObjects(path: path, what: "a result", maxErrors: options.maxErrors)
        // An example of the version: of the current one, a live head (no revision read); of an
        // older one, its revision at that version is not a removal.
        let isCurrent = try currentVersion()?.row == version.row
        let example = try database.prepare(
            isCurrent
                ? "SELECT key, head_sha256 IS NOT NULL, ?2 FROM stored_examples WHERE id = ?1"
                : """
                SELECT e.key, ifnull((SELECT r.kind FROM stored_revisions r WHERE r.example = e.key AND r.version <= ?2
                                      ORDER BY r.version DESC, r.rev DESC LIMIT 1) != 'removed', 0)
                FROM stored_examples e WHERE e.id = ?1
                """)
        let insert = try database.prepare(
            "INSERT INTO stored_results(run, example, trial, line, pass, score, failure, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        let firstLine = try database.prepare("SELECT line FROM stored_results WHERE run = ? AND example = ? AND trial = ?")
        var count = 0
        var output: [UInt8] = []
        func record(_ line: JSONLLine) throws {
            let tape = line.tape
            func problem(_ offset: Int32, _ message: String) { reader.report(line, at: Int(offset), message) }
            guard let members = OutcomeMembers(line, in: reader) else { return }
            let idNode = members.idNode
            let trial: Int64
            switch members.trial() {
            case .invalid: return
            case .absent: trial = 0
            case .given(let value, _): trial = value
            }
            var score: Double?
            if let node = tape.member(0, "score"), tape.nodes[node].kind != .null {
                guard [.integer, .float].contains(tape.nodes[node].kind), let value = Double(tape.string(node)) else {
                    return problem(tape.nodes[node].source, "\"score\" must be a number")
                }
                score = value
            }
            var failure: String?
            if let node = tape.member(0, "failure"), tape.nodes[node].kind != .null {
                guard tape.nodes[node].kind == .string else {
                    return problem(tape.nodes[node].source, "\"failure\" must be a failure category (a string) or null")
                }
                failure = tape.string(node)
            }
            example.reset()
            try tape.bytes(idNode).withUnsafeBytes { try example.bind(bytes: $0, at: 1, asText: true) }
            try example.bind(Int64(version.row), at: 2)
            guard try example.step(), example.int(1) == 1 else {
                example.reset()
                let id = tape.string(idNode)
                return problem(tape.nodes[idNode].source, "id \(quoted(id)) is not an example of version \(version.number) (\(version.shortHash))")
            }
            let key = example.int(0)
            example.reset()
            // A canonical line (a run's file in the team log, evaldb's own output) is kept as read.
            let canonical = tape.isCanonical
            if !canonical {
                output.removeAll(keepingCapacity: true)
                CanonicalJSON.write(tape, to: &output)
            }
            do {
                insert.reset()
                try insert.bind(run, at: 1)
                try insert.bind(key, at: 2)
                try insert.bind(trial, at: 3)
                try insert.bind(Int64(line.number), at: 4)
                // An error is no pass, whatever its `pass` says (the line is kept as it is).
                try insert.bind(members.pass && !ErroredResult.isError(tape) ? 1 : 0, at: 5)
                try insert.bind(score.map(SQLValue.real) ?? .null, at: 6)
                try insert.bind(failure.map(SQLValue.text) ?? .null, at: 7)
                if canonical {
                    try insert.bind(bytes: UnsafeRawBufferPointer(line.bytes), at: 8, asText: true)
                } else {
                    try output.withUnsafeBytes { try insert.bind(bytes: $0, at: 8, asText: true) }
                }
                try insert.stepToEnd()
            } catch let error as DatabaseError where error.isUniqueViolation {
                // (run, example, trial) is the table's key: the line already written holds it.
                try firstLine.bind([.int(run), .int(key), .int(trial)])
                let first = try firstLine.step() ? firstLine.int(0) : 0
                firstLine.reset()
                return problem(
                    tape.nodes[idNode].source, "a second result for id \(quoted(tape.string(idNode))), trial \(trial) (the first is on line \(first))"
                )
            }
            count += 1
        }
        try reader.forEach(from: options.firstLine) { line in try record(line) }
        if count == 0 && reader.errorCount == 0 { reader.reportFile("the file holds no results") }
        try reader.throwIfInvalid()
        return count
    }
}
