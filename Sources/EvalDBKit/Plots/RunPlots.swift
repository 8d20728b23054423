import Foundation

/// The pictures of runs, built from the same values the commands print: the forest plot of a
/// comparison, the pass rates of a report, the trend of runs over time.
extension IntervalChart {
    /// The forest plot of `comparison`: the overall row, then one row a slice — candidate − base with
    /// its 95% interval and n — a line at no change and, with a budget, one at −budget; the slices
    /// named as regressed in `slices` marked "regressed".
    public static func forest(_ comparison: RunComparison, _ slices: SliceRegressions, keys: [String]) -> IntervalChart {
        var rows = [
            Row(
                label: "all", estimate: comparison.difference, lower: comparison.lower, upper: comparison.upper, examples: comparison.counts.n,
                emphasized: true)
        ]
        for slice in slices.slices {
            rows.append(
                Row(
                    label: SliceRegressions.name(slice.values, keys: keys), estimate: slice.difference, lower: slice.lower, upper: slice.upper,
                    examples: slice.counts.n, mark: slice.regressed ? "regressed" : nil))
        }
        var references = [Reference(value: 0, label: "no change")]
        if let budget = slices.budget, budget > 0 {
            references.append(Reference(value: -budget, label: "budget \(PlotText.points(-budget))", color: SVGCanvas.marked, dashed: true))
        }
        let level = String(format: "%g%%", slices.level * 100)
        let control =
            keys.isEmpty
            ? ""
            : "; \(slices.slices.count) slices, \(slices.method == .holm ? "Holm" : "Benjamini–Hochberg") at \(level): "
                + (slices.regressed.isEmpty ? "none regressed" : "\(slices.regressed.count) regressed")
        return IntervalChart(
            title: "compare \(comparison.base.name) → \(comparison.candidate.name)",
            subtitle: "\(comparison.counts.n) paired examples; candidate − base with 95% intervals (Newcombe)" + control,
            axisLabel: "difference in pass rate, points", rows: rows, references: references, signed: true)
    }

    /// The pass rate of `report`'s run overall and per slice, with their 95% Wilson intervals;
    /// slices too small to say anything (an interval wider than ±20 points) marked.
    public static func passRates(_ report: RunReport) -> IntervalChart {
        let rows = ([report.overall] + report.slices).map { statistic in
            Row(
                label: statistic.values.isEmpty ? "all" : SliceRegressions.name(statistic.values, keys: report.keys), estimate: statistic.rate,
                lower: statistic.interval.lower, upper: statistic.interval.upper, examples: statistic.examples,
                mark: statistic.tooSmall ? "too small to say" : nil, emphasized: statistic.values.isEmpty)
        }
        return IntervalChart(
            title: "report \(report.run.name): pass rate" + (report.keys.isEmpty ? "" : " by " + report.keys.joined(separator: ", ")),
            subtitle: "dataset version \(report.run.version); 95% Wilson intervals" + (report.overall.designEffect > 1 ? ", clustered" : ""),
            axisLabel: "pass rate, points", rows: rows, signed: false, markColor: SVGCanvas.muted)
    }
}

extension TrendChart {
    /// The trend's runs as columns and one series a slice (the whole run without keys).
    public init(_ trend: RunTrend) {
        let runs = trend.runs.map { Run(name: $0.run.name, version: $0.run.version) }
        var series: [Series]
        if trend.keys.isEmpty {
            series = [Series(name: "all", points: trend.runs.map { Self.point($0.overall) })]
        } else {
            series = trend.sliceValues.map { values in
                Series(
                    name: SliceRegressions.name(values, keys: trend.keys),
                    points: trend.runs.map { run in run.slices.first { SliceCombination($0.values) == SliceCombination(values) }.map(Self.point) })
            }
        }
        let versions = Set(trend.runs.map(\.run.version)).count
        self.init(
            title: "trend: pass rate of \(runs.count) runs" + (trend.keys.isEmpty ? "" : " by " + trend.keys.joined(separator: ", ")),
            subtitle: "oldest first; \(versions) dataset version\(versions == 1 ? "" : "s"); 95% Wilson intervals", runs: runs, series: series)
    }

    static func point(_ statistic: SliceStatistic) -> Point {
        Point(rate: statistic.rate, lower: statistic.interval.lower, upper: statistic.interval.upper, examples: statistic.examples)
    }
}

extension SliceRegressions {
    /// A slice's values as `key=value` words (`(none)` for an example without the key).
    public static func name(_ values: [String?], keys: [String]) -> String {
        zip(keys, values).map { "\($0)=\($1 ?? "(none)")" }.joined(separator: " ")
    }
}
