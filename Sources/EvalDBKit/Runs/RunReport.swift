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
    /// When the run's version is not the current one: how many of its examples changed since.
    public var changedSince: Int?
    public var currentVersion: Int?
}

extension Store {
    /// `clusterBy`: a label key or field whose examples sharing a value are not independent (a
    /// conversation, a topic); the intervals then account for the design effect.
    public func report(_ run: EvalRun, by keys: [String] = [], clusterBy: String? = nil) throws -> RunReport {
        let rows = try database.prepare(
            """
            SELECT x.example, e.id, x.pass, \(ReviewSession.reviewedFailure) FROM stored_results x JOIN stored_examples e ON e.key = x.example
            WHERE x.run = ? ORDER BY x.line
            """)
        try rows.bind([.int(run.id)])
        var perExample: [Int64: (id: String, passes: Int, trials: Int)] = [:]
        var order: [Int64] = []
        var failures: [String: Int] = [:]
        while try rows.step() {
            let key = rows.int(0)
            if perExample[key] == nil { order.append(key) }
            var entry = perExample[key] ?? (rows.text(1), 0, 0)
            entry.trials += 1
            if rows.int(2) != 0 { entry.passes += 1 } else { failures[rows.optionalText(3) ?? "(none)", default: 0] += 1 }
            perExample[key] = entry
        }
        // Each example's values at the run's version, when slicing or clustering needs them.
        let valuesOf = !keys.isEmpty || clusterBy != nil ? try sliceValues(of: order, at: run.version) : [:]
        try checkKeys(keys + (clusterBy.map { [$0] } ?? []), heldBy: valuesOf)
        func statistic(_ values: [String?], _ keys: [Int64]) -> SliceStatistic {
            let outcomes = keys.map { key in
                let entry = perExample[key]!
                return Double(entry.passes) / Double(entry.trials)
            }
            let passed = outcomes.reduce(0, +)
            var effect = 1.0
            if let clusterBy {
                // An example without the key is a cluster of its own.
                effect = designEffect(
                    values: outcomes,
                    clusters: keys.map { key in
                        valuesOf[key]?[clusterBy]?.first ?? "\u{0}example \(key)"
                    })
            }
            let n = Double(keys.count) / effect
            return SliceStatistic(
                values: values, examples: keys.count, passed: passed,
                interval: Wilson.interval(successes: keys.isEmpty ? 0 : passed / Double(keys.count) * n, n: n),
                designEffect: effect)
        }
        var slices: [SliceStatistic] = []
        if !keys.isEmpty {
            var groups: [[String?]: [Int64]] = [:]
            for key in order {
                for combination in valuesOf[key]!.combinations(of: keys) { groups[combination, default: []].append(key) }
            }
            slices = groups.map { statistic($0.key, $0.value) }.sorted { a, b in
                a.values.map { $0 ?? "" }.lexicographicallyPrecedes(b.values.map { $0 ?? "" })
            }
        }
        var changedSince: Int?
        let current = try currentVersion()
        if let current, current.number != run.version {
            changedSince = Int(
                try database.scalarInt(
                    """
                    SELECT count(DISTINCT example) FROM stored_revisions WHERE version > ? AND example IN (SELECT example FROM stored_results WHERE run = ?)
                    """, [.int(Int64(run.version)), .int(run.id)]) ?? 0)
        }
        return RunReport(
            run: run, keys: keys, overall: statistic([], order), slices: slices,
            flaky: order.compactMap { key in
                let entry = perExample[key]!
                return entry.passes > 0 && entry.passes < entry.trials ? (entry.id, entry.passes, entry.trials) : nil
            },
            failures: failures.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) },
            changedSince: changedSince, currentVersion: current?.number)
    }
}
