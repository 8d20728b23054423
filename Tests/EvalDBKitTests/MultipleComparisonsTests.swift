import Testing

@testable import EvalDBKit

@Suite("Multiple comparisons")
struct MultipleComparisonsTests {
    /// Benjamini & Hochberg (1995), section 4: fifteen p-values of a clinical trial.
    static let worked = [
        0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.0000,
    ]

    /// Computed by the textbook formulas (and statsmodels 0.15.0's `multipletests`, per issue 27).
    @Test("Benjamini–Hochberg adjusts the worked example of Benjamini & Hochberg (1995) and rejects 4 at 0.05")
    func benjaminiHochbergWorkedExample() {
        let expected = [
            0.0015, 0.0030, 0.0095, 0.035625, 0.0603, 0.063857, 0.063857, 0.0645, 0.0765, 0.486, 0.581182, 0.714875, 0.753231, 0.813214, 1,
        ]
        let adjusted = MultipleComparisons.adjusted(Self.worked, method: .benjaminiHochberg)
        for (value, reference) in zip(adjusted, expected) { #expect(abs(value - reference) < 1e-4, "\(value) against \(reference)") }
        #expect(MultipleComparisons.rejected(Self.worked, method: .benjaminiHochberg, level: 0.05) == [0, 1, 2, 3])
    }

    @Test("Holm adjusts the worked example and rejects 3 at 0.05; Bonferroni rejects 3")
    func holmAndBonferroniWorkedExample() {
        let holm = [0.0015, 0.0056, 0.0247, 0.1140, 0.2211, 0.2780, 0.2780, 0.2780, 0.3213, 1, 1, 1, 1, 1, 1]
        for (value, reference) in zip(MultipleComparisons.adjusted(Self.worked, method: .holm), holm) {
            #expect(abs(value - reference) < 1e-4, "\(value) against \(reference)")
        }
        let bonferroni = [0.0015, 0.006, 0.0285, 0.1425, 0.3015, 0.417, 0.447, 0.516, 0.6885, 1, 1, 1, 1, 1, 1]
        for (value, reference) in zip(MultipleComparisons.adjusted(Self.worked, method: .bonferroni), bonferroni) {
            #expect(abs(value - reference) < 1e-4, "\(value) against \(reference)")
        }
        #expect(MultipleComparisons.rejected(Self.worked, method: .holm, level: 0.05) == [0, 1, 2])
        #expect(MultipleComparisons.rejected(Self.worked, method: .bonferroni, level: 0.05) == [0, 1, 2])
    }

    @Test("adjusted p-values come back in the order the p-values were given, and ties share a value")
    func adjustedKeepsTheGivenOrder() {
        let shuffled = [0.0459, 1.0, 0.0001, 0.0298, 0.0278]
        // Sorted: 0.0001, 0.0278, 0.0298, 0.0459, 1 → BH 0.0005, 0.0497, 0.0497, 0.0574, 1.
        let adjusted = MultipleComparisons.adjusted(shuffled, method: .benjaminiHochberg)
        for (value, reference) in zip(adjusted, [0.057375, 1, 0.0005, 0.0298 * 5 / 3, 0.0298 * 5 / 3]) { #expect(abs(value - reference) < 1e-12) }
        #expect(MultipleComparisons.adjusted([0.01, 0.01], method: .holm) == [0.02, 0.02])
        #expect(MultipleComparisons.adjusted([], method: .benjaminiHochberg).isEmpty)
    }

    /// Twenty slices in which the candidate is no different from the base: each example of a
    /// slice is discordant with probability 0.3, either way alike. Under this global null, naming
    /// any slice at all is a false discovery, so Benjamini–Hochberg keeps the share of repetitions
    /// that name one at about Q; reading the raw p-values names one far more often.
    @Test("under the null, Benjamini–Hochberg names a slice in about Q of repetitions; raw p-values in far more")
    func nullSlicesAreRarelyNamed() {
        var generator = SeededGenerator(seed: 27)
        let repetitions = 1000, slicesPerComparison = 20, examples = 60, level = 0.05
        var namedByFDR = 0, namedByHolm = 0, namedUncorrected = 0
        for _ in 0..<repetitions {
            let slices = (0..<slicesPerComparison).map { index in
                let discordant = generator.binomial(n: examples, p: 0.3)
                let worse = generator.binomial(n: discordant, p: 0.5)
                let counts = PairedCounts(both: examples - discordant, firstOnly: discordant - worse, secondOnly: worse, neither: 0)
                return RunComparison.SliceDelta(values: ["slice \(index)"], counts: counts)
            }
            let fdr = SliceRegressions(slices: slices, level: level, discordance: 0.3)
            if fdr.slices.contains(where: { $0.adjustedP <= level }) { namedByFDR += 1 }
            if fdr.slices.contains(where: { $0.mcNemarP <= level }) { namedUncorrected += 1 }
            if SliceRegressions(slices: slices, method: .holm, level: level, discordance: 0.3).slices.contains(where: { $0.adjustedP <= level }) {
                namedByHolm += 1
            }
        }
        let fdrRate = Double(namedByFDR) / Double(repetitions), holmRate = Double(namedByHolm) / Double(repetitions)
        let uncorrectedRate = Double(namedUncorrected) / Double(repetitions)
        print("20 null slices, \(repetitions) repetitions: any slice named by BH \(fdrRate), by Holm \(holmRate), uncorrected \(uncorrectedRate)")
        #expect(fdrRate <= 0.08)
        #expect(holmRate <= 0.08)
        #expect(uncorrectedRate >= 0.3)
        #expect(uncorrectedRate >= 4 * fdrRate)
    }

    @Test("a slice is named as regressed only when its adjusted p-value is at most Q and its difference is negative")
    func namedOnlyWhenAdjustedAndNegative() {
        let slices = [
            RunComparison.SliceDelta(values: ["worse"], counts: PairedCounts(both: 50, firstOnly: 0, secondOnly: 15, neither: 5)),
            RunComparison.SliceDelta(values: ["better"], counts: PairedCounts(both: 50, firstOnly: 15, secondOnly: 0, neither: 5)),
            RunComparison.SliceDelta(values: ["same"], counts: PairedCounts(both: 50, firstOnly: 3, secondOnly: 3, neither: 4)),
            RunComparison.SliceDelta(values: ["small"], counts: PairedCounts(both: 3, firstOnly: 0, secondOnly: 2, neither: 0)),
        ]
        let result = SliceRegressions(slices: slices, level: 0.05, budget: 0.05, discordance: 0.1)
        #expect(result.regressed.map(\.values) == [["worse"]])
        #expect(result.slices[1].adjustedP <= 0.05 && !result.slices[1].regressed)
        #expect(result.slices[0].difference < 0 && result.slices[0].upper < 0)
        // A 5-point regression at 10% discordance needs about 280 examples for 80% power.
        #expect(result.tooSmall.map(\.values) == slices.map(\.values))
        let none = SliceRegressions(slices: slices, level: 0.05, discordance: 0.1)
        #expect(none.slices.allSatisfy { $0.power == nil && !$0.tooSmall })
        let large = SliceRegressions(slices: slices, level: 0.05, budget: 0.3, discordance: 0.3)
        #expect(large.tooSmall.map(\.values) == [["small"]])
    }
}
