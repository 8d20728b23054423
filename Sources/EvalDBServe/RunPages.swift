import EvalDBKit
import FlyingFox

/// What a run's failures teach: its top failure categories (each a queue), merging two
/// categories into one; and the flips between two runs, pass to fail and back.
enum RunPages {
    static func categories(_ context: Context, _ store: Store) throws -> HTTPResponse {
        guard let name = context.form["run"], !name.isEmpty else { throw PageError.bad("Which run? The address names none (run=…).") }
        let run = try store.run(named: name)
        let categories = try context.categories(of: run, store: store)
        let total = categories.reduce(0) { $0 + $1.count }
        let rows = categories.map { item -> HTML in
            let link = Link("/queue", [("run", run.name), ("results", "failed"), ("category", item.category)])
            return
                "<tr><th><a href=\"\(link)\">\(item.category)</a></th><td class=\"num\">\(item.count)</td><td>\(Layout.percent(item.count, of: total))</td></tr>"
        }
        let named = categories.filter { $0.category != "(none)" }
        let options = named.map { item -> HTML in "<option value=\"\(item.category)\">\(item.category) (\(item.count))</option>" }
        let notice: String? = context.form["done"] == "merged" ? "Merged: those examples carry the new category (one log event each)." : nil
        let body: HTML = """
            <h1>Failure categories of \(run.name)</h1>
            <p>\(total) failing result\(total == 1 ? "" : "s"); a category set in review takes the place of the results file's.</p>
            <table class="categories"><thead><tr><th>category</th><th>failures</th><th>share</th></tr></thead><tbody>\(rows)</tbody></table>
            <section class="merge"><h2>Merge two categories</h2>
            <form method="post" action="/merge" class="grid-form">\(Layout.hidden(context, [("run", run.name)]))
            <label>every failure now in <select name="from">\(options)</select></label>
            <label>gets the category <input name="into" list="merge-categories" autocomplete="off" placeholder="the name to keep"></label>
            <datalist id="merge-categories">\(options)</datalist>
            <button type="submit">Merge</button>
            </form>
            </section>
            """
        return Reply.page(Layout.page(context, store: store, title: "categories of \(run.name)", kind: "categories", body: body, notice: notice))
    }

    static func merge(_ context: Context, _ store: Store) throws -> HTTPResponse {
        guard let name = context.form["run"], !name.isEmpty else { throw PageError.bad("Which run? The form names none.") }
        let run = try store.run(named: name)
        let from = context.form["from"] ?? ""
        let into = (context.form["into"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !from.isEmpty, !into.isEmpty else { throw PageError.bad("Name the category to merge and the category it becomes.") }
        try context.writing(store, run: run) { _ = try $0.mergeFailureCategory(from, into: into) }
        return Reply.redirect(Link("/categories", [("run", run.name), ("done", "merged")]).href)
    }

    static func flips(_ context: Context, _ store: Store) throws -> HTTPResponse {
        guard let baseName = context.form["base"], let candidateName = context.form["run"], !baseName.isEmpty, !candidateName.isEmpty else {
            throw PageError.bad("Name two runs: base=… and run=… (the candidate).")
        }
        let base = try store.run(named: baseName), candidate = try store.run(named: candidateName)
        let comparison = try store.compare(base: base, candidate: candidate)
        func section(_ title: String, _ ids: IdList, _ kind: String) -> HTML {
            var spec = QueueSpec()
            spec.run = candidate.name
            spec.base = base.name
            spec.flips = kind
            let rows = ids.map { id -> HTML in "<li><a href=\"\(context.exampleLink(id, spec))\">\(id)</a></li>" }
            let start: HTML =
                ids.first.map {
                    "<a href=\"\(context.exampleLink($0, spec))\"\(kind == "regressed" ? HTML(raw: " data-key=\"y Enter\"") : HTML.empty)>read them one by one</a>"
                } ?? ""
            return "<section class=\"flips\"><h2>\(title) (\(ids.count))</h2><p>\(start)</p><ul class=\"ids\">\(rows)</ul></section>"
        }
        let counts = comparison.counts
        let paired = counts.both + counts.firstOnly + counts.secondOnly + counts.neither
        let body: HTML = """
            <h1>Flips: \(base.name) → \(candidate.name)</h1>
            <p>\(paired) examples paired (the same input, context and expected output in both runs' versions)\(comparison.excludedEdited.isEmpty ? "" : "; \(comparison.excludedEdited.count) whose graded content changed between them are left out"). \
            Difference \(points(comparison.difference)) points, 95% interval \(points(comparison.lower)) to \(points(comparison.upper)).</p>
            \(section("Pass in \(base.name), fail in \(candidate.name)", comparison.regressed, "regressed"))
            \(section("Fail in \(base.name), pass in \(candidate.name)", comparison.fixed, "fixed"))
            """
        return Reply.page(Layout.page(context, store: store, title: "flips", kind: "queue", body: body))
    }

    /// A difference in percentage points with one decimal and an ASCII minus.
    static func points(_ value: Double) -> String {
        let text = String(format: "%+.1f", value * 100)
        return text == "-0.0" || text == "+0.0" ? "0.0" : text
    }
}
