/// Pass rate of one slice of a run: n examples, their passes (an example with several trials
/// counts its share of passing trials), the rate and its 95% Wilson interval.
public struct SliceStatistic: Sendable {
    public var values: [String?]
    public var examples: Int
    public var passed: Double
    public var rate: Double { examples == 0 ? 0 : passed / Double(examples) }
    public var interval: ProportionInterval
    /// With clustering: the design effect the interval accounts for (1: none).
    public var designEffect: Double = 1
    /// The interval is wider than ±20 points: the slice is too small to say anything.
    public var tooSmall: Bool { interval.halfWidth > 0.2 }
    /// Results of the slice's examples that are errors (`ErroredResult`): left out of `passed` and
    /// `examples` (an example all of whose results are errors is not counted).
    public var errors = 0
}

/// `report`: a run's pass rate overall and per slice, its flaky examples and failure categories.
public struct RunReport: Sendable {
    public var run: EvalRun
    public var keys: [String]
    public var overall: SliceStatistic
    public var slices: [SliceStatistic]
    /// Examples whose trials disagree: passes of trials.
    public var flaky: [(id: String, passes: Int, trials: Int)]
    /// Failure categories of failing results, most frequent first.
    public var failures: [(category: String, count: Int)]
    /// When the run's version is not the current one: how many of its examples have another
    /// graded content (input, context, expected_output) in the current version, or are removed
    /// from it — the results that are stale. 0 when only labels, tags, notes, source, author or
    /// created_at changed.
    public var changedSince: Int?
    public var currentVersion: Int?
    /// The first 20 ids (in the run's order) of examples with a result that is an error
    /// (`overall.errors` counts those results).
    public var erroredIds: [String] = []
}

extension Store {
    /// `clusterBy`: a label key or field whose examples sharing a value are not independent (a
    /// conversation, a topic); the intervals then account for the design effect.
    ///
    /// The results are read in example order (the results table's key) and each example's outcome
    /// is added to running tallies as soon as its trials are read, its slice values looked up a
    /// batch of examples at a time, in key order: memory holds the tallies, not the run (with
    /// `clusterBy`, each slice's outcomes and clusters, which the design effect needs, go to a
    /// temporary file beyond a buffer: `ClusteredOutcomes`).
    public func report(_ run: EvalRun, by keys: [String] = [], clusterBy: String? = nil) throws -> RunReport {
        try report(run, by: keys, clusterBy: clusterBy, grouping: nil)
    }

    /// `grouping`: the run's version's examples grouped by `keys` (no `clusterBy`), when the caller
    /// keeps one for several runs of that version (`trend`); nil: made here.
    func report(_ run: EvalRun, by keys: [String], clusterBy: String?, grouping: SliceGrouping?) throws -> RunReport {
        try database.scanning { try scannedReport(run, by: keys, clusterBy: clusterBy, grouping: grouping) }  // every result read once
    }

    private func scannedReport(_ run: EvalRun, by keys: [String], clusterBy: String?, grouping given: SliceGrouping?) throws -> RunReport {
        // A category set in review replaces the file's; a run nobody categorised needs no lookup a failure.
        let reviewed = try database.scalarInt("SELECT EXISTS (SELECT 1 FROM result_failures WHERE run = ?)", [.int(run.id)]) == 1
        let rows = try database.prepare(
            """
            SELECT x.example, x.pass, CASE WHEN x.pass THEN NULL ELSE \(reviewed ? ReviewSession.reviewedFailure : "x.failure") END, x.line,
                   CASE WHEN x.pass THEN 0 ELSE \(ErroredResult.sql("x.record")) END
            FROM stored_results x WHERE x.run = ? ORDER BY x.example, x.trial
            """)
        try rows.bind([.int(run.id)])
        // An example's id is read only when it is listed (flaky, errored): the results table alone is scanned.
        func id(_ key: Int64) throws -> String { try exampleId(key: key) }
        let needsValues = !keys.isEmpty || clusterBy != nil
        let wanted = keys + (clusterBy.map { [$0] } ?? [])
        let grouping =
            try given
            ?? SliceGrouping(
                SliceValueSource(self, keys: wanted, version: run.version, firstValueOf: clusterBy), keys: keys, wanted: wanted,
                readingValues: clusterBy != nil)
        let outcomes = clusterBy.map { _ in ScratchFile(of: "outcomes") }  // one file for every slice's outcomes
        var overall = SliceTally(clustered: outcomes)
        var groups: [SliceTally] = []  // by group number
        var flaky: [(line: Int64, key: Int64, passes: Int, trials: Int)] = []
        var failures: [String: Int] = [:]
        var waiting: [(key: Int64, outcome: Double?, errors: Int)] = []  // for their slice values
        var errored: [(line: Int64, key: Int64)] = []

        func add(_ batch: [(key: Int64, outcome: Double?, errors: Int)]) throws {
            guard needsValues else {
                for (_, outcome, errors) in batch { try overall.add(outcome, cluster: nil, errors: errors) }
                return
            }
            try grouping.visit(batch.map(\.key)) { position, values, numbers in
                let (key, outcome, errors) = batch[position]
                // An example without the cluster key is a cluster of its own.
                let cluster = clusterBy.map { values?[$0]?.first ?? "\u{0}example \(key)" }
                try overall.add(outcome, cluster: cluster, errors: errors)
                for group in numbers {
                    while groups.count <= group { groups.append(SliceTally(clustered: outcomes)) }
                    try groups[group].add(outcome, cluster: cluster, errors: errors)
                }
            }
        }
        var current: (key: Int64, line: Int64, passes: Int, trials: Int, errors: Int)?
        func finish() throws {
            guard let example = current else { return }
            if example.passes > 0 && example.passes < example.trials {
                flaky.append((example.line, example.key, example.passes, example.trials))
            }
            if example.errors > 0 { errored.append((example.line, example.key)) }
            waiting.append((example.key, example.trials == 0 ? nil : Double(example.passes) / Double(example.trials), example.errors))
            if waiting.count >= 4096 || !needsValues {
                try add(waiting)
                waiting.removeAll(keepingCapacity: true)
            }
        }
        while try rows.step() {
            let key = rows.int(0)
            if current?.key != key {
                try finish()
                current = (key, rows.int(3), 0, 0, 0)
            }
            current!.line = min(current!.line, rows.int(3))
            if rows.int(4) != 0 {
                current!.errors += 1  // an error is no pass and no fail
                continue
            }
            current!.trials += 1
            if rows.int(1) != 0 { current!.passes += 1 } else { failures[rows.optionalText(2) ?? "(none)", default: 0] += 1 }
        }
        try finish()
        try add(waiting)
        if needsValues { try grouping.checkKeys() }

        var slices: [SliceStatistic] = []
        if !keys.isEmpty {
            slices = try zip(grouping.combinations, groups).map { try $1.statistic($0) }.sorted { SliceCombination.precedes($0.values, $1.values) }
        }
        var changedSince: Int?
        let currentVersion = try currentVersion()
        if let currentVersion, currentVersion.hash != run.datasetHash {
            changedSince = try gradedChanges(of: run, at: currentVersion.row)
        }
        return RunReport(
            run: run, keys: keys, overall: try overall.statistic([]), slices: slices,
            flaky: try flaky.sorted { $0.line < $1.line }.map { (try id($0.key), $0.passes, $0.trials) },
            failures: failures.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) },
            changedSince: changedSince, currentVersion: currentVersion?.number,
            erroredIds: try errored.sorted { $0.line < $1.line }.prefix(20).map { try id($0.key) })
    }
}

extension Store {
    /// How many of `run`'s examples have another graded content at `version` than at the run's
    /// own version, or are removed at one of them (`RecordComparer`): its stale results. Only the
    /// examples with a revision between the two versions are looked at.
    func gradedChanges(of run: EvalRun, at version: Int) throws -> Int {
        let rows = try database.prepare(
            """
            SELECT DISTINCT example FROM stored_revisions WHERE version > ?1 AND version <= ?2
            AND example IN (SELECT example FROM stored_results WHERE run = ?3)
            """)
        try rows.bind([.int(Int64(min(run.version, version))), .int(Int64(max(run.version, version))), .int(run.id)])
        let records = try RecordComparer(database)
        var changed = 0
        while try rows.step() {
            if try !records.hasSameGradedContent(rows.int(0), at: run.version, and: version) { changed += 1 }
        }
        return changed
    }
}

/// A slice's running tally: how many examples, the sum of their outcomes (an example's share of
/// passing trials) and, when clustering, each example's outcome and cluster for the design effect
/// (`ClusteredOutcomes`: on a temporary file beyond a buffer).
private struct SliceTally {
    var examples = 0
    var passed = 0.0
    var errors = 0
    var clustered: ClusteredOutcomes?

    /// `file`: where the outcomes of a clustered tally go (nil: not clustered).
    init(clustered file: ScratchFile?) { clustered = file.map { ClusteredOutcomes(file: $0) } }

    /// Counts an example: its outcome (nil when all its results are errors) and its errors.
    mutating func add(_ outcome: Double?, cluster: String?, errors: Int) throws {
        self.errors += errors
        guard let outcome else { return }
        examples += 1
        passed += outcome
        if let cluster { try clustered?.add(outcome, cluster: cluster) }
    }

    func statistic(_ values: [String?]) throws -> SliceStatistic {
        let effect = try clustered?.designEffect() ?? 1
        let n = Double(examples) / effect
        return SliceStatistic(
            values: values, examples: examples, passed: passed,
            interval: Wilson.interval(successes: examples == 0 ? 0 : passed / Double(examples) * n, n: n),
            designEffect: effect, errors: errors)
    }
}

extension Store {
    /// The id of the example with `key` ("?" for none), through a cached statement: for the few
    /// examples a scan of results lists (a flip, a flaky or errored example).
    func exampleId(key: Int64) throws -> String {
        try database.scalarText("SELECT id FROM stored_examples WHERE key = ?", [.int(key)]) ?? "?"
    }
}
