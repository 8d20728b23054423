/// `compare`: two runs paired on the examples both hold with identical content.
public struct RunComparison: Sendable {
    public enum Verdict: Sendable, Equatable {
        /// The interval's lower bound is above −budget.
        case pass
        /// The difference itself is below −budget.
        case regression
        /// Neither: about this many paired examples (at the same rates) would settle it, or nil
        /// when no number would.
        case inconclusive(examplesNeeded: Int?)
    }

    public struct SliceDelta: Sendable {
        public var values: [String?]
        public var counts: PairedCounts
    }

    public var base: EvalRun
    public var candidate: EvalRun
    /// Base first, candidate second.
    public var counts: PairedCounts
    /// Candidate − base, with Newcombe's 95% (or `confidence`) interval.
    public var difference: Double
    public var lower: Double
    public var upper: Double
    public var confidence: Double
    /// With clustering: the design effect of the paired differences the interval accounts for.
    public var designEffect: Double
    public var mcNemarP: Double
    /// Passed in base, failed in candidate.
    public var regressed: [String]
    /// Failed in base, passed in candidate.
    public var fixed: [String]
    /// Held by both runs but edited between their dataset versions: left out.
    public var excludedEdited: [String]
    /// Held by one run only.
    public var unpaired: Int
    public var slices: [SliceDelta]
    public var verdict: Verdict?
}

extension Store {
    /// Compares `candidate` with `base` on the examples both runs hold whose content is identical
    /// in both runs' dataset versions. An example with several trials counts as passing when most of
    /// its trials pass. With `budget` (a fraction: 0.02 for 2 points), gives the verdict.
    public func compare(
        base: EvalRun, candidate: EvalRun, budget: Double? = nil, by keys: [String] = [],
        clusterBy: String? = nil, confidence: Double = 0.95
    ) throws -> RunComparison {
        let baseOutcomes = try outcomes(of: base), candidateOutcomes = try outcomes(of: candidate)
        let records = try RecordComparer(database)
        var paired: [(key: Int64, id: String, base: Bool, candidate: Bool)] = []
        var excluded: [String] = []
        for (key, first) in baseOutcomes.sorted(by: { $0.key < $1.key }) {
            guard let second = candidateOutcomes[key] else { continue }
            if try !records.isSame(key, at: base.version, and: candidate.version) {
                excluded.append(first.id)
                continue
            }
            paired.append((key, first.id, first.pass, second.pass))
        }
        guard !paired.isEmpty else {
            throw EvalDBError.noCommonExamples(base: base.name, candidate: candidate.name, edited: excluded.count)
        }
        let unpaired = baseOutcomes.count + candidateOutcomes.count - 2 * (paired.count + excluded.count)
        func count(_ pairs: [(key: Int64, id: String, base: Bool, candidate: Bool)]) -> PairedCounts {
            PairedCounts(
                both: pairs.filter { $0.base && $0.candidate }.count, firstOnly: pairs.filter { !$0.base && $0.candidate }.count,
                secondOnly: pairs.filter { $0.base && !$0.candidate }.count, neither: pairs.filter { !$0.base && !$0.candidate }.count)
        }
        // First = candidate, second = base: the interval is for candidate − base.
        let counts = count(paired)
        // Each paired example's values, when slicing or clustering needs them.
        let valuesOf = !keys.isEmpty || clusterBy != nil ? try sliceValues(of: paired.map(\.key), at: candidate.version) : [:]
        try checkKeys(keys + (clusterBy.map { [$0] } ?? []), heldBy: valuesOf)
        var effect = 1.0
        if let clusterBy {
            effect = designEffect(
                values: paired.map { ($0.candidate ? 1.0 : 0) - ($0.base ? 1.0 : 0) },
                clusters: paired.map { valuesOf[$0.key]?[clusterBy]?.first ?? "\u{0}example \($0.key)" })
        }
        let interval = counts.newcombeInterval(confidence: confidence, scale: 1 / effect)
        var slices: [RunComparison.SliceDelta] = []
        if !keys.isEmpty {
            var groups: [[String?]: [(key: Int64, id: String, base: Bool, candidate: Bool)]] = [:]
            for pair in paired {
                for combination in valuesOf[pair.key]!.combinations(of: keys) { groups[combination, default: []].append(pair) }
            }
            slices = groups.map { RunComparison.SliceDelta(values: $0.key, counts: count($0.value)) }
                .sorted { $0.values.map { $0 ?? "" }.lexicographicallyPrecedes($1.values.map { $0 ?? "" }) }
        }
        var verdict: RunComparison.Verdict?
        if let budget {
            if interval.lower > -budget {
                verdict = .pass
            } else if interval.difference < -budget {
                verdict = .regression
            } else {
                verdict = .inconclusive(
                    examplesNeeded: Self.examplesToSettle(
                        counts, budget: budget, confidence: confidence,
                        designEffect: effect))
            }
        }
        return RunComparison(
            base: base, candidate: candidate, counts: counts, difference: interval.difference, lower: interval.lower,
            upper: interval.upper, confidence: confidence, designEffect: effect, mcNemarP: counts.mcNemarExactP,
            regressed: paired.filter { $0.base && !$0.candidate }.map(\.id), fixed: paired.filter { !$0.base && $0.candidate }.map(\.id),
            excludedEdited: excluded, unpaired: unpaired, slices: slices, verdict: verdict)
    }

    /// Each example's outcome in a run: passing when most of its trials pass.
    private func outcomes(of run: EvalRun) throws -> [Int64: (id: String, pass: Bool)] {
        let rows = try database.prepare(
            """
            SELECT x.example, e.id, sum(x.pass), count(*) FROM stored_results x JOIN stored_examples e ON e.key = x.example
            WHERE x.run = ? GROUP BY x.example
            """)
        try rows.bind([.int(run.id)])
        var result: [Int64: (id: String, pass: Bool)] = [:]
        while try rows.step() { result[rows.int(0)] = (rows.text(1), 2 * rows.int(2) > rows.int(3)) }
        return result
    }

    /// How many paired examples, at the same rates, would make the interval's lower bound clear
    /// −budget (the difference itself being above −budget); nil when none would.
    static func examplesToSettle(_ counts: PairedCounts, budget: Double, confidence: Double, designEffect: Double = 1) -> Int? {
        let difference = counts.newcombeInterval(confidence: confidence).difference
        guard counts.n > 0, difference > -budget else { return nil }
        func settled(_ scale: Double) -> Bool {
            counts.newcombeInterval(confidence: confidence, scale: scale / designEffect).lower > -budget
        }
        var high = 2.0
        while !settled(high) {
            high *= 2
            if high > 1e7 { return nil }
        }
        var low = high / 2
        while high - low > 1 / Double(counts.n) {
            let middle = (low + high) / 2
            if settled(middle) { high = middle } else { low = middle }
        }
        return Int((high * Double(counts.n)).rounded(.up))
    }
}
