import Testing

@testable import EvalDBKit

@Suite("Statistics")
struct StatisticsTests {
    @Test("the Wilson interval matches Newcombe (1998), table I, method 3")
    func wilsonReference() {
        // Newcombe, Statistics in Medicine 17 (1998) 857-872: 81/263, 15/148, 0/20, 1/29.
        let cases: [(Double, Double, Double, Double)] = [
            (81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718),
        ]
        for (x, n, lower, upper) in cases {
            let interval = Wilson.interval(successes: x, n: n)
            #expect(abs(interval.lower - lower) < 0.00005, "\(x)/\(n)")
            #expect(abs(interval.upper - upper) < 0.00005, "\(x)/\(n)")
        }
    }

    @Test("the normal quantile is 1.959964 for 95% and 2.575829 for 99%")
    func normalQuantile() {
        #expect(abs(Wilson.z(confidence: 0.95) - 1.959963984540054) < 1e-12)
        #expect(abs(Wilson.z(confidence: 0.99) - 2.5758293035489) < 1e-12)
    }

    @Test("power: a 90% pass rate is about ±6 points at 100 examples and ±2.6 at 500, as the recipe says")
    func recipePower() {
        #expect(String(format: "%.1f", Wilson.halfWidth(rate: 0.9, n: 100) * 100) == "6.0")
        #expect(String(format: "%.1f", Wilson.halfWidth(rate: 0.9, n: 500) * 100) == "2.6")
        let needed = Wilson.examplesNeeded(rate: 0.9, halfWidth: 0.026)
        #expect(Wilson.halfWidth(rate: 0.9, n: needed) <= 0.026)
        #expect(Wilson.halfWidth(rate: 0.9, n: needed - 1) > 0.026)
        // Clustered examples count as fewer: a design effect of 3 needs about three times as many.
        let clustered = Wilson.examplesNeeded(rate: 0.9, halfWidth: 0.026, designEffect: 3)
        #expect(abs(Double(clustered) / Double(needed) - 3) < 0.01)
    }

    @Test("the paired difference interval matches Fagerland, Lydersen and Laake (2017), chapter 8")
    func newcombePairedReference() {
        // "Statistical Analysis of Contingency Tables", table 8.x: pairs 59 / 6 / 16 / 80 →
        // Newcombe square-and-add (method 10) −0.0621, 95% CI −0.1186 to −0.0046.
        let counts = PairedCounts(both: 59, firstOnly: 6, secondOnly: 16, neither: 80)
        let interval = counts.newcombeInterval()
        #expect(abs(interval.difference - -0.0621) < 0.00005)
        #expect(abs(interval.lower - -0.1186) < 0.00005)
        #expect(abs(interval.upper - -0.0046) < 0.00005)
    }

    @Test("the exact McNemar p-value is the two-sided binomial test of the discordant pairs")
    func mcNemarExact() {
        // binom.test(6, 22, 0.5) in R: p = 0.05248
        #expect(abs(PairedCounts(both: 59, firstOnly: 6, secondOnly: 16, neither: 80).mcNemarExactP - 0.052478790283203125) < 1e-12)
        #expect(PairedCounts(both: 10, firstOnly: 0, secondOnly: 0, neither: 3).mcNemarExactP == 1)
        // Python: min(1, 2 * sum(math.comb(b + c, i) for i in range(min(b, c) + 1)) / 2 ** (b + c))
        let tails: [(Int, Int, Double)] = [
            (0, 5, 0.0625), (3, 7, 0.34375), (10, 10, 1), (1, 12, 0.00341796875),
            (25, 40, 0.08168153394154005),
        ]
        for (b, c, p) in tails {
            #expect(abs(PairedCounts(both: 3, firstOnly: b, secondOnly: c, neither: 4).mcNemarExactP - p) < 1e-10, "\(b), \(c)")
        }
    }

    @Test("the design effect of whole clusters passing or failing together is about the cluster size")
    func designEffectOfClusters() {
        // 10 clusters of 5: five pass entirely, five fail entirely. Sandwich variance with G/(G-1):
        // (10 × 2.5²) / 50² × 10/9 = 0.02778; independent 50 × 0.25 / 50² = 0.005: design effect 5.556.
        let values = (0..<50).map { $0 / 5 % 2 == 0 ? 1.0 : 0.0 }
        let clusters = (0..<50).map { "topic \($0 / 5)" }
        #expect(abs(designEffect(values: values, clusters: clusters) - 50.0 / 9.0) < 1e-9)
        // Outcomes that do not follow the clusters: no inflation beyond the floor of 1.
        let mixed = (0..<50).map { $0 % 2 == 0 ? 1.0 : 0.0 }
        #expect(designEffect(values: mixed, clusters: clusters) == 1)
        #expect(designEffect(values: values, clusters: Array(repeating: "one", count: 50)) == 1)
    }

    @Test("outcomes gathered on a temporary file give the design effect of the same outcomes held in memory, bit for bit")
    func designEffectFromAFile() throws {
        var random = SeededGenerator(seed: 5)
        // Clusters of 7 (names canonically equivalent or not), a third of them passing whole.
        let clusters = (0..<5_000).map { n in n / 7 % 5 == 0 ? (n % 2 == 0 ? "caf\u{E9} \(n / 7)" : "cafe\u{301} \(n / 7)") : "c\(n / 7)" }
        let values = (0..<5_000).map { n in n / 7 % 3 == 0 ? 1.0 : Double(Int.random(in: 0...2, using: &random)) / 2 }
        // Written to the file every 8 outcomes, which a second slice's outcomes share (its chunks in between).
        let file = ScratchFile(of: "outcomes")
        var gathered = ClusteredOutcomes(file: file, bufferSize: 100), other = ClusteredOutcomes(file: file, bufferSize: 100)
        for (value, cluster) in zip(values, clusters) {
            try gathered.add(value, cluster: cluster)
            try other.add(1 - value, cluster: "other " + cluster)
        }
        let expected = designEffect(values: values, clusters: clusters)
        #expect(expected > 1.5)
        #expect(try gathered.designEffect() == expected)
        #expect(try other.designEffect() == designEffect(values: values.map { 1 - $0 }, clusters: clusters.map { "other " + $0 }))
    }
}
