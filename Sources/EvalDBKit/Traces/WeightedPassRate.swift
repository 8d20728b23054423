/// A run's pass rate over its examples sampled from production traces, re-weighted by their
/// inclusion probabilities (`HorvitzThompson`), beside the same examples' unweighted rate.
public struct WeightedPassRate: Sendable {
    /// Nil when no example of the run has an inclusion probability.
    public var estimate: WeightedRate?
    /// The same examples' plain pass rate (each example counted once).
    public var unweightedRate: Double?
    /// Examples of the run with an inclusion probability, and without one (left out).
    public var weighted: Int
    public var leftOut: Int
}

extension Store {
    /// The Horvitz–Thompson pass rate of `run` over its examples whose `inclusion_probability`
    /// label (at the run's version) is a number in (0, 1]; the design strata are the examples
    /// sharing `stratum` and inclusion probability. An example with several trials counts its share
    /// of passing trials.
    public func weightedPassRate(_ run: EvalRun) throws -> WeightedPassRate {
        let rows = try database.prepare("SELECT example, pass FROM stored_results WHERE run = ? ORDER BY line")
        try rows.bind([.int(run.id)])
        var outcomes: [Int64: (passes: Int, trials: Int)] = [:]
        var order: [Int64] = []
        while try rows.step() {
            let key = rows.int(0)
            if outcomes[key] == nil { order.append(key) }
            outcomes[key, default: (0, 0)].trials += 1
            if rows.int(1) != 0 { outcomes[key]!.passes += 1 }
        }
        let values = try sliceValues(of: order, at: run.version)
        var outcome: [Double] = [], probabilities: [Double] = [], strata: [String] = []
        for key in order {
            guard let text = values[key]?["inclusion_probability"]?.first, let probability = Double(text), probability > 0, probability <= 1
            else { continue }
            let entry = outcomes[key]!
            outcome.append(Double(entry.passes) / Double(entry.trials))
            probabilities.append(probability)
            strata.append((values[key]?["stratum"]?.first ?? "") + "\u{0}" + text)
        }
        return WeightedPassRate(
            estimate: HorvitzThompson.passRate(values: outcome, probabilities: probabilities, strata: strata),
            unweightedRate: outcome.isEmpty ? nil : outcome.reduce(0, +) / Double(outcome.count),
            weighted: outcome.count, leftOut: order.count - outcome.count)
    }
}
