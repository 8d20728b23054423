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
