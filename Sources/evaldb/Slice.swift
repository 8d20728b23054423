import ArgumentParser
import EvalDBKit
import Foundation

struct Slice: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the examples that match every condition, or count them per combination of values.",
        discussion: """
            KEY is a label key or a top-level field; KEY=VALUE splits at the first '='. VALUE matches a \
            string equal to it exactly, a number, boolean or null whose JSON spelling equals it, or a \
            list that holds such a value. Conditions combine with AND. Without --count-by: the matching \
            examples as canonical JSON lines, in the version's line order (jsonl by default). With it: \
            the count per combination (a list-valued key such as tags counts an example once under each \
            of its values).

            Examples:
              evaldb slice --where feature=refund-request --where persona=adversarial
              evaldb slice --tag stale-doc --source prod-trace
              evaldb slice --count-by feature,scenario
            """)

    @Option(help: "A version number or hash prefix (default: the current version).")
    var version: String?

    @Option(name: .customLong("where"), help: "KEY=VALUE; repeat for AND.")
    var conditions: [String] = []

    @Option(name: .customLong("tag"), help: "An element of the `tags` label; repeat for AND.")
    var tags: [String] = []

    @Option(help: "Only examples whose source starts with this.")
    var source: String?

    @Option(name: .customLong("count-by"), help: "Count per combination of these keys (K[,K...]).")
    var countBy: String?

    @Option(help: "Print at most this many examples.")
    var limit: Int?

    @OptionGroup var database: DatabaseOptions

    @Option(name: .long, help: "jsonl (default), json, table or csv.")
    var format: OutputFormat?

    @Flag(name: .customLong("no-headers"), help: "Leave out the header line of csv output.")
    var noHeaders = false

    func run() throws {
        let store = try database.open()
        let chosen = try store.resolveVersion(version ?? "current")
        var all = try conditions.map(SliceCondition.init(parsing:))
        all += tags.map { SliceCondition(key: "tags", match: .equals($0)) }
        if let source { all.append(SliceCondition(key: "source", match: .prefix(source))) }
        if let countBy {
            let keys = countBy.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            let result = try store.sliceCounts(chosen, where: all, countBy: keys)
            var listing = Listing(columns: keys + ["examples"])
            for (values, count) in result.counts {
                listing.rows.append(values.map { $0.map(Listing.Value.text) ?? .null } + [.int(count)])
            }
            Output.stdout(listing.render(format ?? .table, headers: !noHeaders))
            return
        }
        let output = format ?? .jsonl
        var printed = 0
        var json: [String] = []
        var listing = Listing(columns: ["id", "source", "labels"])
        try store.slice(chosen, where: all) { record in
            if let limit, printed >= limit { return }
            printed += 1
            let line = String(decoding: record, as: UTF8.self)
            switch output {
            case .jsonl: Output.stdout(line)
            case .json: json.append(line)
            case .table, .csv:
                let fields = RecordFields(record: line)
                let labels = fields.values.filter { $0.path.hasPrefix("labels.") }
                    .map { "\($0.path.dropFirst("labels.".count))=\($0.value)" }.joined(separator: " ")
                let id = (try? JSONParser.parse(fields["id"] ?? "\"\"")).map { $0.string(0) } ?? ""
                let source = (try? JSONParser.parse(fields["source"] ?? "\"\"")).map { $0.string(0) } ?? ""
                listing.rows.append([.text(id), .text(source), .text(labels)])
            }
        }
        switch output {
        case .json: Output.stdout("[" + json.joined(separator: ",\n") + "]")
        case .table, .csv: Output.stdout(listing.render(output, headers: !noHeaders))
        case .jsonl: break
        }
    }
}

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

            Examples:
              evaldb coverage
              evaldb coverage --min 2 --format json
            """)

    @Option(help: "The axes file.")
    var axes = "evals/axes.json"

    @Option(help: "Exit 1 when a cell has fewer examples than this.")
    var min: Int?

    @Option(help: "A version number or hash prefix (default: the current version).")
    var version: String?

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var format: FormatOptions

    @Flag(name: .customLong("no-headers"), help: "Leave out the header line of csv output.")
    var noHeaders = false

    func run() throws {
        let store = try database.open()
        let chosen = try store.resolveVersion(version ?? "current")
        let coverage = try store.coverage(chosen, axes: try Axes(path: axes))
        let thin = min.map { coverage.cells(under: $0) } ?? []
        if format.format == .table {
            printTable(coverage, thin: thin)
        } else {
            var listing = Listing(columns: coverage.axes.map(\.key) + ["examples"])
            for cell in coverage.cells { listing.rows.append(cell.values.map { .text($0) } + [.int(cell.count)]) }
            if format.format == .json {
                let report: [String: Any] = [
                    "axes": coverage.axes.map { ["key": $0.key, "values": $0.values] },
                    "cells": coverage.cells.map { ["values": $0.values, "examples": $0.count] },
                    "empty": coverage.emptyCells.map(\.values),
                    "under_min": thin.map(\.values),
                    "covered_share": coverage.coveredShare,
                    "unlisted_values": coverage.stray.map { ["key": $0.key, "value": $0.value, "ids": $0.ids] },
                    "missing_axis": coverage.missingAxis.map { ["key": $0.key, "ids": $0.ids] },
                ]
                let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
                Output.stdout(String(decoding: data, as: UTF8.self))
            } else {
                Output.stdout(listing.render(format.format, headers: !noHeaders))
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
                Output.stdout("  \(stray.key)=\(Terminal.sanitized(stray.value)): \(stray.ids.prefix(10).map(Terminal.sanitized).joined(separator: ", "))\(stray.ids.count > 10 ? " (+\(stray.ids.count - 10))" : "")")
            }
        }
        for missing in coverage.missingAxis {
            Output.stdout("\nexamples without \(missing.key) (\(missing.ids.count)): \(missing.ids.prefix(10).map(Terminal.sanitized).joined(separator: ", "))")
        }
    }
}
