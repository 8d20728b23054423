import Foundation

extension Store {
    /// Records `reviewer`'s verdict on the result of `run` for example `key`, trial `trial`, in the
    /// database and the team log. Call inside a write transaction. Its event (made also without a
    /// team log, for its id) is in force over every verdict on the result before it (`LatestEvent`).
    func setVerdict(run: EvalRun, key: Int64, id: String, trial: Int, pass: Bool, reviewer: String, at: String) throws {
        let inForce = try factInForce(
            """
            SELECT set_at, event FROM human_verdicts WHERE run = ? AND example = ? AND trial = ?
            ORDER BY \(LatestEvent.first(at: "set_at", event: "event", row: "id")) LIMIT 1
            """, [.int(run.id), .int(key), .int(Int64(trial))])
        let runEvent = try database.scalarText("SELECT event FROM run_files WHERE run = ?", [.int(run.id)])
        let event = LatestEvent.replacing(
            "verdict",
            [
                "run": .string(run.name), "run_event": runEvent.map { .string($0) }, "id": .string(id), "trial": .int(trial),
                "pass": .bool(pass), "by": .string(reviewer),
            ], now: at, latest: inForce)
        try insertVerdict(run: run.id, key: key, trial: Int64(trial), pass: pass, event: event)
        try teamLog?.append(event)
    }

    /// A verdict from the team log: on the run its file recorded (or, failing that, of its name).
    func applyVerdict(_ event: LogEvent) throws -> Bool {
        guard let id = event.string("id"), event.string("by") != nil, let pass = event.json("pass"), pass == "true" || pass == "false"
        else { return true }  // nothing to apply; the line stays in its file
        let trial = event.json("trial").flatMap { Int64($0) } ?? 0
        guard let run = try run(of: event), let key = try database.scalarInt("SELECT key FROM stored_examples WHERE id = ?", [.text(id)]) else {
            return false
        }
        try insertVerdict(run: run, key: key, trial: trial, pass: pass == "true", event: event)
        return true
    }

    /// The row of a `verdict` event: which verdict on a result is in force is decided when it is
    /// read (`latestVerdict`), never by the order rows were inserted in.
    private func insertVerdict(run: Int64, key: Int64, trial: Int64, pass: Bool, event: LogEvent) throws {
        try database.cachedStatement("INSERT INTO human_verdicts(run, example, trial, pass, reviewer, set_at, event) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .run([.int(run), .int(key), .int(trial), .int(pass ? 1 : 0), .text(event.string("by") ?? ""), .text(event.at), .text(event.id)])
    }

    /// SQL: the verdict row `h` is the one in force on its result (run, example, trial).
    static let latestVerdict = """
        h.id = (SELECT g.id FROM human_verdicts g WHERE g.run = h.run AND g.example = h.example AND g.trial = h.trial
                ORDER BY \(LatestEvent.first(at: "g.set_at", event: "g.event", row: "g.id")) LIMIT 1)
        """

    /// Records verdicts from a JSONL file of `{"id", "trial"?, "pass", "reviewer"?}` lines on the
    /// results of `run`. Without `"trial"` a verdict is on every trial of the example. A line
    /// without `"reviewer"` is `reviewer`'s. Any invalid line (not an object, a missing or mistyped
    /// member, an id or trial the run has no result for): every problem is reported and nothing is
    /// recorded. Returns the number of results given a verdict.
    @discardableResult
    public func recordVerdicts(_ path: String, run: EvalRun, reviewer: String?, maxErrors: Int = 50) throws -> Int {
        let reader = JSONLObjects(path: path, what: "a verdict", maxErrors: maxErrors)
        var trialsOf: [String: (key: Int64, trials: [Int])] = [:]
        let rows = try database.prepare(
            "SELECT e.id, x.example, x.trial FROM stored_results x JOIN stored_examples e ON e.key = x.example WHERE x.run = ? ORDER BY x.line")
        try rows.bind([.int(run.id)])
        while try rows.step() {
            trialsOf[rows.text(0), default: (rows.int(1), [])].trials.append(Int(rows.int(2)))
        }
        var verdicts: [(key: Int64, id: String, trial: Int, pass: Bool, reviewer: String)] = []
        try reader.forEach { line in
            let tape = line.tape
            func problem(_ offset: Int32, _ message: String) { reader.report(line, at: Int(offset), message) }
            guard let members = OutcomeMembers(line, in: reader) else { return }
            var who = reviewer
            if let node = tape.member(0, "reviewer") {
                guard tape.nodes[node].kind == .string, !tape.string(node).trimmingCharacters(in: .whitespaces).isEmpty else {
                    return problem(tape.nodes[node].source, "\"reviewer\" must be a name (a non-empty string)")
                }
                who = tape.string(node)
            }
            guard let who, !who.isEmpty else {
                return problem(tape.nodes[0].source, "a verdict needs \"reviewer\" (or a default reviewer)")
            }
            let id = members.id
            guard let results = trialsOf[id] else {
                return problem(tape.nodes[members.idNode].source, "run \(quoted(run.name)) has no result for id \(quoted(id))")
            }
            var trials = results.trials
            switch members.trial() {
            case .invalid: return
            case .absent: break
            case .given(let trial, let node):
                guard trials.contains(Int(trial)) else {
                    return problem(tape.nodes[node].source, "run \(quoted(run.name)) has no trial \(trial) for id \(quoted(id))")
                }
                trials = [Int(trial)]
            }
            for trial in trials {
                verdicts.append((results.key, id, trial, members.pass, who))
            }
        }
        try reader.throwIfInvalid()
        let at = isoNow()
        try database.writeTransaction {
            for verdict in verdicts {
                try setVerdict(
                    run: run, key: verdict.key, id: verdict.id, trial: verdict.trial, pass: verdict.pass, reviewer: verdict.reviewer, at: at)
            }
        }
        return verdicts.count
    }
}
