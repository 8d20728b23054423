import EvalDBKit
import Foundation

extension Compare {
    /// Ids listed per direction of flips before "and N more".
    static let markdownIdLimit = 20
    /// Characters of an id shown before it is shortened with "…".
    static let markdownIdLength = 40

    /// `--format markdown`: a summary to post on a pull request — the verdict, the overall and
    /// per-slice table with the slices named as regressed, the flips with their ids (the first
    /// `markdownIdLimit` of each way, each id at most `markdownIdLength` characters), and the
    /// picture's file name when `--plot` wrote one. No link: the comment is read where it is posted.
    func markdown(_ result: RunComparison, _ slices: SliceRegressions, keys: [String], plot: String?) -> String {
        let c = result.counts
        var lines = ["### evaldb compare: \(MarkdownText.escaped(base)) → \(MarkdownText.escaped(candidate))", ""]
        lines.append(markdownVerdict(result, slices, keys: keys))
        lines.append("")
        var paired = "\(c.n) paired examples"
        if !result.excludedEdited.isEmpty { paired += ", \(result.excludedEdited.count) left out (graded content changed)" }
        if !result.excludedErrored.isEmpty { paired += ", \(result.excludedErrored.count) left out (errors)" }
        if result.unpaired > 0 { paired += ", \(result.unpaired) in one run only" }
        lines.append(paired + "; rates and deltas in points, 95% intervals.")
        lines.append("")
        lines.append("| slice | examples | base | candidate | delta | 95% CI | p | adjusted p | note |")
        lines.append("|---|--:|--:|--:|--:|--:|--:|--:|---|")
        /// A table row: interval = (delta, low, high); p and the adjusted p as text.
        func row(_ name: String, _ counts: PairedCounts, _ interval: (Double, Double, Double), _ p: String, _ adjusted: String, _ note: String)
            -> String
        {
            "| \(name) | \(counts.n) | \(Listing.format(counts.secondRate * 100, decimals: 1)) | \(Listing.format(counts.firstRate * 100, decimals: 1)) | "
                + "\(signed(interval.0)) | [\(signed(interval.1)), \(signed(interval.2))] | \(p) | \(adjusted) | \(note) |"
        }
        func pValue(_ p: Double) -> String { String(format: "%.4g", p) }
        lines.append(row("**all**", c, (result.difference, result.lower, result.upper), pValue(result.mcNemarP), "", ""))
        for slice in slices.slices {
            let name = MarkdownText.escaped(Self.sliceName(slice.values, keys: keys))
            let note = note(slice, slices).map { $0 == "regressed" ? "**regressed**" : $0 } ?? ""
            lines.append(
                row(
                    slice.regressed ? "**\(name)**" : name, slice.counts, (slice.difference, slice.lower, slice.upper), pValue(slice.mcNemarP),
                    pValue(slice.adjustedP), note))
        }
        if !keys.isEmpty {
            lines.append("")
            lines.append(sliceSummary(slices, keys: keys).map { MarkdownText.escaped($0) }.joined(separator: "  \n"))
        }
        lines.append("")
        lines.append("Flips: \(result.regressed.count) pass→fail, \(result.fixed.count) fail→pass.")
        for (direction, ids) in [("pass→fail", result.regressed), ("fail→pass", result.fixed)] where !ids.isEmpty {
            let shown = ids.prefix(Self.markdownIdLimit).map { MarkdownText.escaped(Self.shortened($0)) }.joined(separator: ", ")
            let more = ids.count > Self.markdownIdLimit ? ", and \(ids.count - Self.markdownIdLimit) more" : ""
            lines.append("- \(direction): \(shown)\(more)")
        }
        if let plot {
            lines.append("")
            lines.append("Forest plot: \(MarkdownText.escaped((plot as NSString).lastPathComponent))")
        }
        return lines.joined(separator: "\n")
    }

    /// The verdict, in bold, and what it rests on; the slices named under --fail-on-slice.
    private func markdownVerdict(_ result: RunComparison, _ slices: SliceRegressions, keys: [String]) -> String {
        var text: String
        if let line = verdictLine(result), let name = verdictName(result.verdict) {
            text = "**\(name)**" + MarkdownText.escaped(String(line.dropFirst(name.count)))
        } else {
            text = "**no verdict** — no budget given: a report"
        }
        if failOnSlice && !slices.regressed.isEmpty {
            let named = slices.regressed.map { MarkdownText.escaped(Self.sliceName($0.values, keys: keys)) }.joined(separator: ", ")
            text += "; **slice regression**: \(named) (the gate fails)"
        }
        return "Verdict: " + text
    }

    /// `id` cut to `markdownIdLength` characters, the last one an ellipsis, when longer.
    static func shortened(_ id: String) -> String {
        id.count <= markdownIdLength ? id : String(id.prefix(markdownIdLength - 1)) + "…"
    }
}

/// Text placed in Markdown (GitHub's): the characters that would start emphasis, code, a link, an
/// HTML tag, an entity or a table cell backslash-escaped, and line breaks and other control
/// characters replaced, so that a run name, an id or a label value reads as itself.
enum MarkdownText {
    static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\", "`", "*", "_", "[", "]", "<", ">", "|", "~", "&", "#", "!":
                out += "\\"
                out.unicodeScalars.append(scalar)
            case "\n", "\r", "\t": out += " "
            default:
                if scalar.properties.generalCategory == .control {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
