extension SliceStatistic {
    /// The slice's pass rate as a judge measured it, corrected with `calibration` (the judge's
    /// TPR and TNR, and the human verdicts they were measured on).
    public func corrected(by calibration: JudgeCalibration) -> CorrectedPassRate {
        CorrectedPassRate(raw: rate, n: Double(examples), agreement: calibration.agreement)
    }
}

extension JudgeCalibration {
    /// Throws `EvalDBError.judgeNoBetterThanChance` when TPR + TNR ≤ 1: nothing can be corrected.
    public func requireCorrectable() throws {
        guard !isNoBetterThanChance else {
            throw EvalDBError.judgeNoBetterThanChance(
                name, truePositiveRate: agreement.truePositiveRate, trueNegativeRate: agreement.trueNegativeRate)
        }
    }
}

/// `compare --judge-calibration`: both runs' pass rates and their paired difference, corrected for
/// one judge's known errors.
public struct CorrectedComparison: Sendable {
    public var base: CorrectedPassRate
    public var candidate: CorrectedPassRate
    /// θ_candidate − θ_base = (p_candidate − p_base) / J, unclipped.
    public var difference: Double
    public var lower: Double
    public var upper: Double
}

extension RunComparison {
    /// The comparison corrected with `calibration`: each rate by Rogan–Gladen, and the difference
    /// (p_c − p_b) / J with its interval by the delta method — the paired difference's variance
    /// ((b + c)/n − Δp²)/n over J², plus Δθ²·Var(J)/J² for the calibration's own error, where
    /// Var(J) = TPR(1 − TPR)/n₊ + TNR(1 − TNR)/n₋.
    public func corrected(by calibration: JudgeCalibration) throws -> CorrectedComparison {
        try calibration.requireCorrectable()
        let table = calibration.agreement, n = Double(counts.n)
        let j = table.youden
        let rawDifference = counts.firstRate - counts.secondRate
        let discordant = Double(counts.firstOnly + counts.secondOnly) / n
        let pairedVariance = max(0, discordant - rawDifference * rawDifference) / n
        let tpr = table.truePositiveRate, tnr = table.trueNegativeRate
        let youdenVariance = tpr * (1 - tpr) / Double(table.humanPasses) + tnr * (1 - tnr) / Double(table.humanFailures)
        let difference = rawDifference / j
        let error = ((pairedVariance + difference * difference * youdenVariance) / (j * j)).squareRoot()
        let half = Wilson.z(confidence: confidence) * error
        return CorrectedComparison(
            base: CorrectedPassRate(raw: counts.secondRate, n: n, agreement: table),
            candidate: CorrectedPassRate(raw: counts.firstRate, n: n, agreement: table),
            difference: difference, lower: max(-1, difference - half), upper: min(1, difference + half))
    }
}
