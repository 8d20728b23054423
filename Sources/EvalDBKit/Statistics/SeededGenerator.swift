import Foundation

/// A random number generator that gives the same numbers for the same seed on every machine
/// (SplitMix64: G. Steele, D. Lea and C. Flood, "Fast splittable pseudorandom number generators",
/// OOPSLA 2014), so that a bootstrap interval can be reproduced.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform number in [0, 1) with 53 random bits.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// The number of successes of `n` trials with probability `p` each: counted one by one up to
    /// 1,000 trials, and from the normal approximation (rounded, within 0...n) above, where it is
    /// closer to the binomial than a bootstrap can tell.
    public mutating func binomial(n: Int, p: Double) -> Int {
        guard n > 0, p > 0 else { return 0 }
        guard p < 1 else { return n }
        if n <= 1000 {
            var successes = 0
            for _ in 0..<n where unit() < p { successes += 1 }
            return successes
        }
        // Box–Muller.
        let u = max(unit(), .leastNonzeroMagnitude), v = unit()
        let normal = (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
        let mean = Double(n) * p, deviation = (Double(n) * p * (1 - p)).squareRoot()
        return Swift.min(n, Swift.max(0, Int((mean + normal * deviation).rounded())))
    }
}
