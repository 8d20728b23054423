/// `compare`: two runs paired on the examples both hold with the same graded content (input,
/// context, expected_output: `GradedContent`) in both runs' versions.
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
        /// Candidate first, base second.
        public var counts: PairedCounts

        public init(values: [String?], counts: PairedCounts) {
            self.values = values
            self.counts = counts
        }
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
    public var regressed: IdList
    /// Failed in base, passed in candidate.
    public var fixed: IdList
    /// Held by both runs but with another input, context or expected output in the candidate's
    /// dataset version than in the base's: left out. A change of labels, tags, notes, source,
    /// author or created_at keeps an example paired.
    public var excludedEdited: [String]
    /// Held by both runs with the same graded content, but all of whose results are errors in one
    /// run or both (`ErroredResult`): left out, as no pass and no fail.
    public var excludedErrored: [String]
    /// Of those, how many errored in the candidate. A gate does not pass on missing results: a
    /// verdict that would be pass is inconclusive while any did (`heldBackByErrors`).
    public var candidateErrors: Int
    /// The verdict is inconclusive only because examples errored in the candidate.
    public var heldBackByErrors: Bool
    /// Held by one run only.
    public var unpaired: Int
    public var slices: [SliceDelta]
    public var verdict: Verdict?
}

extension Store {
    /// Compares `candidate` with `base` on the examples both runs hold whose graded content (input,
    /// context, expected_output) is the same in both runs' dataset versions. An example with several trials counts as passing when most of
    /// its trials pass. With `budget` (a fraction: 0.02 for 2 points), gives the verdict.
    ///
    /// Both runs' outcomes are read in example order (the results table's key) and merged as two
    /// sorted lists; counts are tallied as pairs are found, slice values looked up 4,096 pairs at a
    /// time, in key order: memory holds the tallies, not the runs; the flipped ids beyond a buffer
    /// go to a temporary file (`IdList`), and so do, with `clusterBy`, each pair's difference and
    /// cluster, which the design effect needs (`ClusteredOutcomes`).
    public func compare(
        base: EvalRun, candidate: EvalRun, budget: Double? = nil, by keys: [String] = [],
        clusterBy: String? = nil, confidence: Double = 0.95
    ) throws -> RunComparison {
        try compare(
            base: base, candidate: candidate, budget: budget, by: keys, clusterBy: clusterBy, confidence: confidence,
            idMemoryLimit: IdList.defaultMemoryLimit)
    }

    /// `idMemoryLimit`: the bytes of flipped ids kept in memory, each way, before they go on to a
    /// temporary file (`IdList`); a test makes it small.
    func compare(
        base: EvalRun, candidate: EvalRun, budget: Double?, by keys: [String], clusterBy: String?, confidence: Double, idMemoryLimit: Int
    ) throws -> RunComparison {
        try database.scanning {  // every result of both runs read once
            try scannedComparison(
                base: base, candidate: candidate, budget: budget, by: keys, clusterBy: clusterBy, confidence: confidence,
                idMemoryLimit: idMemoryLimit)
        }
    }

    private func scannedComparison(
        base: EvalRun, candidate: EvalRun, budget: Double?, by keys: [String], clusterBy: String?, confidence: Double, idMemoryLimit: Int
    ) throws -> RunComparison {
        let baseOutcomes = try OutcomeReader(database, run: base), candidateOutcomes = try OutcomeReader(database, run: candidate)
        // An example's id is read only when it is listed (a flip, left out): most pairs need none.
        func id(_ key: Int64) throws -> String { try exampleId(key: key) }
        let records = try RecordComparer(database)
        let needsValues = !keys.isEmpty || clusterBy != nil
        let wanted = keys + (clusterBy.map { [$0] } ?? [])
        let source = try SliceValueSource(self, keys: wanted, version: candidate.version, firstValueOf: clusterBy)
        let grouping = SliceGrouping(source, keys: keys, wanted: wanted, readingValues: clusterBy != nil)
        // First = candidate, second = base: the interval is for candidate − base.
        var counts = PairedCounts(both: 0, firstOnly: 0, secondOnly: 0, neither: 0)
        var groups: [PairedCounts] = []  // by group number
        var clustered = ClusteredOutcomes()
        var regressed = IdList(memoryLimit: idMemoryLimit), fixed = IdList(memoryLimit: idMemoryLimit), excluded: [String] = [],
            errored: [String] = []
        var candidateErrors = 0
        var unpaired = 0
        var waiting: [(key: Int64, base: Bool, candidate: Bool)] = []  // for their slice values

        func add(_ batch: [(key: Int64, base: Bool, candidate: Bool)]) throws {
            try grouping.visit(batch.map(\.key)) { position, values, numbers in
                let pair = batch[position]
                if let clusterBy {
                    guard let values else { return }
                    try clustered.add(
                        (pair.candidate ? 1.0 : 0) - (pair.base ? 1.0 : 0), cluster: values[clusterBy]?.first ?? "\u{0}example \(pair.key)")
                }
                for group in numbers {
                    while groups.count <= group { groups.append(PairedCounts(both: 0, firstOnly: 0, secondOnly: 0, neither: 0)) }
                    groups[group].add(first: pair.candidate, second: pair.base)
                }
            }
        }
        var first = try baseOutcomes.next(), second = try candidateOutcomes.next()
        while first != nil || second != nil {
            guard let b = first, let c = second, b.key == c.key else {
                unpaired += 1  // held by one run only: step past it in its run
                if let b = first, second.map({ b.key < $0.key }) ?? true {
                    first = try baseOutcomes.next()
                } else {
                    second = try candidateOutcomes.next()
                }
                continue
            }
            if try !records.hasSameGradedContent(b.key, at: base.version, and: candidate.version) {
                excluded.append(try id(b.key))
            } else if b.graded == 0 || c.graded == 0 {
                errored.append(try id(b.key))
                if c.graded == 0 { candidateErrors += 1 }
            } else {
                counts.add(first: c.pass, second: b.pass)
                if b.pass && !c.pass { try regressed.append(try id(b.key)) }
                if !b.pass && c.pass { try fixed.append(try id(b.key)) }
                if needsValues {
                    waiting.append((b.key, b.pass, c.pass))
                    if waiting.count >= 4096 {
                        try add(waiting)
                        waiting.removeAll(keepingCapacity: true)
                    }
                }
            }
            first = try baseOutcomes.next()
            second = try candidateOutcomes.next()
        }
        try add(waiting)
        guard counts.n > 0 else {
            if !errored.isEmpty { throw ErroredComparison(base: base.name, candidate: candidate.name, errored: errored.count) }
            throw EvalDBError.noCommonExamples(base: base.name, candidate: candidate.name, edited: excluded.count)
        }
        if needsValues { try grouping.checkKeys() }
        let effect = clusterBy == nil ? 1.0 : try clustered.designEffect()
        let interval = counts.newcombeInterval(confidence: confidence, scale: 1 / effect)
        let slices = zip(grouping.combinations, groups).map { RunComparison.SliceDelta(values: $0, counts: $1) }
            .sorted { SliceCombination.precedes($0.values, $1.values) }
        var verdict = budget.map { Self.verdict(counts, interval, budget: $0, confidence: confidence, designEffect: effect) }
        let heldBack = verdict == .pass && candidateErrors > 0
        if heldBack { verdict = .inconclusive(examplesNeeded: nil) }
        return RunComparison(
            base: base, candidate: candidate, counts: counts, difference: interval.difference, lower: interval.lower,
            upper: interval.upper, confidence: confidence, designEffect: effect, mcNemarP: counts.mcNemarExactP,
            regressed: regressed, fixed: fixed,
            excludedEdited: excluded, excludedErrored: errored, candidateErrors: candidateErrors, heldBackByErrors: heldBack,
            unpaired: unpaired, slices: slices, verdict: verdict)
    }

    /// The gate: pass when the interval's lower bound is above −budget, regression when the
    /// difference itself is below it, inconclusive otherwise (with the examples that would settle it).
    static func verdict(
        _ counts: PairedCounts, _ interval: (difference: Double, lower: Double, upper: Double), budget: Double,
        confidence: Double, designEffect: Double
    ) -> RunComparison.Verdict {
        if interval.lower > -budget { return .pass }
        if interval.difference < -budget { return .regression }
        return .inconclusive(examplesNeeded: examplesToSettle(counts, budget: budget, confidence: confidence, designEffect: designEffect))
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

/// A run's examples in key order, each with its outcome: passing when most of its graded trials
/// pass (a trial that is an error is not graded; `graded` 0: every trial errored). The results
/// table alone, in its key's order (run, example, trial): no join, no aggregate — each example's
/// trials are consecutive rows, tallied here; whether a result is an error is asked only of a
/// failing one (an error's `pass` is false).
private final class OutcomeReader {
    private let rows: Statement
    /// The first row of the next example, read past the end of the one before.
    private var pending: (key: Int64, pass: Bool, errored: Bool)?
    private var done = false

    init(_ database: Database, run: EvalRun) throws {
        rows = try database.prepare(
            """
            SELECT x.example, x.pass, CASE WHEN x.pass THEN 0 ELSE \(ErroredResult.sql("x.record")) END
            FROM stored_results x WHERE x.run = ? ORDER BY x.example, x.trial
            """)
        try rows.bind([.int(run.id)])
    }

    private func row() throws -> (key: Int64, pass: Bool, errored: Bool)? {
        guard !done, try rows.step() else {
            done = true
            return nil
        }
        return (rows.int(0), rows.int(1) != 0, rows.int(2) != 0)
    }

    func next() throws -> (key: Int64, pass: Bool, graded: Int64)? {
        guard let first = try pending ?? row() else { return nil }
        var passes: Int64 = 0, graded: Int64 = 0
        var trial: (key: Int64, pass: Bool, errored: Bool)? = first
        while let result = trial, result.key == first.key {
            if !result.errored {
                graded += 1
                if result.pass { passes += 1 }
            }
            trial = try row()
        }
        pending = trial
        return (first.key, 2 * passes > graded, graded)
    }
}

extension PairedCounts {
    /// Counts one pair of outcomes.
    mutating func add(first: Bool, second: Bool) {
        switch (first, second) {
        case (true, true): both += 1
        case (true, false): firstOnly += 1
        case (false, true): secondOnly += 1
        case (false, false): neither += 1
        }
    }
}

/// Two runs whose examples in common all have only errors in one run or the other: nothing to
/// compare (and no gate: exit 2, not an inconclusive 3).
public struct ErroredComparison: Error, Sendable, CustomStringConvertible {
    public var base: String
    public var candidate: String
    public var errored: Int

    public var description: String {
        "runs \(JSONText.string(base)) and \(JSONText.string(candidate)) have no example in common with a result that is not an error "
            + "(\(errored) examples errored in one or both): nothing to compare"
    }
}
