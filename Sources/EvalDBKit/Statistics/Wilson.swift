import Foundation

/// A confidence interval for a proportion.
public struct ProportionInterval: Sendable, Equatable {
    public var lower: Double
    public var upper: Double
    /// Half the interval's width: the "±" of a pass rate.
    public var halfWidth: Double { (upper - lower) / 2 }
}

/// The Wilson score interval for a binomial proportion (E. B. Wilson, 1927; method 3 of
/// R. G. Newcombe, "Two-sided confidence intervals for the single proportion", Statistics in
/// Medicine 17, 1998): unlike the normal ("Wald") interval it stays inside [0, 1] and keeps its
/// coverage near 0 and 1 and for small n.
public enum Wilson {
    /// The two-sided normal quantile for `confidence` (1.959964 for 0.95).
    public static func z(confidence: Double) -> Double {
        normalQuantile(1 - (1 - confidence) / 2)
    }

    /// The interval for `successes` of `n` (n may be fractional: an effective sample size).
    public static func interval(successes: Double, n: Double, confidence: Double = 0.95) -> ProportionInterval {
        guard n > 0 else { return ProportionInterval(lower: 0, upper: 1) }
        let z = z(confidence: confidence), p = successes / n
        let denominator = 1 + z * z / n
        let center = (p + z * z / (2 * n)) / denominator
        let half = z * ((p * (1 - p) / n + z * z / (4 * n * n)).squareRoot()) / denominator
        return ProportionInterval(lower: max(0, center - half), upper: min(1, center + half))
    }

    /// `power`: the interval's half-width for a pass rate `rate` on `n` examples, whose effective
    /// size is n / `designEffect` when examples come in clusters.
    public static func halfWidth(rate: Double, n: Int, designEffect: Double = 1, confidence: Double = 0.95) -> Double {
        let effective = Double(n) / designEffect
        return interval(successes: rate * effective, n: effective, confidence: confidence).halfWidth
    }

    /// `power`: the fewest examples whose interval's half-width is at most `halfWidth`.
    public static func examplesNeeded(
        rate: Double, halfWidth target: Double, designEffect: Double = 1,
        confidence: Double = 0.95
    ) -> Int {
        var high = 1
        while self.halfWidth(rate: rate, n: high, designEffect: designEffect, confidence: confidence) > target {
            high *= 2
            if high > 1 << 40 { return high }
        }
        var low = high / 2  // too few (or 0)
        while high - low > 1 {
            let middle = (low + high) / 2
            if self.halfWidth(rate: rate, n: middle, designEffect: designEffect, confidence: confidence) > target {
                low = middle
            } else {
                high = middle
            }
        }
        return high
    }

    /// The standard normal quantile (P. J. Acklam's rational approximation, refined by one Halley
    /// step: relative error below 1e-15).
    static func normalQuantile(_ p: Double) -> Double {
        let a = [
            -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
            -3.066479806614716e+01, 2.506628277459239e+00,
        ]
        let b = [
            -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
            -1.328068155288572e+01,
        ]
        let c = [
            -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
            4.374664141464968e+00, 2.938163982698783e+00,
        ]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        var x: Double
        if p < 0.02425 {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p > 1 - 0.02425 {
            let q = (-2 * log(1 - p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else {
            let q = p - 0.5, r = q * q
            x =
                (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        }
        let e = 0.5 * erfc(-x / 2.0.squareRoot()) - p
        let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        return x - u / (1 + x * u / 2)
    }
}
