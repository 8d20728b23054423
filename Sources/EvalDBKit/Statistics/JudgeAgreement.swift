import Foundation

/// A judge's verdicts against human verdicts on the same outputs, with pass as the positive
/// class: `truePositives` are passes both gave, `falseNegatives` passes the judge failed,
/// `falsePositives` failures the judge passed, `trueNegatives` failures both gave.
public struct JudgeAgreement: Sendable, Equatable {
    public var truePositives: Int
    public var falseNegatives: Int
    public var falsePositives: Int
    public var trueNegatives: Int

    public init(truePositives: Int, falseNegatives: Int, falsePositives: Int, trueNegatives: Int) {
        self.truePositives = truePositives
        self.falseNegatives = falseNegatives
        self.falsePositives = falsePositives
        self.trueNegatives = trueNegatives
    }

    public var n: Int { truePositives + falseNegatives + falsePositives + trueNegatives }
    /// Human passes (n₊) and human failures (n₋).
    public var humanPasses: Int { truePositives + falseNegatives }
    public var humanFailures: Int { falsePositives + trueNegatives }

    /// The true positive rate (sensitivity): of the outputs a person passed, the share the judge passed.
    public var truePositiveRate: Double { humanPasses == 0 ? 0 : Double(truePositives) / Double(humanPasses) }
    /// The true negative rate (specificity): of the outputs a person failed, the share the judge failed.
    public var trueNegativeRate: Double { humanFailures == 0 ? 0 : Double(trueNegatives) / Double(humanFailures) }

    public func truePositiveInterval(confidence: Double = 0.95) -> ProportionInterval {
        Wilson.interval(successes: Double(truePositives), n: Double(humanPasses), confidence: confidence)
    }

    public func trueNegativeInterval(confidence: Double = 0.95) -> ProportionInterval {
        Wilson.interval(successes: Double(trueNegatives), n: Double(humanFailures), confidence: confidence)
    }

    /// Youden's J = TPR + TNR − 1: 0 for a judge no better than chance, 1 for a perfect one. The
    /// correction of a pass rate divides by it.
    public var youden: Double { truePositiveRate + trueNegativeRate - 1 }

    /// The share of outputs on which judge and person agree (p_o).
    public var agreement: Double { n == 0 ? 0 : Double(truePositives + trueNegatives) / Double(n) }

    /// The agreement expected by chance from the two raters' own pass rates (p_e).
    public var chanceAgreement: Double {
        guard n > 0 else { return 0 }
        let total = Double(n)
        let judgePass = Double(truePositives + falsePositives) / total, humanPass = Double(humanPasses) / total
        return judgePass * humanPass + (1 - judgePass) * (1 - humanPass)
    }

    /// Cohen's kappa (J. Cohen, "A coefficient of agreement for nominal scales", Educational and
    /// Psychological Measurement 20, 1960): (p_o − p_e) / (1 − p_e).
    public var kappa: Double {
        let expected = chanceAgreement
        return expected >= 1 ? 1 : (agreement - expected) / (1 - expected)
    }

    /// Kappa's standard error, Cohen's (1960) large-sample approximation:
    /// √(p_o(1 − p_o) / (n(1 − p_e)²)).
    public var kappaStandardError: Double {
        let expected = chanceAgreement
        guard n > 0, expected < 1 else { return 0 }
        return (agreement * (1 - agreement) / (Double(n) * (1 - expected) * (1 - expected))).squareRoot()
    }
}
