extension ReviewSession {
    /// Gives the reviewer's pass/fail verdict on the example's results in the session's run: on
    /// `trial`, or on every trial when nil. Saved at once, like a failure category.
    public func setVerdict(_ id: String, pass: Bool, trial: Int? = nil) throws {
        guard let run else { throw EvalDBError.verdictNeedsRun }
        guard let key = try store.database.scalarInt("SELECT key FROM stored_examples WHERE id = ?", [.text(id)]) else {
            throw EvalDBError.noSuchExample(id)
        }
        let rows = try store.database.prepare("SELECT trial FROM stored_results WHERE run = ? AND example = ? ORDER BY trial")
        try rows.bind([.int(run.id), .int(key)])
        var trials: [Int] = []
        while try rows.step() { trials.append(Int(rows.int(0))) }
        if let trial { trials = trials.filter { $0 == trial } }
        guard !trials.isEmpty else { throw EvalDBError.noResult(run: run.name, id: id) }
        let at = isoNow()
        try store.database.writeTransaction {
            for trial in trials {
                try store.setVerdict(run: run, key: key, id: id, trial: trial, pass: pass, reviewer: reviewer, at: at)
            }
        }
    }
}
