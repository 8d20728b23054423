import Foundation

/// A pass rate measured by an imperfect judge, corrected for the judge's known errors: the
/// Rogan–Gladen estimator (W. J. Rogan and B. Gladen, "Estimating prevalence from the results of a
/// screening test", American Journal of Epidemiology 107, 1978), as the `judgy` package applies it
/// to LLM judges. With the judge's raw pass rate p on N outputs, and its true positive and true
/// negative rates measured on n₊ human passes and n₋ human failures:
///
///     θ = clip((p + TNR − 1) / (TPR + TNR − 1), 0, 1)
public struct CorrectedPassRate: Sendable, Equatable {
    /// The judge's raw pass rate and the number of outputs it judged.
    public var raw: Double
    public var n: Double
    public var truePositiveRate: Double
    public var trueNegativeRate: Double
    public var humanPasses: Int
    public var humanFailures: Int

    public init(raw: Double, n: Double, truePositiveRate: Double, trueNegativeRate: Double, humanPasses: Int, humanFailures: Int) {
        self.raw = raw
        self.n = n
        self.truePositiveRate = truePositiveRate
        self.trueNegativeRate = trueNegativeRate
        self.humanPasses = humanPasses
        self.humanFailures = humanFailures
    }

    public init(raw: Double, n: Double, agreement: JudgeAgreement) {
        self.init(
            raw: raw, n: n, truePositiveRate: agreement.truePositiveRate, trueNegativeRate: agreement.trueNegativeRate,
            humanPasses: agreement.humanPasses, humanFailures: agreement.humanFailures)
    }

    /// J = TPR + TNR − 1. At or below 0 the judge is no better than chance and nothing can be corrected.
    public var youden: Double { truePositiveRate + trueNegativeRate - 1 }
    public var isCorrectable: Bool { youden > 0 }

    /// θ, the corrected pass rate (nil when the judge is no better than chance).
    public var estimate: Double? {
        guard isCorrectable else { return nil }
        return Self.correct(raw, truePositiveRate, trueNegativeRate)
    }

    static func correct(_ p: Double, _ tpr: Double, _ tnr: Double) -> Double {
        min(1, max(0, (p + tnr - 1) / (tpr + tnr - 1)))
    }

    /// θ's standard error by the delta method, with the three sources of error independent:
    ///
    ///     Var θ ≈ [p(1−p)/N + θ²·TPR(1−TPR)/n₊ + (1−θ)²·TNR(1−TNR)/n₋] / J²
    public var standardError: Double? {
        guard let theta = estimate, n > 0, humanPasses > 0, humanFailures > 0 else { return nil }
        let (p, tpr, tnr) = (raw, truePositiveRate, trueNegativeRate)
        let variance =
            (p * (1 - p) / n + theta * theta * tpr * (1 - tpr) / Double(humanPasses)
                + (1 - theta) * (1 - theta) * tnr * (1 - tnr) / Double(humanFailures)) / (youden * youden)
        return variance.squareRoot()
    }

    /// θ ± z·SE, clipped to [0, 1].
    public func deltaInterval(confidence: Double = 0.95) -> ProportionInterval? {
        guard let theta = estimate, let error = standardError else { return nil }
        let half = Wilson.z(confidence: confidence) * error
        return ProportionInterval(lower: max(0, theta - half), upper: min(1, theta + half))
    }

    /// A parametric percentile bootstrap, reproducible from `seed`: each of `resamples` draws p*,
    /// TPR* and TNR* from their binomials (N, n₊ and n₋ trials), skips the draws whose J* ≤ 0, and
    /// corrects; the interval is the draws' (1 − confidence)/2 and (1 + confidence)/2 quantiles.
    /// It follows the skew of a ratio that the delta method's symmetric interval ignores.
    public func bootstrap(resamples: Int = 2000, seed: UInt64 = 0, confidence: Double = 0.95) -> (
        interval: ProportionInterval, standardError: Double
    )? {
        guard isCorrectable, n > 0, humanPasses > 0, humanFailures > 0, resamples > 1 else { return nil }
        var generator = SeededGenerator(seed: seed)
        let outputs = Int(n.rounded())
        var draws: [Double] = []
        draws.reserveCapacity(resamples)
        for _ in 0..<resamples {
            let p = Double(generator.binomial(n: outputs, p: raw)) / Double(outputs)
            let tpr = Double(generator.binomial(n: humanPasses, p: truePositiveRate)) / Double(humanPasses)
            let tnr = Double(generator.binomial(n: humanFailures, p: trueNegativeRate)) / Double(humanFailures)
            guard tpr + tnr - 1 > 0 else { continue }
            draws.append(Self.correct(p, tpr, tnr))
        }
        guard draws.count > 1 else { return nil }
        draws.sort()
        func quantile(_ q: Double) -> Double {
            // Linear interpolation between order statistics (numpy's default).
            let position = q * Double(draws.count - 1)
            let low = Int(position.rounded(.down)), high = min(draws.count - 1, low + 1)
            return draws[low] + (draws[high] - draws[low]) * (position - Double(low))
        }
        let mean = draws.reduce(0, +) / Double(draws.count)
        let variance = draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(draws.count - 1)
        return (
            ProportionInterval(lower: quantile((1 - confidence) / 2), upper: quantile((1 + confidence) / 2)),
            variance.squareRoot()
        )
    }
}
