import ArgumentParser
import EvalDBKit
import Foundation

struct Trend: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trend",
        abstract: "Show the pass rate of each run over time, with 95% Wilson intervals.",
        discussion: """
            One row a run (a run and slice with --by), oldest first by the time it was recorded: its \\
            dataset version, examples, passed, pass rate and 95% Wilson interval in points (as `report` \\
            gives them), and whether the run before it ran on the same dataset version — their comparison \\
            is then paired on the same examples; across versions it is not (`compare` pairs only the \\
            examples whose graded content is the same). --last N keeps the N most recent runs. --plot \\
            FILE.svg draws it: one point a run with its interval, the dataset versions as bands, runs on \\
            one version joined by a solid line and by a dashed one where the version changed.

            Examples:
              evaldb trend
              evaldb trend --by feature --last 10 --format json
              evaldb trend --last 20 --plot trend.svg
            """)

    @Option(help: "Per slice of these label keys or fields (K[,K]).") var by: String?

    @Option(help: "Only the N most recent runs.") var last: Int?

    @Option(help: "Also draw the trend: a standalone SVG file (FILE.svg).") var plot: String?

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var format: FormatOptions

    func validate() throws {
        if let last, last < 1 { throw ValidationError("--last is a number of runs, 1 or more") }
    }

    func run() throws {
        try database.reading(run)
    }

    private func run(_ store: Store) throws {
        let keys = by.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } ?? []
        let trend = try store.trend(by: keys, last: last)
        let short = format.format == .table
        var listing = Listing(
            columns: ["run", "date", "version", "dataset"] + keys + ["examples", "passed", "rate", "low", "high", "paired"])
        for entry in trend.runs {
            let run = entry.run
            let head: [Listing.Value] = [
                .text(run.name), .text(run.createdAt), .int(run.version), .text(short ? String(run.datasetHash.prefix(19)) : run.datasetHash),
            ]
            let statistics = keys.isEmpty ? [entry.overall] : entry.slices
            for statistic in statistics {
                let passed: Listing.Value =
                    statistic.passed == statistic.passed.rounded() ? .int(Int(statistic.passed)) : .number(statistic.passed, decimals: 2)
                listing.rows.append(
                    head + statistic.values.map { $0.map(Listing.Value.text) ?? .null } + [
                        .int(statistic.examples), passed, .points(statistic.rate), .points(statistic.interval.lower),
                        .points(statistic.interval.upper), .json(entry.sameVersionAsPrevious ? "true" : "false"),
                    ])
            }
        }
        Output.stdout(format.render(listing))
        if format.format == .table {
            let versions = Set(trend.runs.map(\.run.version)).count
            Output.stdout(
                trend.runs.isEmpty
                    ? "\nno runs: `evaldb run exec` or `evaldb run record` makes one"
                    : "\n\(trend.runs.count) runs on \(versions) dataset version\(versions == 1 ? "" : "s"); rates and bounds in points; "
                        + "paired: the run before ran on the same version, so their comparison is paired on the same examples")
        }
        if let plot {
            guard !trend.runs.isEmpty else { throw ValidationError("no runs to draw: `evaldb run exec` or `evaldb run record` makes one") }
            try ReportFile.write(TrendChart(trend).svg(), to: plot)
        }
    }
}
