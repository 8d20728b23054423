/// A pass rate re-weighted by the inclusion probabilities of a sample, and its interval.
public struct WeightedRate: Sendable, Equatable {
    public var rate: Double
    public var interval: ProportionInterval
    /// Examples in the estimate.
    public var examples: Int
    /// Σ 1/π: how many traces the examples stand for.
    public var population: Double
    /// The standard error of `rate` (design-based, linearised).
    public var standardError: Double
    /// The sample size the interval is as wide as (`rate(1 − rate) / standardError²`).
    public var effectiveSize: Double
}

/// Horvitz–Thompson estimation of a pass rate from a sample drawn with unequal probabilities: a
/// failure-first sample overstates the failure rate of production when read unweighted.
///
/// Each example `i` has an outcome `y_i` in [0, 1] (pass, or share of passing trials), its
/// inclusion probability `π_i` and its design stratum `h`. With weights `w_i = 1/π_i`, the
/// Horvitz–Thompson estimates of the passes (`Σ w_i y_i`) and of the population (`Σ w_i`) give the
/// rate as their ratio (the Hájek estimator: it stays in [0, 1] and does not need the population's
/// size). Its variance is the linearised variance of a stratified sample without replacement:
///
/// ```
/// R = Σ w y / Σ w,   z_i = w_i (y_i − R)
/// V = Σ_h (1 − f_h) · n_h/(n_h − 1) · Σ_{i in h} (z_i − z̄_h)²  /  (Σ w)²,   f_h = π of stratum h
/// ```
///
/// (a stratum of one example contributes `(1 − f_h) z_i²`). The interval is Wilson's at the
/// effective size `R(1 − R)/V` (Korn and Graubard's device), so that it stays in [0, 1]; when the
/// rate is 0 or 1 (no variance to estimate) at Kish's effective size `(Σ w)² / Σ w²`, and a census
/// (every π = 1) has no sampling error. References: D. G. Horvitz and D. J. Thompson, JASA 47 (1952);
/// J. Hájek (1971); C.-E. Särndal, B. Swensson and J. Wretman, "Model Assisted Survey Sampling"
/// (1992), 5.6–5.7; E. L. Korn and B. I. Graubard, Survey Methodology 24 (1998).
public enum HorvitzThompson {
    /// The weighted pass rate of `values` with inclusion `probabilities` (in (0, 1]), examples of one
    /// `strata` value sharing a design stratum. Nil when there is no example.
    public static func passRate(values: [Double], probabilities: [Double], strata: [String], confidence: Double = 0.95) -> WeightedRate? {
        let n = values.count
        guard n > 0, probabilities.count == n, strata.count == n, probabilities.allSatisfy({ $0 > 0 && $0 <= 1 }) else { return nil }
        let weights = probabilities.map { 1 / $0 }
        let total = weights.reduce(0, +)
        let rate = min(1, max(0, zip(weights, values).reduce(0) { $0 + $1.0 * $1.1 } / total))
        // The strata in first-seen order, each with its examples.
        var groups: [[Int]] = []
        var groupOf: [String: Int] = [:]
        for (i, stratum) in strata.enumerated() {
            if let g = groupOf[stratum] {
                groups[g].append(i)
            } else {
                groupOf[stratum] = groups.count
                groups.append([i])
            }
        }
        var variance = 0.0
        for members in groups {
            let z = members.map { weights[$0] * (values[$0] - rate) }
            let f = members.reduce(0) { $0 + probabilities[$1] } / Double(members.count)
            if members.count == 1 {
                variance += (1 - f) * z[0] * z[0]
            } else {
                let mean = z.reduce(0, +) / Double(z.count)
                let squares = z.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
                variance += (1 - f) * Double(members.count) / Double(members.count - 1) * squares
            }
        }
        variance /= total * total
        let census = probabilities.allSatisfy { $0 == 1 }
        let kish = total * total / weights.reduce(0) { $0 + $1 * $1 }
        let effective = variance > 0 ? rate * (1 - rate) / variance : (census ? Double.infinity : kish)
        let interval =
            effective.isInfinite
            ? ProportionInterval(lower: rate, upper: rate)
            : Wilson.interval(successes: rate * effective, n: effective, confidence: confidence)
        return WeightedRate(
            rate: rate, interval: interval, examples: n, population: total, standardError: variance.squareRoot(),
            effectiveSize: effective)
    }
}
