import Foundation

/// `compare --by`: each slice's paired difference tested on its own (the exact McNemar test of its
/// discordant pairs), with the multiplicity of the slices controlled. Twenty slices compared at
/// the 5% level name one by chance alone; a slice is named as regressed here only when its
/// adjusted p-value (`MultipleComparisons`) is at most the level and its difference is negative.
///
/// The slices' intervals and tests treat examples as independent (no design effect), and an
/// example is in every slice its values put it in (a list-valued key such as `tags`).
public struct SliceRegressions: Sendable {
    public struct Slice: Sendable {
        public var values: [String?]
        /// Candidate first, base second (as `RunComparison.counts`).
        public var counts: PairedCounts
        /// Candidate − base, with Newcombe's interval.
        public var difference: Double
        public var lower: Double
        public var upper: Double
        /// The exact McNemar p-value of the slice's discordant pairs.
        public var mcNemarP: Double
        /// Adjusted across the slices of the comparison by `SliceRegressions.method`.
        public var adjustedP: Double
        /// Adjusted p at most the level and a negative difference.
        public var regressed: Bool
        /// With a budget: the power of a paired comparison on this slice's examples to detect a
        /// regression of the budget (`RegressionPower`, at the assumed discordance).
        public var power: Double?
        /// With a budget: the power is under `SliceRegressions.wantedPower`: a regression of the
        /// budget could hide in this slice.
        public var tooSmall: Bool
    }

    /// The power under which a slice is too small to detect the budget (as `coverage --budget`'s default).
    public static let wantedPower = 0.8

    public var method: MultipleComparisons.Method
    /// Q: the false discovery rate (Benjamini–Hochberg) or the family-wise error rate (Holm,
    /// Bonferroni) controlled, a fraction.
    public var level: Double
    /// The regression budget, a fraction; nil (or 0): no power figures.
    public var budget: Double?
    /// The share of examples whose outcome differs between the runs assumed for the power figures.
    public var discordance: Double
    public var slices: [Slice]

    /// The slices named as regressed, in the order of `slices`.
    public var regressed: [Slice] { slices.filter(\.regressed) }
    /// The slices too small to detect the budget.
    public var tooSmall: [Slice] { slices.filter(\.tooSmall) }

    /// Tests every slice of `slices` and adjusts the p-values across them. `discordance` is the
    /// share of discordant pairs assumed for the power to detect `budget` (the comparison's own,
    /// measured over all its paired examples, is what `RunComparison.sliceRegressions` gives).
    public init(
        slices: [RunComparison.SliceDelta], method: MultipleComparisons.Method = .benjaminiHochberg, level: Double = 0.05,
        budget: Double? = nil, discordance: Double, confidence: Double = 0.95
    ) {
        let pValues = slices.map(\.counts.mcNemarExactP)
        let adjusted = MultipleComparisons.adjusted(pValues, method: method)
        self.method = method
        self.level = level
        self.budget = budget
        self.discordance = discordance
        self.slices = slices.indices.map { index in
            let counts = slices[index].counts
            let interval = counts.newcombeInterval(confidence: confidence)
            // A budget of 0 asks for no power figure: no slice can show a regression of nothing.
            let power = budget.flatMap { drop in
                drop > 0 ? RegressionPower(drop: drop, discordance: discordance, confidence: confidence).power(n: counts.n) : nil
            }
            return Slice(
                values: slices[index].values, counts: counts, difference: interval.difference, lower: interval.lower, upper: interval.upper,
                mcNemarP: pValues[index], adjustedP: adjusted[index], regressed: adjusted[index] <= level && interval.difference < 0,
                power: power, tooSmall: power.map { $0 < Self.wantedPower } ?? false)
        }
    }
}

extension RunComparison {
    /// The share of paired examples whose outcome differs between the two runs.
    public var discordance: Double {
        counts.n == 0 ? 0 : Double(counts.firstOnly + counts.secondOnly) / Double(counts.n)
    }

    /// The slices of this comparison tested under `method` at `level`; the power to detect
    /// `budget` assumes the discordance measured over all the paired examples.
    public func sliceRegressions(
        method: MultipleComparisons.Method = .benjaminiHochberg, level: Double = 0.05, budget: Double? = nil
    ) -> SliceRegressions {
        SliceRegressions(slices: slices, method: method, level: level, budget: budget, discordance: discordance, confidence: confidence)
    }
}
