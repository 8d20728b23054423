import ArgumentParser
import EvalDBKit
import Foundation

struct CoverageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coverage",
        abstract: "Show how many examples fill each cell of the axes grid.",
        discussion: """
            The axes file (default evals/axes.json) maps label keys to their values, e.g. \
            {"feature": [...], "scenario": [...], "persona": [...]}. Prints the grid (a matrix for two \
            axes, a row per cell otherwise), the empty cells, the cells under --min, the share of cells \
            covered, and label values found in the data that the axes file does not list (typos), with \
            their ids. Exit 0 whatever the grid holds, except with --min: exit 1 when a cell has fewer \
            than N examples.

            With --budget PTS, the power of each cell instead (of each slice with --by K[,K]): the 95% \
            Wilson half-width of its pass rate (the run's in that cell with --run, else --rate), and \
            whether a paired comparison there could detect a regression of PTS points — its power, \
            assuming a discordance (the share of examples whose outcome differs between the two runs) \
            of --discordance, else 2·r·(1−r) of the cell's rate r (two independent runs: pessimistic) — \
            and how many examples it needs for --power (default 80). With --min-power P, exit 1 when \
            a cell's power is under P. Rates, discordance and power are in percent (90 for 90%).

            Examples:
              evaldb coverage
              evaldb coverage --min 2 --format json
              evaldb coverage --budget 5 --rate 90 --min-power 80
              evaldb coverage --budget 5 --run baseline --by feature
            """)

    @Option(help: "The axes file (default: evals/axes.json at the git top level).")
    var axes: String?

    @Option(help: "Exit 1 when a cell has fewer examples than this.")
    var min: Int?

    @Option(parsing: .unconditional, help: "A regression size in points: show each cell's power to detect it.")
    var budget: Double?

    @Option(
        help: "With --budget: the pass rate to assume where --run has no result, in percent (default 90).",
        transform: { try Percent.parse($0, flag: "--rate") })
    var rate = 0.9

    @Option(name: .customLong("run"), help: "With --budget: take each cell's pass rate from this run.")
    var runName: String?

    @Option(
        help: "With --budget: the discordance to assume, in percent (default 2·r·(1−r)).",
        transform: { try Percent.parse($0, flag: "--discordance") })
    var discordance: Double?

    @Option(help: "With --budget: the power wanted, in percent (default 80).", transform: { try Percent.parse($0, flag: "--power") })
    var power = 0.8

    @Option(
        name: .customLong("min-power"), help: "With --budget: exit 1 when a cell's power is under this, in percent.",
        transform: { try Percent.parse($0, flag: "--min-power") })
    var minPower: Double?

    @Option(help: "With --budget: slices of these label keys (K[,K]) instead of the axes grid.")
    var by: String?

    @OptionGroup var versionOptions: VersionOptions

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var format: FormatOptions

    func validate() throws {
        if let budget { try validateBudget(budget) }
        guard budget != nil || (runName == nil && discordance == nil && minPower == nil && by == nil) else {
            throw ValidationError("--run, --discordance, --min-power and --by go with --budget POINTS")
        }
        if let discordance, !(discordance > 0) { throw ValidationError("--discordance is a percent above 0") }
        for (flag, value) in [("--power", power), ("--min-power", minPower ?? 0.5)] where !(value > 0 && value < 1) {
            throw ValidationError("\(flag) is a percent above 0 and under 100 (80 for 80%)")
        }
    }

    func run() throws {
        try database.reading(run)
    }

    private func run(_ store: Store) throws {
        let chosen = try versionOptions.resolve(in: store)
        if let budget { return try runPower(store, chosen, budget: budget / 100) }
        // The table shows ten ids of each; the other formats list them all.
        let coverage = try store.coverage(
            chosen, axes: try Axes(path: axes ?? store.openablePath("evals/axes.json")), idLimit: format.format == .table ? 10 : nil)
        let thin = min.map { coverage.cells(under: $0) } ?? []
        if format.format == .table {
            printTable(coverage, thin: thin)
        } else {
            var listing = Listing(columns: coverage.axes.map(\.key) + ["examples"])
            for cell in coverage.cells { listing.rows.append(cell.values.map { .text($0) } + [.int(cell.count)]) }
            if format.format == .json {
                // One JSON document on one line, keys in order, as every command writes it.
                func strings(_ values: [String]) -> JSONOutput { .array(values.map(JSONOutput.string)) }
                let share = coverage.coveredShare
                let report: JSONOutput = .object([
                    ("axes", .array(coverage.axes.map { .object([("key", .string($0.key)), ("values", strings($0.values))]) })),
                    ("cells", .array(coverage.cells.map { .object([("examples", .int($0.count)), ("values", strings($0.values))]) })),
                    ("covered_share", share.isFinite ? .raw("\(share)") : .null),
                    ("empty", .array(coverage.emptyCells.map { strings($0.values) })),
                    (
                        "missing_axis",
                        .array(coverage.missingAxis.map { .object([("count", .int($0.count)), ("ids", strings($0.ids)), ("key", .string($0.key))]) })
                    ),
                    ("under_min", .array(thin.map { strings($0.values) })),
                    (
                        "unlisted_values",
                        .array(
                            coverage.stray.map {
                                .object([("count", .int($0.count)), ("ids", strings($0.ids)), ("key", .string($0.key)), ("value", .string($0.value))])
                            })
                    ),
                ])
                Output.stdout(report.text)
            } else {
                Output.stdout(format.render(listing))
            }
        }
        if !thin.isEmpty { throw ExitCode(1) }
    }

    private func printTable(_ coverage: Coverage, thin: [Coverage.Cell]) {
        if coverage.axes.count == 2 {
            let (rows, columns) = (coverage.axes[0], coverage.axes[1])
            var listing = Listing(columns: ["\(rows.key) \\ \(columns.key)"] + columns.values)
            for (r, rowValue) in rows.values.enumerated() {
                listing.rows.append([.text(rowValue)] + columns.values.indices.map { .int(coverage.cells[r * columns.values.count + $0].count) })
            }
            Output.stdout(listing.render(.table))
        } else {
            var listing = Listing(columns: coverage.axes.map(\.key) + ["examples"])
            for cell in coverage.cells { listing.rows.append(cell.values.map { .text($0) } + [.int(cell.count)]) }
            Output.stdout(listing.render(.table))
        }
        let covered = coverage.cells.count - coverage.emptyCells.count
        Output.stdout("\n\(covered) of \(coverage.cells.count) cells covered (\(Int((coverage.coveredShare * 100).rounded()))%)")
        if !coverage.emptyCells.isEmpty {
            Output.stdout("\nempty cells (\(coverage.emptyCells.count)):")
            for cell in coverage.emptyCells.prefix(50) { Output.stdout("  " + cell.values.joined(separator: " / ")) }
            if coverage.emptyCells.count > 50 { Output.stdout("  ... and \(coverage.emptyCells.count - 50) more (--format json lists all)") }
        }
        if let min, !thin.isEmpty {
            Output.stdout("\ncells under \(min) (\(thin.count)):")
            for cell in thin.prefix(50) { Output.stdout("  \(cell.values.joined(separator: " / ")): \(cell.count)") }
        }
        if !coverage.stray.isEmpty {
            Output.stdout("\nlabel values not in the axes file:")
            for stray in coverage.stray {
                Output.stdout(
                    "  \(stray.key)=\(Terminal.sanitized(stray.value)): \(stray.ids.prefix(10).map(Terminal.sanitized).joined(separator: ", "))\(stray.count > 10 ? " (+\(stray.count - 10))" : "")"
                )
            }
        }
        for missing in coverage.missingAxis {
            Output.stdout(
                "\nexamples without \(missing.key) (\(missing.count)): \(missing.ids.prefix(10).map(Terminal.sanitized).joined(separator: ", "))")
        }
    }

    /// `--budget`: each cell's power to detect a regression of `budget` (a fraction).
    private func runPower(_ store: Store, _ version: DatasetVersion, budget: Double) throws {
        let keys: [String]
        let grid: [(values: [String?], examples: Int)]
        if let by {
            keys = by.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            let counts = try store.sliceCounts(version, where: [], countBy: keys)
            grid = counts.counts.map { ($0.values, $0.count) }
        } else {
            let coverage = try store.coverage(version, axes: try Axes(path: axes ?? store.openablePath("evals/axes.json")), idLimit: 0)
            keys = coverage.axes.map(\.key)
            grid = coverage.cells.map { ($0.values.map(Optional.some), $0.count) }
        }
        let wanted = minPower ?? power
        let result = try store.coveragePower(
            version, cells: grid, keys: keys, run: try runName.map { try store.run(named: $0) }, rate: rate, budget: budget,
            discordance: discordance, power: wanted)
        var listing = Listing(columns: keys + ["examples", "rate", "observed on", "half-width", "discordance", "power", "needed", "to add", "note"])
        for cell in result.cells {
            listing.rows.append(
                cell.values.map { $0.map(Listing.Value.text) ?? .null } + [
                    .int(cell.examples), .points(cell.rate), .int(cell.observedOn), .points(cell.halfWidth), .points(cell.discordance),
                    .points(cell.power), .int(cell.examplesNeeded), .int(cell.toAdd),
                    cell.power < wanted ? .text("cannot tell a \(Listing.format(budget * 100, decimals: 1))-point regression") : .null,
                ])
        }
        Output.stdout(format.render(listing))
        let under = result.underpowered
        if format.format == .table {
            let assumption =
                discordance.map { "a discordance of \(Listing.format($0 * 100, decimals: 1))" }
                ?? "the discordance of two independent runs, 2·r·(1−r) of each cell's rate r"
            Output.stdout(
                "\npower to detect a paired regression of \(Listing.format(budget * 100, decimals: 1)) points (95% two-sided), assuming \(assumption); "
                    + "rates, half-widths and power in points")
            Output.stdout(
                under.isEmpty
                    ? "every cell has \(Listing.format(wanted * 100, decimals: 1)) power or more"
                    : "\(under.count) of \(result.cells.count) cells are under \(Listing.format(wanted * 100, decimals: 1)) power: \(under.map(\.toAdd).reduce(0, +)) examples to add in all"
            )
        }
        if minPower != nil && !under.isEmpty { throw ExitCode(1) }
    }
}
