import Foundation

/// Paired binary outcomes of the same examples under two conditions (a 2×2 table of pairs).
public struct PairedCounts: Sendable, Equatable {
    /// Pass under both.
    public var both: Int
    /// Pass under the first only.
    public var firstOnly: Int
    /// Pass under the second only.
    public var secondOnly: Int
    /// Fail under both.
    public var neither: Int

    public init(both: Int, firstOnly: Int, secondOnly: Int, neither: Int) {
        self.both = both
        self.firstOnly = firstOnly
        self.secondOnly = secondOnly
        self.neither = neither
    }

    public var n: Int { both + firstOnly + secondOnly + neither }
    public var firstRate: Double { n == 0 ? 0 : Double(both + firstOnly) / Double(n) }
    public var secondRate: Double { n == 0 ? 0 : Double(both + secondOnly) / Double(n) }

    /// The difference first − second with Newcombe's interval for paired proportions: method 10 of
    /// R. G. Newcombe, "Improved confidence intervals for the difference between binomial
    /// proportions based on paired data", Statistics in Medicine 17 (1998) 2635–2650 (the
    /// "square-and-add" Wilson score interval, with its correction of the phi coefficient).
    /// `scale` multiplies every count (to ask what more examples with the same rates would give).
    public func newcombeInterval(confidence: Double = 0.95, scale: Double = 1) -> (difference: Double, lower: Double, upper: Double) {
        let a = Double(both) * scale, b = Double(firstOnly) * scale, c = Double(secondOnly) * scale, d = Double(neither) * scale
        let n = a + b + c + d
        guard n > 0 else { return (0, -1, 1) }
        let p1 = (a + b) / n, p2 = (a + c) / n
        let first = Wilson.interval(successes: a + b, n: n, confidence: confidence)
        let second = Wilson.interval(successes: a + c, n: n, confidence: confidence)
        let marginals = (a + b) * (c + d) * (a + c) * (b + d)
        var phi = 0.0
        if marginals > 0 {
            let cross = a * d - b * c
            let corrected = cross > n / 2 ? cross - n / 2 : (cross < 0 ? cross : 0)
            phi = corrected / marginals.squareRoot()
        }
        let (l1, u1, l2, u2) = (first.lower, first.upper, second.lower, second.upper)
        let difference = p1 - p2
        let lower = difference - ((p1 - l1) * (p1 - l1) - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) * (u2 - p2)).squareRoot()
        let upper = difference + ((p2 - l2) * (p2 - l2) - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) * (u1 - p1)).squareRoot()
        return (difference, max(-1, lower), min(1, upper))
    }

    /// The exact (conditional) McNemar test: two-sided binomial test of the discordant pairs
    /// against an even split.
    public var mcNemarExactP: Double {
        let discordant = firstOnly + secondOnly
        guard discordant > 0 else { return 1 }
        let k = min(firstOnly, secondOnly)
        var tail = 0.0
        for i in 0...k { tail += exp(logChoose(discordant, i) - Double(discordant) * log(2)) }
        return min(1, 2 * tail)
    }

    private func logChoose(_ n: Int, _ k: Int) -> Double {
        lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
    }
}
