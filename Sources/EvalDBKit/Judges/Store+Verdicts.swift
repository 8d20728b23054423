import Foundation

extension Store {
    /// Records `reviewer`'s verdict on the result of `run` for example `key`, trial `trial`, in the
    /// database and the team log. Call inside a write transaction.
    func setVerdict(run: EvalRun, key: Int64, id: String, trial: Int, pass: Bool, reviewer: String, at: String) throws {
        try database.prepare("INSERT INTO human_verdicts(run, example, trial, pass, reviewer, set_at) VALUES (?, ?, ?, ?, ?, ?)")
            .run([.int(run.id), .int(key), .int(Int64(trial)), .int(pass ? 1 : 0), .text(reviewer), .text(at)])
        guard let log = teamLog else { return }
        let runEvent = try database.scalarText("SELECT event FROM run_files WHERE run = ?", [.int(run.id)])
        try log.append(
            LogEvent(
                "verdict",
                [
                    "run": .string(run.name), "run_event": runEvent.map { .string($0) }, "id": .string(id), "trial": .int(trial),
                    "pass": .bool(pass), "by": .string(reviewer), "at": .string(at),
                ]))
    }

    /// A verdict from the team log: on the run its file recorded (or, failing that, of its name).
    func applyVerdict(_ event: LogEvent) throws -> Bool {
        guard let id = event.string("id"), let reviewer = event.string("by"), let pass = event.json("pass"), pass == "true" || pass == "false"
        else { return true }  // nothing to apply; the line stays in its file
        let trial = event.json("trial").flatMap { Int64($0) } ?? 0
        guard let run = try run(of: event), let key = try database.scalarInt("SELECT key FROM stored_examples WHERE id = ?", [.text(id)]) else {
            return false
        }
        try database.prepare("INSERT INTO human_verdicts(run, example, trial, pass, reviewer, set_at) VALUES (?, ?, ?, ?, ?, ?)")
            .run([.int(run), .int(key), .int(trial), .int(pass == "true" ? 1 : 0), .text(reviewer), .text(event.at)])
        return true
    }

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
            guard let idNode = tape.member(0, "id"), tape.nodes[idNode].kind == .string else {
                return problem(tape.nodes[0].source, "a verdict needs \"id\", a string")
            }
            guard let passNode = tape.member(0, "pass"), [.true, .false].contains(tape.nodes[passNode].kind) else {
                return problem(tape.nodes[0].source, "a verdict needs \"pass\", true or false")
            }
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
            let id = tape.string(idNode)
            guard let results = trialsOf[id] else {
                return problem(tape.nodes[idNode].source, "run \(quoted(run.name)) has no result for id \(quoted(id))")
            }
            var trials = results.trials
            if let node = tape.member(0, "trial") {
                guard tape.nodes[node].kind == .integer, let trial = Int(tape.string(node)), trial >= 0 else {
                    return problem(tape.nodes[node].source, "\"trial\" must be a whole number, 0 or more")
                }
                guard trials.contains(trial) else {
                    return problem(tape.nodes[node].source, "run \(quoted(run.name)) has no trial \(trial) for id \(quoted(id))")
                }
                trials = [trial]
            }
            for trial in trials {
                verdicts.append((results.key, id, trial, tape.nodes[passNode].kind == .true, who))
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
