import ArgumentParser
import EvalDBKit
import Foundation

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
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

            With --by, each slice's delta is tested too (exact McNemar), and its p-value adjusted across \
            the slices: Benjamini–Hochberg at the false discovery rate --fdr Q (in percent, default 5), or Holm \
            (--holm, the family-wise error rate). A slice is named as regressed only when its adjusted \
            p-value is at most Q and its delta is negative; with --budget, slices too small to detect it \
            are marked. --fail-on-slice exits 1 when any slice is named. --plot FILE.svg draws the overall \
            and per-slice differences with their intervals, the budget and the named slices (a forest plot).

            Examples:
              evaldb compare baseline candidate --budget 2
              evaldb compare baseline candidate --by feature --format json
              evaldb compare baseline candidate --budget 2 --by feature --fail-on-slice
              evaldb compare baseline candidate --budget 2 --by feature \\
                  --plot compare.svg --format markdown
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

    @Option(help: "The confidence level of the interval, in percent (default 95).", transform: { try Percent.parse($0, flag: "--confidence") })
    var confidence: Double = 0.95

    @Option(help: "Also write the gate as a JUnit XML report to this file.")
    var junit: String?

    @Option(help: "Also draw the comparison as a forest plot: a standalone SVG file (FILE.svg).")
    var plot: String?

    @Option(name: .customLong("judge-calibration"), help: "Also correct both runs' rates with this judge calibration.")
    var judgeCalibration: String?

    @Option(
        help: "With --by: the false discovery rate Q controlled across the slices, in percent (default 5).",
        transform: { try Percent.parse($0, flag: "--fdr") })
    var fdr: Double?

    @Flag(help: "With --by: control the family-wise error rate at Q instead (Holm), not the false discovery rate.")
    var holm = false

    @Flag(name: .customLong("fail-on-slice"), help: "With --by: exit 1 when any slice is named as regressed.")
    var failOnSlice = false

    @Option(help: "table, json, jsonl, csv or markdown (a summary for a pull request).")
    var format: CompareFormat = .table

    @OptionGroup var headers: HeaderOptions
    @OptionGroup var database: DatabaseOptions

    enum CompareFormat: String, ExpressibleByArgument, CaseIterable {
        case table, json, jsonl, csv, markdown
    }

    func validate() throws {
        if let budget { try validateBudget(budget) }
        guard confidence > 0 && confidence < 1 else { throw ValidationError("--confidence is a percent above 0 and under 100") }
        if let fdr, !(fdr > 0 && fdr < 1) { throw ValidationError("--fdr is a rate above 0% and under 100% (5 for 5%)") }
        if by == nil {
            for (flag, given) in [("--fdr", fdr != nil), ("--holm", holm), ("--fail-on-slice", failOnSlice)] where given {
                throw ValidationError("\(flag) goes with --by K: it is about the slices")
            }
        }
    }

    var method: MultipleComparisons.Method { holm ? .holm : .benjaminiHochberg }

    func run() throws {
        try database.reading(run)
    }

    private func run(_ store: Store) throws {
        let keys = by.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } ?? []
        let result = try store.compare(
            base: try store.run(named: base), candidate: try store.run(named: candidate),
            budget: budget.map { $0 / 100 }, by: keys, clusterBy: clusterBy, confidence: confidence)
        let corrected = try judgeCalibration.map { try result.corrected(by: try store.calibration(named: $0)) }
        let slices = result.sliceRegressions(method: method, level: fdr ?? 0.05, budget: budget.map { $0 / 100 })
        // The picture first: a summary that names it is printed only once it is there.
        if let plot { try ReportFile.write(IntervalChart.forest(result, slices, keys: keys).svg(), to: plot) }
        switch format {
        case .table: printTable(result, slices, keys: keys, corrected: corrected)
        case .json, .jsonl: Output.stdout(json(result, slices, keys: keys, corrected: corrected).text)
        case .csv: Output.stdout(sliceListing(result, slices, keys: keys, overall: true).render(.csv, headers: !headers.noHeaders))
        case .markdown: Output.stdout(markdown(result, slices, keys: keys, plot: plot))
        }
        if let junit { try writeJUnit(result, slices, to: junit) }
        if failOnSlice && !slices.regressed.isEmpty { throw ExitCode(1) }
        switch result.verdict {
        case .regression: throw ExitCode(1)
        case .inconclusive: throw ExitCode(3)
        case .pass, nil: return
        }
    }

    /// One row a slice (and with `overall`, a first row `(all)` for the whole comparison): examples,
    /// base and candidate rates, the delta and its interval in points, the exact McNemar p-value,
    /// the adjusted one, and a note (named as regressed, or too small to detect the budget).
    func sliceListing(_ result: RunComparison, _ slices: SliceRegressions, keys: [String], overall: Bool) -> Listing {
        var listing = Listing(columns: keys + ["examples", "base", "candidate", "delta", "low", "high", "p", "adjusted p", "note"])
        if overall {
            let c = result.counts
            listing.rows.append(
                keys.map { _ in .text("(all)") } + [
                    .int(c.n), .points(c.secondRate), .points(c.firstRate), .points(result.difference), .points(result.lower),
                    .points(result.upper), .number(result.mcNemarP, decimals: 4), .null, .null,
                ])
        }
        for slice in slices.slices {
            let values: [Listing.Value] = slice.values.map { $0.map(Listing.Value.text) ?? .null }
            listing.rows.append(
                values + [
                    .int(slice.counts.n), .points(slice.counts.secondRate), .points(slice.counts.firstRate), .points(slice.difference),
                    .points(slice.lower), .points(slice.upper), .number(slice.mcNemarP, decimals: 4), .number(slice.adjustedP, decimals: 4),
                    note(slice, slices).map(Listing.Value.text) ?? .null,
                ])
        }
        return listing
    }

    /// "regressed" for a slice named, else "too small for 5.0 points" for one that cannot show the budget.
    func note(_ slice: SliceRegressions.Slice, _ slices: SliceRegressions) -> String? {
        if slice.regressed { return "regressed" }
        if slice.tooSmall, let budget = slices.budget { return "too small for \(Listing.format(budget * 100, decimals: 1)) points" }
        return nil
    }

    /// A slice's values as `key=value` words (`(none)` for an example without the key).
    static func sliceName(_ values: [String?], keys: [String]) -> String { SliceRegressions.name(values, keys: keys) }

    /// How many slices were compared, what was controlled, which were named and which are too small.
    func sliceSummary(_ slices: SliceRegressions, keys: [String]) -> [String] {
        let level = String(format: "%g%%", slices.level * 100)
        let controlled =
            slices.method == .holm
            ? "Holm-adjusted p-values control the family-wise error rate at \(level)"
            : "Benjamini–Hochberg adjusted p-values control the false discovery rate at \(level)"
        let named = slices.regressed.map { Self.sliceName($0.values, keys: keys) }
        var lines = [
            "\(slices.slices.count) slices compared; \(controlled)",
            "regressed slices (adjusted p <= \(String(format: "%g", slices.level)) and delta below 0): "
                + (named.isEmpty ? "none" : named.map(Terminal.sanitized).joined(separator: ", ")),
        ]
        if let budget = slices.budget, !slices.tooSmall.isEmpty {
            lines.append(
                "\(slices.tooSmall.count) of \(slices.slices.count) slices too small to detect a \(Listing.format(budget * 100, decimals: 1))-point regression "
                    + "(power under \(Int(SliceRegressions.wantedPower * 100))% at the discordance measured over all paired examples, "
                    + "\(Listing.format(slices.discordance * 100, decimals: 1))%; `evaldb coverage --budget` says how many to add)")
        }
        if failOnSlice && !named.isEmpty { lines.append("--fail-on-slice: exit 1") }
        return lines
    }

    func signed(_ fraction: Double) -> String {
        let text = Listing.format(fraction * 100, decimals: 1)
        return text.hasPrefix("-") ? text : "+" + text
    }

    /// How the slices were tested: how many, the method, what it controls and at what level, the
    /// slices named, and the discordance the power figures assume.
    private func sliceControlJSON(_ slices: SliceRegressions, keys: [String]) -> JSONOutput {
        .object([
            ("compared", .int(slices.slices.count)), ("method", .string(slices.method == .holm ? "holm" : "benjamini-hochberg")),
            ("controls", .string(slices.method.controls == .falseDiscoveryRate ? "false discovery rate" : "family-wise error rate")),
            ("level", .points(slices.level)),
            ("regressed", .array(slices.regressed.map { slice in .object(zip(keys, slice.values).map { ($0, JSONOutput.optional($1)) }) })),
            ("too_small", .int(slices.tooSmall.count)), ("discordance", .points(slices.discordance)), ("fail_on_slice", .bool(failOnSlice)),
        ])
    }

    /// What the verdict says, in one line.
    func verdictLine(_ result: RunComparison) -> String? {
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

    func verdictName(_ verdict: RunComparison.Verdict?) -> String? {
        switch verdict {
        case .pass: "pass"
        case .regression: "regression"
        case .inconclusive: "inconclusive"
        case nil: nil
        }
    }

    private func printTable(_ result: RunComparison, _ slices: SliceRegressions, keys: [String], corrected: CorrectedComparison?) {
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
        if !keys.isEmpty {
            Output.stdout("\n" + sliceListing(result, slices, keys: keys, overall: false).render(.table))
            Output.stdout(sliceSummary(slices, keys: keys).joined(separator: "\n"))
        }
        if let line = verdictLine(result) { Output.stdout("\nverdict: " + line) }
    }

    private func json(_ result: RunComparison, _ slices: SliceRegressions, keys: [String], corrected: CorrectedComparison?) -> JSONOutput {
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
                    slices.slices.map { slice in
                        .object([
                            ("values", .object(zip(keys, slice.values).map { ($0, JSONOutput.optional($1)) })), ("examples", .int(slice.counts.n)),
                            ("base", .points(slice.counts.secondRate)), ("candidate", .points(slice.counts.firstRate)),
                            ("delta", .points(slice.difference)), ("low", .points(slice.lower)), ("high", .points(slice.upper)),
                            ("mcnemar_p", .number(slice.mcNemarP, decimals: 6)), ("adjusted_p", .number(slice.adjustedP, decimals: 6)),
                            ("regressed", .bool(slice.regressed)), ("power", slice.power.map(JSONOutput.points) ?? .null),
                            ("too_small", .bool(slice.tooSmall)),
                        ])
                    })
            ),
            ("slice_control", keys.isEmpty ? .null : sliceControlJSON(slices, keys: keys)),
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
}
