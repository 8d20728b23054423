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

            Examples:
              evaldb coverage
              evaldb coverage --min 2 --format json
            """)

    @Option(help: "The axes file (default: evals/axes.json at the git top level).")
    var axes: String?

    @Option(help: "Exit 1 when a cell has fewer examples than this.")
    var min: Int?

    @OptionGroup var versionOptions: VersionOptions

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var format: FormatOptions

    func run() throws {
        let store = try database.openForReading()
        let chosen = try versionOptions.resolve(in: store)
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
                let report: [String: Any] = [
                    "axes": coverage.axes.map { ["key": $0.key, "values": $0.values] },
                    "cells": coverage.cells.map { ["values": $0.values, "examples": $0.count] },
                    "empty": coverage.emptyCells.map(\.values),
                    "under_min": thin.map(\.values),
                    "covered_share": coverage.coveredShare,
                    "unlisted_values": coverage.stray.map { ["key": $0.key, "value": $0.value, "count": $0.count, "ids": $0.ids] },
                    "missing_axis": coverage.missingAxis.map { ["key": $0.key, "count": $0.count, "ids": $0.ids] },
                ]
                let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
                Output.stdout(String(decoding: data, as: UTF8.self))
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
}
