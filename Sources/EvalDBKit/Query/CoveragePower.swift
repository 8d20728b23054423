/// `coverage --budget`: whether each cell (or slice) holds enough examples to tell anything — the
/// precision of its pass rate, and whether a paired regression of the budget could be detected there.
public struct CoveragePower: Sendable {
    public struct Cell: Sendable {
        public var values: [String?]
        public var examples: Int
        /// The pass rate assumed: the run's in this cell, else the one given.
        public var rate: Double
        /// The rate is the run's, observed on this many examples of the cell (0: assumed).
        public var observedOn: Int
        /// The 95% Wilson half-width of the cell's pass rate.
        public var halfWidth: Double
        /// The discordance assumed for a paired comparison in this cell.
        public var discordance: Double
        /// The power to detect a regression of the budget.
        public var power: Double
        /// Examples the cell needs for the wanted power, and how many more that is.
        public var examplesNeeded: Int
        public var toAdd: Int { max(0, examplesNeeded - examples) }
    }

    public var budget: Double
    public var wantedPower: Double
    /// The discordance given (nil: 2·r·(1 − r) of each cell's rate, two independent runs).
    public var discordance: Double?
    public var cells: [Cell]
    /// The cells that cannot detect a regression of the budget with the wanted power.
    public var underpowered: [Cell] { cells.filter { $0.power < wantedPower } }
}

extension Store {
    /// Power of each cell of `coverage` (or, with `by`, of each combination of those keys' values in
    /// the current version) to detect a paired regression of `budget` (a fraction: 0.02 for 2
    /// points). Each cell's pass rate is `run`'s on the cell's examples when the run has results
    /// there, else `rate`; its discordance is `discordance`, else that of two independent runs at
    /// that rate.
    public func coveragePower(
        _ version: DatasetVersion, cells grid: [(values: [String?], examples: Int)], keys: [String], run: EvalRun?, rate: Double,
        budget: Double, discordance: Double?, power wanted: Double = 0.8, confidence: Double = 0.95
    ) throws -> CoveragePower {
        var observed: [SliceCombination: (passed: Double, n: Int)] = [:]
        if let run {
            let rows = try database.prepare("SELECT example, avg(pass) FROM stored_results WHERE run = ? GROUP BY example")
            try rows.bind([.int(run.id)])
            var share: [Int64: Double] = [:]
            while try rows.step() { share[rows.int(0)] = rows.double(1) }
            let values = try sliceValues(of: Array(share.keys), at: run.version)
            for (key, passed) in share {
                for combination in values[key]?.combinations(of: keys) ?? [] {
                    observed[SliceCombination(combination), default: (0, 0)].passed += passed
                    observed[SliceCombination(combination), default: (0, 0)].n += 1
                }
            }
        }
        let cells = grid.map { cell -> CoveragePower.Cell in
            let seen = observed[SliceCombination(cell.values)]
            let cellRate = seen.map { $0.passed / Double($0.n) } ?? rate
            let assumed = discordance ?? RegressionPower.independentDiscordance(rate: cellRate)
            let power = RegressionPower(drop: budget, discordance: assumed, confidence: confidence)
            return CoveragePower.Cell(
                values: cell.values, examples: cell.examples, rate: cellRate, observedOn: seen?.n ?? 0,
                halfWidth: cell.examples == 0 ? 1 : Wilson.halfWidth(rate: cellRate, n: cell.examples, confidence: confidence),
                discordance: power.discordance, power: power.power(n: cell.examples), examplesNeeded: power.examplesNeeded(power: wanted))
        }
        return CoveragePower(budget: budget, wantedPower: wanted, discordance: discordance, cells: cells)
    }
}
