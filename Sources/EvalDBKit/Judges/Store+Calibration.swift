import Foundation

/// A judge measured against human verdicts (`judge calibrate`): the confusion table of the pairs,
/// what was left out, and the disagreements to review.
public struct JudgeCalibration: Sendable {
    /// What the recipe asks of a judge: TPR and TNR of 0.90 or more are wanted; below 0.80 its
    /// corrected rates are not worth reporting.
    public static let target = 0.90
    public static let unusableBelow = 0.80
    /// Fewer human verdicts of either class than this: no calibration.
    public static let minimumPerClass = 10

    public var name: String
    public var judgeRun: String
    /// The run whose results the people judged (often the judge run itself).
    public var humanRun: String
    public var split: String?
    public var agreement: JudgeAgreement
    /// Verdicts left out because the judge judged another revision of the example or another output.
    public var leftOut: Int
    /// Human verdicts with no judge result for the same example and trial (or one that is an error:
    /// the judge gave no verdict).
    public var unmatched: Int
    /// The pairs on which judge and person disagree.
    public var disagreements: [(id: String, trial: Int, human: Bool, judge: Bool)]
    public var createdBy: String?
    public var createdAt: String?

    /// The judge is no better than chance (TPR + TNR ≤ 1): its rates cannot be corrected.
    public var isNoBetterThanChance: Bool { agreement.youden <= 0 }

    /// How the judge fares against the recipe's targets.
    public enum Grade: String, Sendable {
        case meetsTarget = "meets the target"
        case belowTarget = "below the target"
        case unusable
    }

    public var grade: Grade {
        let worst = min(agreement.truePositiveRate, agreement.trueNegativeRate)
        return worst >= Self.target ? .meetsTarget : worst >= Self.unusableBelow ? .belowTarget : .unusable
    }
}

extension Store {
    /// Measures the judge run `judge` against the latest human verdicts on the results of `human`
    /// (the same run, or another run of the same outputs). A verdict pairs with the judge's result
    /// for the same example and trial when the example's content is the same in both runs' versions
    /// and the result's `output` is the same; the others are left out and counted. With `split`,
    /// only the examples whose label `splitKey` has that value (in the judge run's version) count.
    /// Throws `EvalDBError.tooFewVerdicts` when either class has fewer than
    /// `JudgeCalibration.minimumPerClass` human verdicts.
    public func calibrate(judge: EvalRun, human: EvalRun, split: String? = nil, splitKey: String = "split") throws -> JudgeCalibration {
        let rows = try database.prepare(
            """
            SELECT e.id, h.example, h.trial, h.pass, CASE WHEN \(ErroredResult.sql("j.record")) THEN NULL ELSE j.pass END,
                   (hx.record -> '$.output') IS (j.record -> '$.output')
            FROM human_verdicts h
            JOIN stored_examples e ON e.key = h.example
            JOIN stored_results hx ON hx.run = h.run AND hx.example = h.example AND hx.trial = h.trial
            LEFT JOIN stored_results j ON j.run = ?2 AND j.example = h.example AND j.trial = h.trial
            WHERE h.run = ?1 AND \(Self.latestVerdict)
            ORDER BY hx.line
            """)
        try rows.bind([.int(human.id), .int(judge.id)])
        var pairs: [(key: Int64, id: String, trial: Int, human: Bool, judge: Bool?, sameOutput: Bool)] = []
        while try rows.step() {
            pairs.append((rows.int(1), rows.text(0), Int(rows.int(2)), rows.int(3) != 0, rows.isNull(4) ? nil : rows.int(4) != 0, rows.int(5) != 0))
        }
        if let split {
            let values = try sliceValues(of: Array(Set(pairs.map(\.key))), at: judge.version)
            try checkKeys([splitKey], heldBy: values)
            pairs = pairs.filter { values[$0.key]?[splitKey]?.contains(split) ?? false }
        }
        let records = try RecordComparer(database)
        var table = JudgeAgreement(truePositives: 0, falseNegatives: 0, falsePositives: 0, trueNegatives: 0)
        var leftOut = 0, unmatched = 0
        var disagreements: [(id: String, trial: Int, human: Bool, judge: Bool)] = []
        for pair in pairs {
            guard let judged = pair.judge else {
                unmatched += 1
                continue
            }
            guard try pair.sameOutput && records.hasSameGradedContent(pair.key, at: human.version, and: judge.version) else {
                leftOut += 1
                continue
            }
            switch (pair.human, judged) {
            case (true, true): table.truePositives += 1
            case (true, false): table.falseNegatives += 1
            case (false, true): table.falsePositives += 1
            case (false, false): table.trueNegatives += 1
            }
            if pair.human != judged { disagreements.append((pair.id, pair.trial, pair.human, judged)) }
        }
        guard table.humanPasses >= JudgeCalibration.minimumPerClass, table.humanFailures >= JudgeCalibration.minimumPerClass else {
            throw EvalDBError.tooFewVerdicts(
                passes: table.humanPasses, failures: table.humanFailures, minimum: JudgeCalibration.minimumPerClass)
        }
        return JudgeCalibration(
            name: judge.name, judgeRun: judge.name, humanRun: human.name, split: split, agreement: table, leftOut: leftOut,
            unmatched: unmatched, disagreements: disagreements)
    }

    /// Keeps `calibration` under its name (it replaces in reports every one of the name saved
    /// before it, here or in another clone: `LatestEvent`), in the database and the team log.
    public func save(_ calibration: JudgeCalibration, by author: String) throws {
        let members: [String: LogEvent.Value?] = [
            "name": .string(calibration.name), "judge": .string(calibration.judgeRun), "human": .string(calibration.humanRun),
            "split": calibration.split.map { .string($0) }, "tp": .int(calibration.agreement.truePositives),
            "fn": .int(calibration.agreement.falseNegatives), "fp": .int(calibration.agreement.falsePositives),
            "tn": .int(calibration.agreement.trueNegatives), "left_out": .int(calibration.leftOut), "by": .string(author),
            "unmatched": .int(calibration.unmatched),
        ]
        try database.writeTransaction {
            let inForce = try factInForce(
                "SELECT created_at, event FROM judge_calibrations WHERE name = ? ORDER BY \(Self.latestCalibrationFirst) LIMIT 1",
                [.text(calibration.name)])
            let event = LatestEvent.replacing("calibration", members, now: isoNow(), latest: inForce)
            try insertCalibration(event)
            try teamLog?.append(event)
        }
    }

    /// The order of a name's calibrations, the one in force first.
    private static let latestCalibrationFirst = LatestEvent.first(at: "created_at", event: "event", row: "id")

    /// A calibration from the team log.
    func applyCalibration(_ event: LogEvent) throws -> Bool {
        try insertCalibration(event)
        return true
    }

    private func insertCalibration(_ event: LogEvent) throws {
        func count(_ key: String) -> Int64? { event.json(key).flatMap { Int64($0) } }
        guard let name = event.string("name"), let judge = event.string("judge"), let human = event.string("human"),
            let tp = count("tp"), let fn = count("fn"), let fp = count("fp"), let tn = count("tn"), let author = event.string("by")
        else { return }  // nothing to apply; the line stays in its file
        try database.prepare(
            """
            INSERT OR IGNORE INTO judge_calibrations(name, judge_run, human, split, tp, fn, fp, tn, left_out, created_by, created_at, event)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        ).run([
            .text(name), .text(judge), .text(human), event.string("split").map(SQLValue.text) ?? .null, .int(tp), .int(fn), .int(fp),
            .int(tn), .int(count("left_out") ?? 0), .text(author), .text(event.at), .text(event.id),
        ])
    }

    /// The calibration in use under `name`: the one of the latest `at` (ties: the larger event id).
    public func calibration(named name: String) throws -> JudgeCalibration {
        let row = try database.prepare(
            """
            SELECT name, judge_run, human, split, tp, fn, fp, tn, left_out, created_by, created_at
            FROM judge_calibrations WHERE name = ? ORDER BY \(Self.latestCalibrationFirst) LIMIT 1
            """)
        try row.bind([.text(name)])
        guard try row.step() else {
            let names = try database.prepare("SELECT DISTINCT name FROM judge_calibrations ORDER BY name")
            var known: [String] = []
            while try names.step() { known.append(names.text(0)) }
            throw EvalDBError.noSuchCalibration(name, known: known)
        }
        return JudgeCalibration(
            name: row.text(0), judgeRun: row.text(1), humanRun: row.text(2), split: row.optionalText(3),
            agreement: JudgeAgreement(
                truePositives: Int(row.int(4)), falseNegatives: Int(row.int(5)), falsePositives: Int(row.int(6)),
                trueNegatives: Int(row.int(7))),
            leftOut: Int(row.int(8)), unmatched: 0, disagreements: [], createdBy: row.text(9), createdAt: row.text(10))
    }
}
