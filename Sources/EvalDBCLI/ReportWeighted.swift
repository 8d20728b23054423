import EvalDBKit

/// `report --weighted`: the row of the pass rate re-weighted by the examples' inclusion
/// probabilities (examples sampled from production traces, docs/traces.md).
enum ReportWeighted {
    /// The weighted row for a listing with these columns: `(weighted)` under the slice keys, the
    /// examples it is over, the Horvitz–Thompson rate and its 95% interval in points, and a note;
    /// nil when no example of the run has an inclusion probability.
    static func row(_ store: Store, _ run: EvalRun, columns: [String], keys: [String]) throws -> [Listing.Value] {
        let weighted = try store.weightedPassRate(run)
        guard let estimate = weighted.estimate else {
            return columns.map { column in
                if keys.contains(column) { return .text("(weighted)") }
                if column == "examples" { return .int(0) }
                return column == "note" ? .text("no example of the run has an inclusion_probability label (evaldb sample writes it)") : .null
            }
        }
        var note = "weighted by inclusion probability (Horvitz–Thompson): \(estimate.examples) sampled examples standing for "
        note += "\(Int(estimate.population.rounded())) traces; unweighted \(Listing.format((weighted.unweightedRate ?? 0) * 100, decimals: 1))"
        if weighted.leftOut > 0 { note += "; \(weighted.leftOut) examples without one left out" }
        return columns.map { column in
            switch column {
            case _ where keys.contains(column): .text("(weighted)")
            case "examples": .int(estimate.examples)
            case "rate": .points(estimate.rate)
            case "low": .points(estimate.interval.lower)
            case "high": .points(estimate.interval.upper)
            case "note": .text(note)
            default: .null
            }
        }
    }
}
