import Foundation

/// Whether a paired comparison of two runs on n examples can detect a regression of `drop`
/// (a fraction: 0.02 for 2 points), and how many examples it would need.
///
/// The paired difference of two runs on the same examples rests on the discordant examples, those
/// that pass in one run and fail in the other: their share d (the discordance) with the drop δ gives
/// the difference's standard error √((d − δ²)/n). The power of the two-sided test at level α when
/// the runs truly differ by δ is Φ(δ√n / √(d − δ²) − z₁₋α/₂), and the examples needed for power 1 − β
/// are ((z₁₋α/₂ + z₁₋β) · √(d − δ²) / δ)² (the normal approximation to McNemar's test; J. M. Connor,
/// "Sample size for testing differences in proportions for the paired-sample design", Biometrics
/// 43, 1987).
public struct RegressionPower: Sendable, Equatable {
    public var drop: Double
    public var discordance: Double
    public var confidence: Double

    /// `discordance` at least `drop` (a drop of δ needs at least δ of the examples to flip).
    public init(drop: Double, discordance: Double, confidence: Double = 0.95) {
        self.drop = abs(drop)
        self.discordance = min(1, max(discordance, abs(drop)))
        self.confidence = confidence
    }

    /// The discordance of two independent runs that both pass a share `rate` of the examples:
    /// 2·rate·(1 − rate). Two versions of one system usually agree more than that, so this
    /// overstates the examples needed; give a measured discordance when one is known.
    public static func independentDiscordance(rate: Double) -> Double { 2 * rate * (1 - rate) }

    private var spread: Double { max(discordance - drop * drop, 1e-12).squareRoot() }

    /// The probability that a regression of `drop` makes the paired interval exclude zero, on n examples.
    public func power(n: Int) -> Double {
        guard n > 0, drop > 0 else { return 0 }
        let z = Wilson.z(confidence: confidence)
        return standardNormalCDF(drop * Double(n).squareRoot() / spread - z)
    }

    /// The fewest examples that give `power` (0.8 is the usual choice).
    public func examplesNeeded(power: Double = 0.8) -> Int {
        guard drop > 0 else { return Int.max }
        let z = Wilson.z(confidence: confidence), zPower = Wilson.normalQuantile(power)
        let exact = pow((z + zPower) * spread / drop, 2)
        return max(1, Int(exact.rounded(.up)))
    }

    /// The paired difference's interval half-width on n examples when the runs do not differ.
    public func halfWidth(n: Int) -> Double {
        guard n > 0 else { return 1 }
        return Wilson.z(confidence: confidence) * (discordance / Double(n)).squareRoot()
    }
}

/// Φ, the standard normal distribution function.
func standardNormalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }
