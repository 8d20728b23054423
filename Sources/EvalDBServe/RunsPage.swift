import EvalDBKit
import FlyingFox

/// The runs view: the pass rate of the recent runs over time, one run's pass rate per slice, and
/// two runs compared per slice — the pictures `trend --plot`, `report --plot` and `compare --plot`
/// draw, inline (SVG: no script, every text escaped by the library's writer).
enum RunsPage {
    /// The recent runs drawn in the trend.
    static let recentRuns = 20

    static func show(_ context: Context, _ store: Store) throws -> HTTPResponse {
        let keys = (context.form["by"] ?? "").split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let runName = context.form["run"].flatMap { $0.isEmpty ? nil : $0 }
        let baseName = context.form["base"].flatMap { $0.isEmpty ? nil : $0 }
        var budget: Double?
        if let text = context.form["budget"], !text.isEmpty {
            guard let points = Double(text), points >= 0, points < 100 else {
                throw PageError.bad("The budget is in points, 0 or more and under 100 (2 for two points).")
            }
            budget = points / 100
        }
        let runs = try store.runs()
        let options = { (chosen: String?) -> [HTML] in
            runs.reversed().map { run -> HTML in
                "<option value=\"\(run.name)\"\(run.name == chosen ? HTML(raw: " selected") : HTML.empty)>\(run.name)</option>"
            }
        }
        var sections: [HTML] = []
        if let baseName, let runName {
            let base = try store.run(named: baseName), candidate = try store.run(named: runName)
            let comparison = try store.compare(base: base, candidate: candidate, budget: budget, by: keys)
            let slices = comparison.sliceRegressions(budget: budget)
            let named = slices.regressed.map { SliceRegressions.name($0.values, keys: keys) }
            let summary: HTML =
                keys.isEmpty
                ? "Candidate − base on \(comparison.counts.n) paired examples, with its 95% interval."
                : "\(slices.slices.count) slices compared; Benjamini–Hochberg adjusted p-values control the false discovery rate at 5%. Regressed: \(named.isEmpty ? "none" : named.joined(separator: ", "))."
            sections.append(
                "<section class=\"plot compare\"><h2>\(base.name) → \(candidate.name)</h2><p>\(summary) <a href=\"\(Link("/flips", [("base", base.name), ("run", candidate.name)]))\">the flips</a></p>\(figure(IntervalChart.forest(comparison, slices, keys: keys).canvas()))</section>"
            )
        }
        if let runName {
            let report = try store.report(try store.run(named: runName), by: keys)
            sections.append(
                "<section class=\"plot report\"><h2>Pass rate of \(report.run.name)</h2>\(figure(IntervalChart.passRates(report).canvas()))</section>"
            )
        }
        if runs.isEmpty {
            sections.append("<p class=\"muted\">No runs yet: <code>evaldb run exec</code> or <code>evaldb run record</code> makes one.</p>")
        } else {
            let trend = try store.trend(last: Self.recentRuns)
            sections.append(
                "<section class=\"plot trend\"><h2>The last \(trend.runs.count) runs</h2>\(figure(TrendChart(trend).canvas()))</section>")
        }
        let body: HTML = """
            <h1>Runs</h1>
            <form method="get" action="/runs" class="grid-form">
            <label>base <select name="base"><option value="">(none)</option>\(options(baseName))</select></label>
            <label>run <select name="run"><option value="">(none)</option>\(options(runName))</select></label>
            <label>per slice of <input name="by" value="\(keys.joined(separator: ","))" placeholder="feature" autocomplete="off"></label>
            <label>budget (points) <input name="budget" value="\(budget.map { PlotText.points($0) } ?? "")" inputmode="decimal" autocomplete="off"></label>
            <button type="submit">Draw</button>
            </form>
            \(sections)
            """
        return Reply.page(Layout.page(context, store: store, title: "runs", kind: "runs", body: body))
    }

    /// A picture inline: the library's SVG element, its text already escaped.
    static func figure(_ canvas: SVGCanvas) -> HTML {
        "<figure class=\"plot\">\(HTML(raw: canvas.element))</figure>"
    }
}
