import ArgumentParser
import EvalDBKit
import Foundation

/// `judge`: human verdicts on runs' results, and an LLM judge measured against them.
struct Judge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "judge",
        abstract: "Human verdicts, and an LLM judge calibrated against them.",
        discussion: """
            A judge's verdicts are a run's results (record them with `evaldb run record --meta judge=MODEL`). \
            People give their own verdicts on a run's results with `judge verdicts` or with the key v in \
            `review --run`; `judge calibrate` measures the judge against them, and `report RUN \
            --judge-calibration NAME` corrects the judge's pass rate for its known errors \
            (docs/statistics.md).

            Examples:
              evaldb judge verdicts human.jsonl --run judge-gpt
              evaldb judge calibrate --judge judge-gpt --human judge-gpt --split test
            """,
        subcommands: [Verdicts.self, Calibrate.self])

    struct Verdicts: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verdicts",
            abstract: "Record people's pass/fail verdicts on a run's results from a JSONL file.",
            discussion: """
                Each line: {"id": ..., "trial": N (optional: every trial), "pass": true|false, "reviewer": ... \
                (optional: --reviewer)}. Any invalid line (or an id the run has no result for) is reported \
                as FILE:LINE:COL and nothing is recorded (exit 1). A later verdict on the same result \
                replaces an earlier one. The verdicts are team state: they go to the team log in evals/log/.

                Examples:
                  evaldb judge verdicts human.jsonl --run judge-gpt --reviewer ana
                """)

        @Argument(help: "The verdicts file (JSONL; - for standard input).") var file: String
        @Option(name: .customLong("run"), help: "The run whose results the verdicts are on.") var runName: String
        @Option(help: "Who gave the verdicts of the lines without \"reviewer\" (default: git user.name, else $USER).")
        var reviewer: String?
        @Option(name: .customLong("max-errors"), help: "Stop after this many errors.") var maxErrors = 50
        @OptionGroup var database: DatabaseOptions

        func run() throws {
            let store = try database.open()
            let count = try store.recordVerdicts(file, run: try store.run(named: runName), reviewer: reviewer ?? defaultUser(), maxErrors: maxErrors)
            Output.stdout("recorded \(count) verdict\(count == 1 ? "" : "s") on run \(runName)")
        }
    }

    struct Calibrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "calibrate",
            abstract: "Measure a judge run against human verdicts: TPR, TNR, agreement, Cohen's kappa.",
            discussion: """
                SOURCE is the run whose results people judged (often the judge run itself), or a verdicts \
                file, which is recorded on the judge run first (as `judge verdicts` does). A verdict pairs \
                with the judge's result for the same example and trial when the example's content and the \
                result's output are the same in both runs; the others are left out and counted. Pass is \
                the positive class: TPR is the share of human passes the judge passed, TNR the share of \
                human failures it failed, each with a 95% Wilson interval.

                Refused (exit 2) when either class has fewer than 10 human verdicts. Warns when TPR or TNR \
                is under 90 (the recipe's target) or under 80 (unusable), and when TPR + TNR ≤ 100 (no \
                better than chance: nothing can be corrected). The calibration is kept under --name (the \
                judge run's name by default) for `report --judge-calibration`, and goes to the team log.

                Examples:
                  evaldb judge calibrate --judge judge-gpt --human judge-gpt
                  evaldb judge calibrate --judge judge-gpt --human verdicts.jsonl \\
                      --split test --format json
                """)

        @Option(help: "The judge run: its results' pass are the judge's verdicts.", completion: Completions.runNames) var judge: String
        @Option(help: "The run whose results people judged, or a verdicts file.") var human: String
        @Option(help: "Only the examples of this split (the label --split-key, default split).") var split: String?
        @Option(name: .customLong("split-key"), help: "The label that holds the split.") var splitKey = "split"
        @Option(help: "The name to keep the calibration under (default: the judge run's name).") var name: String?
        @Option(help: "Who made the calibration, and the verdicts of a file's lines without \"reviewer\".") var reviewer: String?
        @Flag(name: .customLong("dry-run"), help: "Measure, but keep nothing.") var dryRun = false
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var format: FormatOptions

        func run() throws {
            let store = try database.open()
            let judgeRun = try store.run(named: judge)
            let who = reviewer ?? defaultUser()
            var humanRun: EvalRun
            if FileManager.default.fileExists(atPath: human) || human == "-" {
                if dryRun { throw ValidationError("--dry-run takes a run as --human, not a file (a file's verdicts are recorded)") }
                try store.recordVerdicts(human, run: judgeRun, reviewer: who)
                humanRun = judgeRun
            } else {
                humanRun = try store.run(named: human)
            }
            var calibration = try store.calibrate(judge: judgeRun, human: humanRun, split: split, splitKey: splitKey)
            calibration.name = name ?? judge
            if !dryRun { try store.save(calibration, by: who) }
            for warning in Self.warnings(calibration) { Output.stderr("evaldb: warning: " + warning) }
            switch format.format {
            case .table: print(calibration, saved: !dryRun)
            case .json, .jsonl: Output.stdout(Self.json(calibration).text)
            case .csv:
                var listing = Listing(columns: ["measure", "value", "low", "high", "count", "of"])
                let table = calibration.agreement
                let tpr = table.truePositiveInterval(), tnr = table.trueNegativeInterval()
                let z = Wilson.z(confidence: 0.95)
                listing.rows = [
                    [
                        .text("tpr"), .points(table.truePositiveRate), .points(tpr.lower), .points(tpr.upper), .int(table.truePositives),
                        .int(table.humanPasses),
                    ],
                    [
                        .text("tnr"), .points(table.trueNegativeRate), .points(tnr.lower), .points(tnr.upper), .int(table.trueNegatives),
                        .int(table.humanFailures),
                    ],
                    [.text("agreement"), .points(table.agreement), .null, .null, .int(table.truePositives + table.trueNegatives), .int(table.n)],
                    [
                        .text("kappa"), .number(table.kappa, decimals: 4), .number(table.kappa - z * table.kappaStandardError, decimals: 4),
                        .number(table.kappa + z * table.kappaStandardError, decimals: 4), .null, .null,
                    ],
                ]
                Output.stdout(format.render(listing))
            }
        }

        static func warnings(_ calibration: JudgeCalibration) -> [String] {
            let table = calibration.agreement
            var warnings: [String] = []
            if calibration.isNoBetterThanChance {
                warnings.append(
                    String(
                        format: "TPR + TNR = %.1f, not above 100: the judge is no better than chance and its pass rates cannot be corrected",
                        (table.truePositiveRate + table.trueNegativeRate) * 100))
            }
            for (measure, rate) in [("TPR", table.truePositiveRate), ("TNR", table.trueNegativeRate)] {
                if rate < JudgeCalibration.unusableBelow {
                    warnings.append(
                        String(format: "%@ %.1f is under 80: the judge is not usable for this (the recipe wants 90 or more)", measure, rate * 100))
                } else if rate < JudgeCalibration.target {
                    warnings.append(String(format: "%@ %.1f is under the recipe's target of 90", measure, rate * 100))
                }
            }
            return warnings
        }

        static func json(_ calibration: JudgeCalibration) -> JSONOutput {
            let table = calibration.agreement
            func rate(_ value: Double, _ interval: ProportionInterval, _ count: Int, _ of: Int) -> JSONOutput {
                .object([
                    ("rate", .points(value)), ("low", .points(interval.lower)), ("high", .points(interval.upper)), ("count", .int(count)),
                    ("of", .int(of)),
                ])
            }
            return .object([
                ("name", .string(calibration.name)), ("judge", .string(calibration.judgeRun)), ("human", .string(calibration.humanRun)),
                ("split", .optional(calibration.split)), ("pairs", .int(table.n)), ("left_out", .int(calibration.leftOut)),
                ("unmatched", .int(calibration.unmatched)),
                (
                    "confusion",
                    .object([
                        ("tp", .int(table.truePositives)), ("fn", .int(table.falseNegatives)), ("fp", .int(table.falsePositives)),
                        ("tn", .int(table.trueNegatives)),
                    ])
                ),
                ("tpr", rate(table.truePositiveRate, table.truePositiveInterval(), table.truePositives, table.humanPasses)),
                ("tnr", rate(table.trueNegativeRate, table.trueNegativeInterval(), table.trueNegatives, table.humanFailures)),
                ("agreement", .points(table.agreement)), ("chance_agreement", .points(table.chanceAgreement)),
                ("kappa", .number(table.kappa, decimals: 4)), ("kappa_se", .number(table.kappaStandardError, decimals: 4)),
                ("grade", .string(calibration.grade.rawValue)), ("no_better_than_chance", .bool(calibration.isNoBetterThanChance)),
                (
                    "disagreements",
                    .array(
                        calibration.disagreements.map {
                            .object([("id", .string($0.id)), ("trial", .int($0.trial)), ("human", .bool($0.human)), ("judge", .bool($0.judge))])
                        })
                ),
            ])
        }

        private func print(_ calibration: JudgeCalibration, saved: Bool) {
            let table = calibration.agreement
            let on = calibration.humanRun == calibration.judgeRun ? "on its own results" : "on run \(calibration.humanRun)"
            Output.stdout("judge \(calibration.judgeRun) against human verdicts \(on)\(calibration.split.map { " (split \($0))" } ?? "")")
            var notes: [String] = []
            if calibration.leftOut > 0 { notes.append("\(calibration.leftOut) left out: another revision of the example or another output") }
            if calibration.unmatched > 0 { notes.append("\(calibration.unmatched) with no judge result") }
            Output.stdout("\(table.n) pairs" + (notes.isEmpty ? "" : " (\(notes.joined(separator: "; ")))") + "\n")
            var confusion = Listing(columns: ["", "judge pass", "judge fail"])
            confusion.rows = [
                [.text("human pass"), .int(table.truePositives), .int(table.falseNegatives)],
                [.text("human fail"), .int(table.falsePositives), .int(table.trueNegatives)],
            ]
            Output.stdout(confusion.render(.table) + "\n")
            let tpr = table.truePositiveInterval(), tnr = table.trueNegativeInterval()
            func interval(_ i: ProportionInterval) -> String {
                "95% CI \(Listing.format(i.lower * 100, decimals: 1))–\(Listing.format(i.upper * 100, decimals: 1))"
            }
            Output.stdout(
                "TPR        \(Listing.format(table.truePositiveRate * 100, decimals: 1))  \(interval(tpr))  (\(table.truePositives)/\(table.humanPasses) human passes)"
            )
            Output.stdout(
                "TNR        \(Listing.format(table.trueNegativeRate * 100, decimals: 1))  \(interval(tnr))  (\(table.trueNegatives)/\(table.humanFailures) human failures)"
            )
            Output.stdout(
                "agreement  \(Listing.format(table.agreement * 100, decimals: 1))  (chance \(Listing.format(table.chanceAgreement * 100, decimals: 1)))"
            )
            Output.stdout("kappa      \(Listing.format(table.kappa, decimals: 4))  SE \(Listing.format(table.kappaStandardError, decimals: 4))")
            Output.stdout("grade      \(calibration.grade.rawValue) (TPR and TNR of 90 wanted, under 80 unusable)")
            if !calibration.disagreements.isEmpty {
                let shown = calibration.disagreements.prefix(20).map {
                    "\(Terminal.sanitized($0.id))\($0.trial == 0 ? "" : "#\($0.trial)") (human \($0.human ? "pass" : "fail"))"
                }
                let more = calibration.disagreements.count > 20 ? " and \(calibration.disagreements.count - 20) more (--format json lists all)" : ""
                Output.stdout("\ndisagreements (\(calibration.disagreements.count)): \(shown.joined(separator: ", "))\(more)")
            }
            if saved {
                Output.stdout("\nsaved as \(calibration.name): evaldb report RUN --judge-calibration \(calibration.name)")
            }
        }
    }
}
