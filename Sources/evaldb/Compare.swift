import ArgumentParser
import EvalDBKit
import Foundation

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two runs, paired by example, and gate on a regression budget.",
        discussion: """
            Pairs the examples both runs hold whose input, context and expected output are the same in \
            both runs' dataset versions (those changed between them are left out and counted; a change \
            of labels, tags or notes keeps an example paired). Prints both pass rates, the paired difference \
            (candidate - base) with its 95% interval (Newcombe 1998, method 10), the exact McNemar \
            p-value, the flips each way with their ids, and with --by the deltas per slice; rates and \
            differences in percentage points with one decimal. With --budget PTS: pass (exit 0) when the \
            interval's lower bound is above -PTS points, regression (exit 1) when the difference itself \
            is below -PTS, inconclusive (exit 3) otherwise, with the number of examples that would settle \
            it. Examples whose results are errors (a command that failed or timed out: `run exec`) are \
            left out and counted, never taken for fails; while any errored in the candidate, a gate that \
            would pass is inconclusive (exit 3). Without --budget it reports and exits 0. --junit FILE also writes the verdict as a JUnit \
            XML report (a failure for a regression or an inconclusive gate), as pytest does. With \
            --judge-calibration NAME the runs' results are a judge's verdicts: both rates and the \
            difference are also shown corrected for the judge's errors (the gate stays on the raw ones).

            Examples:
              evaldb compare baseline candidate --budget 2
              evaldb compare baseline candidate --by feature --format json
              evaldb compare baseline candidate --budget 2 --junit compare.xml
            """)

    @Argument(help: "The base run.", completion: Completions.runNames) var base: String
    @Argument(help: "The candidate run.", completion: Completions.runNames) var candidate: String

    @Option(parsing: .unconditional, help: "The regression budget, in points (2 for two points of pass rate).")
    var budget: Double?

    @Option(help: "Deltas per slice of these label keys or fields (K[,K]).")
    var by: String?

    @Option(name: .customLong("cluster-by"), help: "A key whose examples sharing a value are not independent (a conversation, a topic).")
    var clusterBy: String?

    @Option(help: "The confidence level of the interval, in percent.", transform: { try Percent.parse($0, flag: "--confidence") })
    var confidence: Double = 0.95

    @Option(help: "Also write the gate as a JUnit XML report to this file.")
    var junit: String?

    @Option(name: .customLong("judge-calibration"), help: "Also correct both runs' rates with this judge calibration.")
    var judgeCalibration: String?

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var format: FormatOptions

    func validate() throws {
        if let budget { try validateBudget(budget) }
        guard confidence > 0 && confidence < 1 else { throw ValidationError("--confidence is a percent above 0 and under 100") }
    }

    func run() throws {
        let store = try database.openForReading()
        let keys = by.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } ?? []
        let result = try store.compare(
            base: try store.run(named: base), candidate: try store.run(named: candidate),
            budget: budget.map { $0 / 100 }, by: keys, clusterBy: clusterBy, confidence: confidence)
        let corrected = try judgeCalibration.map { try result.corrected(by: try store.calibration(named: $0)) }
        switch format.format {
        case .table: printTable(result, keys: keys, corrected: corrected)
        case .json, .jsonl: Output.stdout(json(result, keys: keys, corrected: corrected).text)
        case .csv:
            var listing = Listing(columns: keys + ["examples", "base", "candidate", "delta"])
            let all: [Listing.Value] = keys.map { _ in .text("(all)") }
            listing.rows.append(all + deltaCells(result.counts))
            for slice in result.slices {
                let values: [Listing.Value] = slice.values.map { $0.map(Listing.Value.text) ?? .null }
                listing.rows.append(values + deltaCells(slice.counts))
            }
            Output.stdout(format.render(listing))
        }
        if let junit { try writeJUnit(result, to: junit) }
        switch result.verdict {
        case .regression: throw ExitCode(1)
        case .inconclusive: throw ExitCode(3)
        case .pass, nil: return
        }
    }

    /// A slice's examples, base and candidate rates and delta, in points.
    private func deltaCells(_ counts: PairedCounts) -> [Listing.Value] {
        [.int(counts.n), .points(counts.secondRate), .points(counts.firstRate), .points(counts.firstRate - counts.secondRate)]
    }

    private func signed(_ fraction: Double) -> String {
        let text = Listing.format(fraction * 100, decimals: 1)
        return text.hasPrefix("-") ? text : "+" + text
    }

    /// What the verdict says, in one line.
    private func verdictLine(_ result: RunComparison) -> String? {
        guard let verdict = result.verdict, let budget else { return nil }
        let limit = "-" + Listing.format(budget, decimals: 1)
        switch verdict {
        case .pass:
            return "pass — the interval's lower bound \(signed(result.lower)) is above \(limit) points"
        case .regression:
            return "regression — the difference \(signed(result.difference)) is below \(limit) points"
        case .inconclusive where result.heldBackByErrors:
            return "inconclusive — the interval's lower bound \(signed(result.lower)) is above \(limit) points, but \(result.candidateErrors) "
                + "examples errored in the candidate and a gate does not pass on missing results; run them again "
                + "(`evaldb run exec --reuse \(candidate) …` runs only those)"
        case .inconclusive(let needed):
            return "inconclusive — the interval reaches below \(limit) points but the difference does not; "
                + (needed.map { "about \($0) paired examples at these rates would settle it" }
                    ?? "no number of examples at these rates would settle it")
        }
    }

    private func verdictName(_ verdict: RunComparison.Verdict?) -> String? {
        switch verdict {
        case .pass: "pass"
        case .regression: "regression"
        case .inconclusive: "inconclusive"
        case nil: nil
        }
    }

    private func printTable(_ result: RunComparison, keys: [String], corrected: CorrectedComparison?) {
        let c = result.counts
        func rate(_ passed: Int) -> String {
            "\(Listing.format(c.n == 0 ? 0 : Double(passed) / Double(c.n) * 100, decimals: 1))% (\(passed)/\(c.n))"
        }
        Output.stdout(
            "compare \(Terminal.sanitized(base)) -> \(Terminal.sanitized(candidate)): \(c.n) paired examples"
                + (result.excludedEdited.isEmpty
                    ? "" : ", \(result.excludedEdited.count) left out (input, context or expected output changed between the two versions)")
                + (result.excludedErrored.isEmpty
                    ? "" : ", \(result.excludedErrored.count) left out (errors, not graded: \(result.candidateErrors) in the candidate)")
                + (result.unpaired == 0 ? "" : ", \(result.unpaired) in one run only"))
        Output.stdout("base       \(rate(c.both + c.secondOnly))")
        Output.stdout("candidate  \(rate(c.both + c.firstOnly))")
        let level = "\(Int((confidence * 100).rounded()))%"
        let design = result.designEffect > 1 ? ", design effect \(Listing.format(result.designEffect, decimals: 2))" : ""
        Output.stdout(
            "difference \(signed(result.difference)) points  \(level) CI [\(signed(result.lower)), \(signed(result.upper))] (Newcombe 1998, method 10\(design))  exact McNemar p = \(String(format: "%.4g", result.mcNemarP))"
        )
        Output.stdout("flips      \(result.regressed.count) pass->fail, \(result.fixed.count) fail->pass")
        if !result.regressed.isEmpty { Output.stdout("  pass->fail: " + result.regressed.prefix(20).map(Terminal.sanitized).joined(separator: ", ")) }
        if !result.fixed.isEmpty { Output.stdout("  fail->pass: " + result.fixed.prefix(20).map(Terminal.sanitized).joined(separator: ", ")) }
        if let corrected {
            func theta(_ rate: CorrectedPassRate) -> String { rate.estimate.map { Listing.format($0 * 100, decimals: 1) + "%" } ?? "-" }
            Output.stdout(
                "corrected  base \(theta(corrected.base)), candidate \(theta(corrected.candidate)), difference \(signed(corrected.difference)) points  \(level) CI [\(signed(corrected.lower)), \(signed(corrected.upper))] (calibration \(judgeCalibration ?? ""))"
            )
        }
        if !result.slices.isEmpty {
            var listing = Listing(columns: keys + ["examples", "base", "candidate", "delta"])
            for slice in result.slices {
                let values: [Listing.Value] = slice.values.map { $0.map(Listing.Value.text) ?? .null }
                listing.rows.append(values + deltaCells(slice.counts))
            }
            Output.stdout("\n" + listing.render(.table))
        }
        if let line = verdictLine(result) { Output.stdout("\nverdict: " + line) }
    }

    private func json(_ result: RunComparison, keys: [String], corrected: CorrectedComparison?) -> JSONOutput {
        let c = result.counts
        func side(_ name: String, _ passed: Int) -> JSONOutput {
            .object([
                ("name", .string(name)), ("examples", .int(c.n)), ("passed", .int(passed)),
                ("rate", .points(c.n == 0 ? 0 : Double(passed) / Double(c.n))),
            ])
        }
        var needed: Int?
        if case .inconclusive(let count) = result.verdict { needed = count }
        var members: [(String, JSONOutput)] = [
            ("base", side(base, c.both + c.secondOnly)), ("candidate", side(candidate, c.both + c.firstOnly)), ("paired", .int(c.n)),
            ("left_out_edited", .array(result.excludedEdited.map(JSONOutput.string))),
            ("left_out_errored", .array(result.excludedErrored.map(JSONOutput.string))), ("candidate_errors", .int(result.candidateErrors)),
            ("unpaired", .int(result.unpaired)),
            ("difference", .points(result.difference)), ("low", .points(result.lower)), ("high", .points(result.upper)),
            ("confidence", .points(confidence)), ("design_effect", .number(result.designEffect, decimals: 4)),
            ("mcnemar_p", .number(result.mcNemarP, decimals: 6)),
            ("pass_to_fail", .array(result.regressed.map(JSONOutput.string))), ("fail_to_pass", .array(result.fixed.map(JSONOutput.string))),
            (
                "slices",
                .array(
                    result.slices.map { slice in
                        .object([
                            ("values", .object(zip(keys, slice.values).map { ($0, JSONOutput.optional($1)) })), ("examples", .int(slice.counts.n)),
                            ("base", .points(slice.counts.secondRate)), ("candidate", .points(slice.counts.firstRate)),
                            ("delta", .points(slice.counts.firstRate - slice.counts.secondRate)),
                        ])
                    })
            ),
            ("budget", budget.map { .number($0, decimals: 1) } ?? .null), ("verdict", .optional(verdictName(result.verdict))),
            ("examples_needed", needed.map(JSONOutput.int) ?? .null),
        ]
        if let corrected {
            members.append(
                (
                    "corrected",
                    .object([
                        ("calibration", .optional(judgeCalibration)), ("base", corrected.base.estimate.map(JSONOutput.points) ?? .null),
                        ("candidate", corrected.candidate.estimate.map(JSONOutput.points) ?? .null), ("difference", .points(corrected.difference)),
                        ("low", .points(corrected.lower)), ("high", .points(corrected.upper)),
                    ])
                ))
        }
        return .object(members)
    }

    /// The gate as JUnit XML: one test case for the gate (a failure when it is a regression or
    /// inconclusive), one passing case per slice with its delta.
    private func writeJUnit(_ result: RunComparison, to path: String) throws {
        func escaped(_ text: String) -> String {
            var out = ""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "&": out += "&amp;"
                case "<": out += "&lt;"
                case ">": out += "&gt;"
                case "\"": out += "&quot;"
                case "'": out += "&apos;"
                default:
                    // XML 1.0 has no place for most control characters.
                    if scalar.value < 0x20 && scalar != "\n" && scalar != "\t" && scalar != "\r" {
                        out += "\u{FFFD}"
                    } else {
                        out.unicodeScalars.append(scalar)
                    }
                }
            }
            return out
        }
        let gate = "\(base) -> \(candidate)"
        let summary =
            "base \(Listing.format(result.counts.secondRate * 100, decimals: 1)), candidate \(Listing.format(result.counts.firstRate * 100, decimals: 1)), "
            + "difference \(signed(result.difference)) points, 95% CI [\(signed(result.lower)), \(signed(result.upper))], \(result.counts.n) paired examples; "
            + "pass->fail: \(result.regressed.joined(separator: ", ")); fail->pass: \(result.fixed.joined(separator: ", "))"
        var cases = ["    <testcase classname=\"evaldb.compare\" name=\"\(escaped(gate))\">"]
        switch result.verdict {
        case .regression, .inconclusive:
            let type = verdictName(result.verdict) ?? ""
            cases.append("      <failure type=\"\(type)\" message=\"\(escaped(verdictLine(result) ?? type))\">\(escaped(summary))</failure>")
        case .pass, nil: break
        }
        cases.append("      <system-out>\(escaped(summary))</system-out>")
        cases.append("    </testcase>")
        for slice in result.slices {
            let name = zip((by ?? "").split(separator: ","), slice.values).map { "\($0)=\($1 ?? "(none)")" }.joined(separator: " ")
            cases.append(
                "    <testcase classname=\"evaldb.compare.slices\" name=\"\(escaped(name))\"><system-out>\(escaped("\(slice.counts.n) examples, delta \(signed(slice.counts.firstRate - slice.counts.secondRate)) points"))</system-out></testcase>"
            )
        }
        let failures = result.verdict == nil || result.verdict == .pass ? 0 : 1
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuites>
              <testsuite name="evaldb compare" tests="\(1 + result.slices.count)" failures="\(failures)" errors="0" skipped="0">
            \(cases.joined(separator: "\n"))
              </testsuite>
            </testsuites>

            """
        do {
            try Data(xml.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw EvalDBError.cannotWrite(path: path, reason: error.localizedDescription)
        }
    }
}
