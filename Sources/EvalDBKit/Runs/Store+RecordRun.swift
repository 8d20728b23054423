import Foundation

extension Store {
    /// Records the results file at `path` as a run against `version`, in one transaction.
    ///
    /// Each line: `{"id": ..., "pass": true|false}` plus optional `score` (number), `output`,
    /// `failure` (a failure category, string or null), `trial` (integer, for repeated runs of one
    /// example), and any other field, kept. Refused, with every problem's line and column and
    /// nothing written: malformed lines, ids not in the version, a duplicate (id, trial), a run name
    /// that exists. Ids of the version without a result are counted (the run is partial).
    public func recordRun(_ path: String, against version: DatasetVersion, options: RunOptions) throws -> RecordedRun {
        guard !options.name.isEmpty else { throw EvalDBError.emptyName(.run) }
        let db = database
        try db.execute("BEGIN IMMEDIATE")
        var committed = false
        defer { if !committed { try? db.execute("ROLLBACK") } }
        if try db.scalarInt("SELECT count(*) FROM stored_runs WHERE name = ?", [.text(options.name)]) != 0 {
            throw EvalDBError.runExists(options.name)
        }
        let live = try liveExamples(at: version.number)
        let results = try readResults(path, of: version, live: live, options: options)
        let withResult = Set(results.map(\.key))
        let missing = live.filter { !withResult.contains($0.value) }
        var meta: [UInt8] = []
        let metaText = "{" + options.meta.map { JSONText.string($0.key) + ": " + JSONText.string($0.value) }.joined(separator: ", ") + "}"
        if let tape = try? JSONParser.parse(metaText) { CanonicalJSON.write(tape, to: &meta) } else { meta = Array("{}".utf8) }
        let createdAt = options.date ?? isoNow()
        let sourcePath = options.recordedPath ?? (path == "-" ? nil : storedPath(path))
        try db.prepare(
            """
            INSERT INTO stored_runs(name, version, created_at, source_path, git_commit, meta, result_count, missing)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """
        ).run([
            .text(options.name), .int(Int64(version.number)), .text(createdAt), sourcePath.map(SQLValue.text) ?? .null,
            options.gitCommit.map(SQLValue.text) ?? .null, .text(String(decoding: meta, as: UTF8.self)),
            .int(Int64(results.count)), .int(Int64(missing.count)),
        ])
        let runId = try db.scalarInt("SELECT last_insert_rowid()") ?? 0
        try insertResults(results, run: runId)
        if options.logsRun, let log = teamLog {
            let header = LogEvent(
                "run",
                [
                    "name": .string(options.name), "dataset": .string(version.hash), "at": .string(createdAt),
                    "by": options.author.map { .string($0) }, "commit": options.gitCommit.map { .string($0) },
                    "meta": .json(String(decoding: meta, as: UTF8.self)), "source": sourcePath.map { .string($0) },
                    "results": .int(results.count),
                ])
            let file = try log.writeRun(name: options.name, header: header, results: results.map(\.record))
            try db.prepare("INSERT INTO run_files(run, event, path) VALUES (?, ?, ?)").run([.int(runId), .text(header.id), .text(file)])
        }
        try db.execute("COMMIT")
        committed = true
        return RecordedRun(run: try run(named: options.name), missingIds: missing.keys.sorted().prefix(20).map { $0 })
    }

    /// The result lines of the file, checked against the version's examples; throws
    /// `EvalDBError.invalidData` with every problem.
    private func readResults(_ path: String, of version: DatasetVersion, live: [String: Int64], options: RunOptions) throws -> [ResultLine] {
        let reader = JSONLObjects(path: path, what: "a result", maxErrors: options.maxErrors)
        var results: [ResultLine] = []
        var seen: [Int64: [Int64: Int]] = [:]  // key -> trial -> line
        var output: [UInt8] = []
        func result(_ line: JSONLLine) -> ResultLine? {
            let tape = line.tape
            func problem(_ offset: Int32, _ message: String) -> ResultLine? {
                reader.report(line, at: Int(offset), message)
                return nil
            }
            guard let idNode = tape.member(0, "id"), tape.nodes[idNode].kind == .string else {
                return problem(tape.nodes[0].source, "a result needs \"id\", a string")
            }
            guard let passNode = tape.member(0, "pass"), [.true, .false].contains(tape.nodes[passNode].kind) else {
                return problem(tape.nodes[0].source, "a result needs \"pass\", true or false")
            }
            var trial: Int64 = 0
            if let node = tape.member(0, "trial") {
                guard tape.nodes[node].kind == .integer, let value = Int64(tape.string(node)), value >= 0 else {
                    return problem(tape.nodes[node].source, "\"trial\" must be a whole number, 0 or more")
                }
                trial = value
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
            let id = tape.string(idNode)
            guard let key = live[id] else {
                return problem(tape.nodes[idNode].source, "id \(quoted(id)) is not an example of version \(version.number) (\(version.shortHash))")
            }
            if let first = seen[key]?[trial] {
                return problem(tape.nodes[idNode].source, "a second result for id \(quoted(id)), trial \(trial) (the first is on line \(first))")
            }
            seen[key, default: [:]][trial] = line.number
            output.removeAll(keepingCapacity: true)
            CanonicalJSON.write(tape, to: &output)
            return ResultLine(
                key: key, trial: trial, line: line.number, pass: tape.nodes[passNode].kind == .true, score: score, failure: failure,
                record: String(decoding: output, as: UTF8.self))
        }
        try reader.forEach(from: options.firstLine) { line in
            if let result = result(line) { results.append(result) }
        }
        if results.isEmpty && reader.errorCount == 0 { reader.reportFile("the file holds no results") }
        try reader.throwIfInvalid()
        return results
    }

    private func insertResults(_ results: [ResultLine], run: Int64) throws {
        let insert = try database.prepare(
            "INSERT INTO stored_results(run, example, trial, line, pass, score, failure, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        for result in results {
            try insert.run([
                .int(run), .int(result.key), .int(result.trial), .int(Int64(result.line)), .int(result.pass ? 1 : 0),
                result.score.map { .text(String($0)) } ?? .null,  // stored as REAL (the column's affinity)
                result.failure.map(SQLValue.text) ?? .null,
                .text(result.record),
            ])
        }
    }
}

/// One checked result line.
private struct ResultLine {
    var key: Int64
    var trial: Int64
    var line: Int
    var pass: Bool
    var score: Double?
    var failure: String?
    /// The whole line, canonical JSON.
    var record: String
}
