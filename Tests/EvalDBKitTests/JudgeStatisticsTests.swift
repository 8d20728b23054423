import Foundation
import Testing

@testable import EvalDBKit

/// The reference values of issue 16, each computed independently of this code (by hand and with
/// Python), to 1e-4.
@Suite("Judge calibration, corrected pass rates and regression power")
struct JudgeStatisticsTests {
    @Test("Rogan–Gladen: TPR 0.92, TNR 0.88, p 0.80 gives 0.85; TPR = TNR = 0.75, p = 5/8 gives 0.75")
    func roganGladenReference() throws {
        let first = CorrectedPassRate(raw: 0.80, n: 500, truePositiveRate: 0.92, trueNegativeRate: 0.88, humanPasses: 50, humanFailures: 50)
        #expect(abs(try #require(first.estimate) - 0.85) < 1e-4)
        let second = CorrectedPassRate(raw: 5.0 / 8, n: 80, truePositiveRate: 0.75, trueNegativeRate: 0.75, humanPasses: 20, humanFailures: 20)
        #expect(abs(try #require(second.estimate) - 0.75) < 1e-4)
    }

    @Test("the corrected rate is clipped to [0, 1], and a judge no better than chance corrects nothing")
    func clippingAndChance() throws {
        // (0.05 + 0.9 − 1) / 0.8 < 0
        let low = CorrectedPassRate(raw: 0.05, n: 100, truePositiveRate: 0.9, trueNegativeRate: 0.9, humanPasses: 50, humanFailures: 50)
        #expect(try #require(low.estimate) == 0)
        let high = CorrectedPassRate(raw: 0.99, n: 100, truePositiveRate: 0.9, trueNegativeRate: 0.9, humanPasses: 50, humanFailures: 50)
        #expect(try #require(high.estimate) == 1)
        let chance = CorrectedPassRate(raw: 0.5, n: 100, truePositiveRate: 0.6, trueNegativeRate: 0.4, humanPasses: 50, humanFailures: 50)
        #expect(!chance.isCorrectable)
        #expect(chance.estimate == nil && chance.deltaInterval() == nil && chance.bootstrap() == nil)
    }

    @Test("delta method: n₊ = n₋ = 50 and N = 500 give SE 0.0473 and the interval [0.757, 0.943]")
    func deltaReference() throws {
        let rate = CorrectedPassRate(raw: 0.80, n: 500, truePositiveRate: 0.92, trueNegativeRate: 0.88, humanPasses: 50, humanFailures: 50)
        let error = try #require(rate.standardError)
        // √([0.16/500 + 0.85²·0.0736/50 + 0.15²·0.1056/50] / 0.8²) = 0.047290
        #expect(abs(error - 0.047290) < 1e-4)
        let interval = try #require(rate.deltaInterval())
        #expect(abs(interval.lower - 0.757313) < 1e-4)
        #expect(abs(interval.upper - 0.942687) < 1e-4)
    }

    @Test("the seeded bootstrap is reproducible, and agrees with the delta method on the reference case")
    func bootstrapReference() throws {
        let rate = CorrectedPassRate(raw: 0.80, n: 500, truePositiveRate: 0.92, trueNegativeRate: 0.88, humanPasses: 50, humanFailures: 50)
        let first = try #require(rate.bootstrap(resamples: 4000, seed: 42))
        let again = try #require(rate.bootstrap(resamples: 4000, seed: 42))
        #expect(first.interval == again.interval && first.standardError == again.standardError)
        let other = try #require(rate.bootstrap(resamples: 4000, seed: 43))
        #expect(first.interval != other.interval)
        // The spread agrees within 0.01; the percentile interval follows the ratio's skew (a
        // simulation with numpy gives [0.767, 0.958]), so its ends sit up to 0.02 from the delta's.
        #expect(abs(first.standardError - 0.047290) < 0.01)
        #expect(abs(first.interval.lower - 0.757313) < 0.02)
        #expect(abs(first.interval.upper - 0.942687) < 0.02)
        #expect(first.interval.lower < 0.85 && 0.85 < first.interval.upper)
    }

    @Test("Cohen's kappa: TP 40, FN 5, FP 6, TN 49 gives p_o 0.89, p_e 0.504, κ 0.7782, SE 0.0631")
    func kappaReference() {
        let table = JudgeAgreement(truePositives: 40, falseNegatives: 5, falsePositives: 6, trueNegatives: 49)
        #expect(abs(table.agreement - 0.89) < 1e-4)
        #expect(abs(table.chanceAgreement - 0.504) < 1e-4)
        #expect(abs(table.kappa - 0.7782) < 1e-4)
        #expect(abs(table.kappaStandardError - 0.0631) < 1e-4)
        #expect(abs(table.truePositiveRate - 40.0 / 45) < 1e-12)
        #expect(abs(table.trueNegativeRate - 49.0 / 55) < 1e-12)
    }

    @Test("Wilson: 90/100 gives [0.8256, 0.9448] and 450/500 gives [0.8706, 0.9233], the recipe's ±6 and ±2.6")
    func wilsonReference() {
        let hundred = Wilson.interval(successes: 90, n: 100)
        #expect(abs(hundred.lower - 0.8256) < 1e-4 && abs(hundred.upper - 0.9448) < 1e-4)
        let fiveHundred = Wilson.interval(successes: 450, n: 500)
        #expect(abs(fiveHundred.lower - 0.8706) < 1e-4 && abs(fiveHundred.upper - 0.9233) < 1e-4)
    }

    @Test("regression power: a 5-point drop at 10% discordance needs 307 examples for 80% power")
    func regressionPowerReference() {
        // ((1.959964 + 0.841621) · √(0.1 − 0.05²) / 0.05)² = 306.106 (computed with Python).
        let power = RegressionPower(drop: 0.05, discordance: 0.10)
        #expect(power.examplesNeeded(power: 0.8) == 307)
        #expect(power.power(n: 307) >= 0.8)
        #expect(power.power(n: 306) < 0.8)
        // More discordance, more examples; no examples, no power.
        #expect(RegressionPower(drop: 0.05, discordance: 0.2).examplesNeeded() > 307)
        #expect(power.power(n: 0) == 0)
        #expect(abs(RegressionPower.independentDiscordance(rate: 0.9) - 0.18) < 1e-12)
    }

    @Test("a split's number is SHA-256 of SEED:ID as Python's hashlib computes it")
    func splitUnitMatchesHashlib() throws {
        // int.from_bytes(hashlib.sha256(f"{seed}:{id}".encode()).digest()[:8], "big") / 2**64
        let plan = try StableSplit(train: 0.2, dev: 0.4, test: 0.4, seed: "7")
        #expect(abs(plan.unit(of: "ex-1") - 0.37203432163191585) < 1e-12)
        #expect(abs(plan.unit(of: "ex-2") - 0.2716757410363752) < 1e-12)
        #expect(plan.split(of: "ex-1") == "dev")  // 0.2 ≤ 0.372 < 0.6
        #expect(try StableSplit(train: 0.5, dev: 0.25, test: 0.25, seed: "seed").split(of: "a") == "train")  // 0.189
        #expect(throws: EvalDBError.self) { try StableSplit(train: 0.5, dev: 0.5, test: 0.5, seed: "x") }
    }

    @Test("balanced placement keeps each group within one example of its shares")
    func balancedPlacement() throws {
        let plan = try StableSplit(train: 0.2, dev: 0.4, test: 0.4, seed: "s")
        let ids = (0..<50).map { "id-\($0)" }
        let placed = plan.balanced(ids, existing: [:])
        var counts: [String: Int] = [:]
        for split in placed.values { counts[split, default: 0] += 1 }
        #expect(counts == ["train": 10, "dev": 20, "test": 20])
        // Existing examples count: a group that has 10 in train already gets its new ones in dev and test.
        let more = plan.balanced((50..<60).map { "id-\($0)" }, existing: ["train": 10])
        #expect(!more.values.contains("train"))
    }

    @Test("folded text trims, collapses white space and case-folds every string of a value")
    func foldedText() throws {
        let a = try JSONParser.parse(#"{"input": [{"content": "  Where is   my REFUND? ", "role": "user"}]}"#)
        let b = try JSONParser.parse(#"{"input": [{"role": "user", "content": "where is my refund?"}]}"#)
        #expect(FoldedText.fold(a, try #require(a.member(0, "input"))) == FoldedText.fold(b, try #require(b.member(0, "input"))))
        let c = try JSONParser.parse(#"{"input": "where is my refund"}"#)
        #expect(FoldedText.fold(a, try #require(a.member(0, "input"))) != FoldedText.fold(c, try #require(c.member(0, "input"))))
    }
}
