import ArgumentParser
import EvalDBKit
import Foundation

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two runs, paired by example, and gate on a regression budget.",
        discussion: """
            Pairs the examples both runs hold whose content is identical in both runs' dataset versions \
            (edited ones are left out and counted). Prints both pass rates, the paired difference \
            (candidate − base) with its 95% interval (Newcombe 1998, method 10), the exact McNemar \
            p-value, the flips each way with their ids, and with --by the deltas per slice. With \
            --budget PTS: pass (exit 0) when the interval's lower bound is above −PTS points, regression \
            (exit 1) when the difference itself is below −PTS, inconclusive (exit 3) otherwise, with the \
            number of examples that would settle it. Without --budget it reports and exits 0.

            Examples:
              evaldb compare baseline candidate --budget 2
              evaldb compare baseline candidate --by feature
            """)

    @Argument(help: "The base run.") var base: String
    @Argument(help: "The candidate run.") var candidate: String

    @Option(parsing: .unconditional, help: "The regression budget, in points (2 for two points of pass rate).")
    var budget: Double?

    @Option(help: "Deltas per slice of these label keys or fields (K[,K]).")
    var by: String?

    @Option(name: .customLong("cluster-by"), help: "A key whose examples sharing a value are not independent (a conversation, a topic).")
    var clusterBy: String?

    @Option(help: "The confidence level of the interval.")
    var confidence: Double = 0.95

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if let budget { try validateBudget(budget) }
        guard confidence > 0 && confidence < 1 else { throw ValidationError("--confidence is between 0 and 1") }
    }

    func run() throws {
        let store = try database.openForReading()
        let keys = by.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } ?? []
        let result = try store.compare(
            base: try store.run(named: base), candidate: try store.run(named: candidate),
            budget: budget.map { $0 / 100 }, by: keys, clusterBy: clusterBy, confidence: confidence)
        let c = result.counts
        func points(_ value: Double) -> String { String(format: "%+.1f", value * 100) }
        func rate(_ passed: Int) -> String { String(format: "%.1f%% (%d/%d)", c.n == 0 ? 0 : Double(passed) / Double(c.n) * 100, passed, c.n) }
        Output.stdout(
            "compare \(Terminal.sanitized(base)) -> \(Terminal.sanitized(candidate)): \(c.n) paired examples"
                + (result.excludedEdited.isEmpty ? "" : ", \(result.excludedEdited.count) left out (edited between the two versions)")
                + (result.unpaired == 0 ? "" : ", \(result.unpaired) in one run only"))
        Output.stdout("base       \(rate(c.both + c.secondOnly))")
        Output.stdout("candidate  \(rate(c.both + c.firstOnly))")
        let level = "\(Int((confidence * 100).rounded()))%"
        Output.stdout(
            "difference \(points(result.difference)) points  \(level) CI [\(points(result.lower)), \(points(result.upper))] (Newcombe 1998, method 10\(result.designEffect > 1 ? String(format: ", design effect %.2f", result.designEffect) : ""))  exact McNemar p = \(String(format: "%.4g", result.mcNemarP))"
        )
        Output.stdout("flips      \(result.regressed.count) pass->fail, \(result.fixed.count) fail->pass")
        if !result.regressed.isEmpty { Output.stdout("  pass->fail: " + result.regressed.prefix(20).map(Terminal.sanitized).joined(separator: ", ")) }
        if !result.fixed.isEmpty { Output.stdout("  fail->pass: " + result.fixed.prefix(20).map(Terminal.sanitized).joined(separator: ", ")) }
        if !result.slices.isEmpty {
            var listing = Listing(columns: keys + ["examples", "base", "candidate", "delta"])
            for slice in result.slices {
                let s = slice.counts
                listing.rows.append(
                    slice.values.map { $0.map(Listing.Value.text) ?? .null } + [
                        .int(s.n), .text(String(format: "%.3f", s.secondRate)), .text(String(format: "%.3f", s.firstRate)),
                        .text(points(s.firstRate - s.secondRate)),
                    ])
            }
            Output.stdout("\n" + listing.render(.table))
        }
        guard let verdict = result.verdict, let budget else { return }
        switch verdict {
        case .pass:
            Output.stdout("\nverdict: pass — the interval's lower bound \(points(result.lower)) is above −\(budget) points")
        case .regression:
            Output.stdout("\nverdict: regression — the difference \(points(result.difference)) is below −\(budget) points")
            throw ExitCode(1)
        case .inconclusive(let needed):
            Output.stdout(
                "\nverdict: inconclusive — the interval reaches below −\(budget) points but the difference does not; "
                    + (needed.map { "about \($0) paired examples at these rates would settle it" }
                        ?? "no number of examples at these rates would settle it"))
            throw ExitCode(3)
        }
    }
}
