import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension Store {
    /// Runs each example of the current version (or of `options.conditions`' slice) through the
    /// command, grades each output, and records the results as a run pinned to the dataset hash —
    /// through `recordRun`, so the run is a run like any recorded one (team log, staleness, report,
    /// compare, review, judge calibration). docs/run.md has the protocol.
    ///
    /// The run's examples are fixed in a plan before anything runs, and each result is kept in the
    /// partial run's folder as it finishes (`PartialRun`): when `cancellation` is cancelled (Ctrl-C)
    /// or the process is killed, `options.resume` later finishes exactly the same run. Results are
    /// recorded in the plan's order (dataset line order, then trial), whatever `options.jobs`.
    ///
    /// Throws `ExecError` for what stops a run from starting, `EvalDBError.runExists` when the name
    /// is taken. Returns without a recorded run when interrupted.
    public func exec(
        _ options: ExecOptions, cancellation: ExecCancellation = ExecCancellation(), progress: (ExecProgress) -> Void = { _ in }
    ) throws -> ExecOutcome {
        try Self.check(options)
        guard try database.scalarInt("SELECT count(*) FROM stored_runs WHERE name = ?", [.text(options.name)]) == 0 else {
            throw EvalDBError.runExists(options.name)
        }
        let partial = PartialRun(name: options.name, databasePath: path)
        let requested = ExecPlanHeader(
            name: options.name, dataset: "", trials: options.trials, exec: options.digest,
            grader: options.judge == nil ? options.grader.spec : Grader.judge.spec, conditions: options.conditions.map(\.planText),
            only: options.only?.rawValue, onlyFrom: options.onlyFrom, reuse: options.reuse)
        var onlyChanged = 0
        if partial.exists {
            let (header, examples, _) = try partial.openPlan()
            guard options.resume else {
                var done = 0
                try partial.forEachResult { _, _, _ in done += 1 }
                throw ExecError.interruptedRunExists(name: options.name, done: done, total: examples * header.trials, folder: partial.folder)
            }
            try header.check(sameAs: requested)
        } else {
            guard !options.resume else { throw ExecError.nothingToResume(options.name) }
            onlyChanged = try makePlan(options, header: requested, in: partial)
        }
        let (header, examples, reader) = try partial.openPlan()
        guard let version = try version(hash: header.dataset) else {
            throw ExecError.resumeDatasetMissing(name: options.name, hash: header.dataset)
        }
        let total = examples * header.trials
        var done = [Bool](repeating: false, count: total)
        var tally = ExecTally()
        var reused = 0, resumed = 0
        let reusedMarker = Array("\"reused_from\": ".utf8)
        try partial.forEachResult { position, line, _ in
            guard position >= 0, position < total, !done[position] else { return }
            done[position] = true
            tally.add(line: line)
            if Grader.bytes(Array(line), contain: reusedMarker) { reused += 1 } else { resumed += 1 }
        }

        signal(SIGPIPE, SIG_IGN)  // a command that exits without reading its input must not end evaldb
        let setup = ExecSetup(options)
        cancellation.attach(setup.children)
        let results = try partial.openResults()
        defer { close(results) }
        let (executed, interrupted) = try ExecRunner.run(
            setup: setup, feed: PlanFeed(reader, trials: header.trials, done: done), jobs: options.jobs, worker: options.worker,
            results: results, resultsPath: partial.resultsPath, tally: &tally, total: total, progress: progress)
        var outcome = ExecOutcome(
            recorded: nil, total: total, done: tally.done, passed: tally.passed, failed: tally.failed, errors: tally.errors,
            errorKinds: tally.errorKinds.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) },
            executed: executed, reused: reused, reusedFrom: reused > 0 ? header.reuse : nil, resumed: resumed, onlyChanged: onlyChanged,
            usage: tally.usage, partialFolder: partial.folder, datasetHash: header.dataset)
        guard !interrupted else { return outcome }
        guard tally.done >= total else {
            throw ExecError.partialRunIncomplete(name: options.name, missing: total - tally.done, folder: partial.folder)
        }
        try partial.writeOrdered(total: total, name: options.name)
        var runOptions = RunOptions(
            name: options.name, meta: [("exec", header.exec), ("grader", header.grader)] + options.meta, gitCommit: options.gitCommit,
            author: options.author)
        runOptions.keepsSourcePath = false
        outcome.recorded = try recordRun(partial.orderedPath, against: version, options: runOptions)
        partial.remove()
        return outcome
    }

    private static func check(_ options: ExecOptions) throws {
        guard !options.name.isEmpty else { throw EvalDBError.emptyName(.run) }
        guard let program = options.command.first else { throw ExecError.invalidSetting("no command to run") }
        guard options.trials >= 1 else { throw ExecError.invalidSetting("trials must be 1 or more") }
        guard options.jobs >= 1 else { throw ExecError.invalidSetting("jobs must be 1 or more") }
        guard options.timeout > 0 else { throw ExecError.invalidSetting("the timeout must be above 0") }
        guard options.retries >= 0 else { throw ExecError.invalidSetting("retries must be 0 or more") }
        guard options.maxOutputBytes >= 1 else { throw ExecError.invalidSetting("the output limit must be 1 byte or more") }
        guard (options.only == nil) == (options.onlyFrom == nil) else {
            throw ExecError.invalidSetting("a result filter needs the run whose results it filters, and that run a filter")
        }
        if let problem = options.grader.patternProblem { throw ExecError.invalidSetting(problem) }
        if let key = options.meta.first(where: { ExecOptions.metaKeys.contains($0.key) })?.key {
            throw ExecError.invalidSetting("the meta key \(JSONText.string(key)) is set by the run itself")
        }
        guard ChildProcess.canStart(program) else { throw ExecError.cannotStart(program) }
        if let judge = options.judge {
            guard let judgeProgram = judge.first else { throw ExecError.invalidSetting("no judge command to run") }
            guard ChildProcess.canStart(judgeProgram) else { throw ExecError.cannotStart(judgeProgram) }
        }
    }

    /// Writes the plan of a new run: the examples of the current version that the conditions and
    /// the result filter select, and the results reused for them. Returns how many examples the
    /// filter matched but left out because their graded content changed since.
    private func makePlan(_ options: ExecOptions, header requested: ExecPlanHeader, in partial: PartialRun) throws -> Int {
        guard let version = try currentVersion() else { throw EvalDBError.emptyDatabase }
        var header = requested
        header.dataset = version.hash
        let onlyRun = try options.onlyFrom.map { try run(named: $0) }
        let reuseRun = try options.reuse.map { try run(named: $0) }
        if let reuseRun, Self.metaValue(reuseRun.meta, "exec").map({ !$0.utf8.elementsEqual(options.digest.utf8) }) ?? true {
            throw ExecError.reuseFromOtherCommand(reuseRun.name)
        }
        let lookup = try RunLookup(database)
        let comparer = try RecordComparer(database)
        let trials = options.trials
        var count = 0, changed = 0
        var tape = JSONTape()
        try partial.create(header: header) { emit, reuse in
            // Without conditions every record: read as export reads them, no slice values made.
            let each = { (body: (UnsafeBufferPointer<UInt8>) throws -> Void) in
                options.conditions.isEmpty ? try self.forEachRecord(of: version, body) : try self.slice(version, where: options.conditions, body)
            }
            try each { record in
                guard onlyRun != nil || reuseRun != nil else {  // nothing to look up: the record is the plan's
                    count += 1
                    return try emit(Array(record))
                }
                guard (try? JSONParser.parse(record, into: &tape)) != nil, let idNode = tape.member(0, "id"),
                    let key = try lookup.key(of: tape.string(idNode))
                else { return }
                if let onlyRun, let filter = options.only {
                    guard let outcome = try lookup.outcome(of: key, in: onlyRun), filter == .failed ? outcome.failed : outcome.errored else { return }
                    guard try comparer.hasSameGradedContent(key, at: onlyRun.version, and: version.row) else {
                        changed += 1
                        return
                    }
                }
                let index = count
                count += 1
                try emit(Array(record))
                if let reuseRun, case let earlier = try lookup.results(of: key, in: reuseRun), (0..<trials).allSatisfy({ earlier[$0] != nil }),
                    try comparer.hasSameGradedContent(key, at: reuseRun.version, and: version.row)
                {
                    for trial in 0..<trials { try reuse(index * trials + trial, Self.markedReused(earlier[trial]!, from: reuseRun.name)) }
                }
            }
        }
        guard count > 0 else {
            partial.remove()
            throw ExecError.nothingSelected
        }
        return changed
    }

    /// A reused result line, with `reused_from` naming the run it was made in (kept when it was
    /// reused there too).
    private static func markedReused(_ line: [UInt8], from run: String) -> [UInt8] {
        guard let tape = try? JSONParser.parse(bytes: line), tape.nodes.first?.kind == .object else { return line }
        var object = CanonicalObject(tape, 0)
        if object["reused_from"] == nil { object["reused_from"] = JSONText.string(run) }
        return Array(object.text.utf8)
    }

    /// A string member of a run's meta (canonical JSON of an object).
    static func metaValue(_ meta: String, _ key: String) -> String? {
        guard let tape = try? JSONParser.parse(meta), tape.nodes.first?.kind == .object, let node = tape.member(0, key),
            tape.nodes[node].kind == .string
        else { return nil }
        return tape.string(node)
    }
}

extension SliceCondition {
    /// The condition as a plan records it: `key=value`, or `key^=prefix`.
    var planText: String {
        switch match {
        case .equals(let value): key + "=" + value
        case .prefix(let prefix): key + "^=" + prefix
        }
    }
}

/// The lookups a plan makes per example: its key, and its results in the runs `run exec` selects
/// from or reuses — one indexed query each, so that memory does not grow with the runs.
private struct RunLookup {
    private let key: Statement
    private let outcome: Statement
    private let results: Statement

    init(_ database: Database) throws {
        key = try database.prepare("SELECT key FROM stored_examples WHERE id = ?")
        let errored = ErroredResult.sql("record")
        outcome = try database.prepare(
            "SELECT max(CASE WHEN pass = 0 AND NOT \(errored) THEN 1 ELSE 0 END), max(\(errored)), count(*) FROM stored_results WHERE run = ? AND example = ?"
        )
        results = try database.prepare("SELECT trial, record FROM stored_results WHERE run = ? AND example = ? AND NOT \(errored)")
    }

    func key(of id: String) throws -> Int64? {
        try key.bind([.text(id)])
        defer { key.reset() }
        return try key.step() ? key.int(0) : nil
    }

    /// Whether a graded trial of the example failed in `run`, and whether a trial errored; nil when
    /// `run` has no result for it.
    func outcome(of example: Int64, in run: EvalRun) throws -> (failed: Bool, errored: Bool)? {
        try outcome.bind([.int(run.id), .int(example)])
        defer { outcome.reset() }
        guard try outcome.step(), outcome.int(2) > 0 else { return nil }
        return (outcome.int(0) != 0, outcome.int(1) != 0)
    }

    /// The example's results in `run` that are not errors, by trial.
    func results(of example: Int64, in run: EvalRun) throws -> [Int: [UInt8]] {
        try results.bind([.int(run.id), .int(example)])
        defer { results.reset() }
        var byTrial: [Int: [UInt8]] = [:]
        while try results.step() { byTrial[Int(results.int(0))] = Array(results.bytes(1).bindMemory(to: UInt8.self)) }
        return byTrial
    }
}
