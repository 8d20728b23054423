import Foundation

/// `trend`: the pass rate of runs over time, oldest first, each overall and per slice with its 95%
/// Wilson interval (`report`'s figures), and whether each run is on the dataset version of the
/// run before it — the runs whose comparison is paired on the same examples.
public struct RunTrend: Sendable {
    public struct Entry: Sendable {
        public var run: EvalRun
        public var overall: SliceStatistic
        public var slices: [SliceStatistic]
        /// On the same dataset version as the entry before (false for the first).
        public var sameVersionAsPrevious: Bool
    }

    public var keys: [String]
    public var runs: [Entry]

    /// Every slice any run holds, in order.
    public var sliceValues: [[String?]] {
        var seen = Set<SliceCombination>()
        return runs.flatMap { $0.slices.map(\.values) }.filter { seen.insert(SliceCombination($0)).inserted }
            .sorted(by: SliceCombination.precedes)
    }
}

extension Store {
    /// The last `last` runs (all without it) by the time they were recorded, oldest first, each
    /// reported overall and per slice of `keys`. One `report` a run: time grows with the runs'
    /// results, read once each; the examples of a version are grouped by their slice once for all
    /// its runs (`SliceGrouping`).
    public func trend(by keys: [String] = [], last: Int? = nil) throws -> RunTrend {
        var runs = try self.runs().sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        if let last { runs = Array(runs.suffix(max(0, last))) }
        var entries: [RunTrend.Entry] = []
        // One grouping a version, shared by its runs: the index loaded once, records read once, each
        // example's slice found once.
        var groupings: [Int: SliceGrouping] = [:]
        for run in runs {
            var grouping: SliceGrouping?
            if !keys.isEmpty {
                grouping =
                    try groupings[run.version]
                    ?? SliceGrouping(
                        SliceValueSource(self, keys: keys, version: run.version), keys: keys, wanted: keys, readingValues: false,
                        remembering: true)
                groupings[run.version] = grouping
            }
            let report = try self.report(run, by: keys, clusterBy: nil, grouping: grouping)
            entries.append(
                RunTrend.Entry(
                    run: run, overall: report.overall, slices: report.slices,
                    sameVersionAsPrevious: entries.last.map { $0.run.version == run.version } ?? false))
        }
        return RunTrend(keys: keys, runs: entries)
    }
}
