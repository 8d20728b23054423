import EvalDBKit
import FlyingFox

/// The start page: every reviewer's read progress, the queues (all, unread, each run's failures
/// and passes, the proposals), a form for any slice, and the comparison of two runs.
enum OverviewPage {
    static func show(_ context: Context, _ store: Store) throws -> HTTPResponse {
        let current = try store.currentVersion()
        let progress = try store.readProgress()
        let runs = try store.runs().reversed().prefix(20)
        let proposals = try store.pendingProposals().count
        let session = context.state.sessions.session(of: context.reviewer, run: nil, store: store)
        let pending = try session?.pendingCount() ?? 0

        let reviewers = progress.map { row -> HTML in
            """
            <tr><th>\(row.reviewer)</th><td class="num">\(row.read)</td><td class="num">\(row.total)</td>\
            <td><progress value="\(row.read)" max="\(max(row.total, 1))"></progress> \(Layout.percent(row.read, of: row.total))</td></tr>
            """
        }
        let runRows = runs.map { run -> HTML in
            let failures = Link("/queue", [("run", run.name), ("results", "failed")])
            let passes = Link("/queue", [("run", run.name), ("results", "passed")])
            let all = Link("/queue", [("run", run.name)])
            return """
                <tr><th>\(run.name)</th><td>version \(run.version)</td><td class="num">\(run.resultCount) results</td>\
                <td><a href="\(failures)">failures</a> · <a href="\(passes)">passes</a> · <a href="\(all)">all</a> · \
                <a href="\(Link("/categories", [("run", run.name)]))">failure categories</a> · \
                <a href="\(Link("/runs", [("run", run.name)]))">pass rates</a></td></tr>
                """
        }
        let runOptions = runs.map { run -> HTML in "<option value=\"\(run.name)\">\(run.name)</option>" }
        let versionText: HTML =
            current.map { "Version \($0.number) · <code>\($0.hash)</code> · \($0.exampleCount) examples" }
            ?? "No version yet: import a dataset file first."
        let body: HTML = """
            <h1>Review</h1>
            <p>\(versionText)</p>
            <section class="you"><h2>You</h2>
            <form method="post" action="/reviewer" class="field inline-field">\(Layout.csrf(context))
            <label for="reviewer-name">Reviewing as</label>
            <input id="reviewer-name" name="name" value="\(context.reviewer)" autocomplete="off">
            <button type="submit">Change</button>
            </form>
            <p>\(pending == 0 ? "No pending edits." : "\(pending) pending edit\(pending == 1 ? "" : "s"): they become one dataset version when you finish the session (q).")</p>
            </section>
            <section class="queues"><h2>Queues</h2>
            <ul>
            <li><a href="/queue" data-key="Enter">All examples</a></li>
            <li><a href="/queue?unread=1">What you have not read</a></li>
            <li><a href="/proposals">Proposals</a> (\(proposals) waiting)</li>
            </ul>
            <table class="runs">\(runRows)</table>
            </section>
            <section class="slice"><h2>A slice</h2>
            <form method="get" action="/queue" class="grid-form">
            <label>where <input name="where" placeholder="feature=refunds" autocomplete="off"></label>
            <label>and where <input name="where" placeholder="persona=admin" autocomplete="off"></label>
            <label>tag <input name="tag" autocomplete="off"></label>
            <label>source starts with <input name="source" autocomplete="off"></label>
            <label>run <select name="run"><option value="">(none)</option>\(runOptions)</select></label>
            <label>results <select name="results"><option value="all">all</option><option value="failed">failed</option><option value="passed">passed</option></select></label>
            <label><input type="checkbox" name="unread" value="1"> only what I have not read</label>
            <button type="submit">Open the queue</button>
            </form>
            </section>
            <p><a href="/runs">Runs over time, per slice and compared, as pictures</a></p>
            <section class="compare-form"><h2>Flips between two runs</h2>
            <form method="get" action="/flips" class="grid-form">
            <label>base <select name="base">\(runOptions)</select></label>
            <label>candidate <select name="run">\(runOptions)</select></label>
            <button type="submit">Show the flips</button>
            </form>
            </section>
            <section class="progress"><h2>Read progress</h2>
            \(reviewers.isEmpty ? HTML(raw: "<p class=\"muted\">Nobody has marked an example read yet.</p>") : "<table class=\"progress\"><thead><tr><th>reviewer</th><th>read</th><th>of</th><th></th></tr></thead><tbody>\(reviewers)</tbody></table>")
            </section>
            """
        return Reply.page(Layout.page(context, store: store, title: "overview", kind: "overview", body: body))
    }

    /// Sets the name this browser reviews as (a cookie), for the sessions and marks it makes.
    static func setReviewer(_ context: Context, _ store: Store) throws -> HTTPResponse {
        let name = (context.form["name"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 100, !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw PageError.bad("A reviewer's name is 1 to 100 characters, with no control characters.")
        }
        return Reply.redirect("/", cookies: [context.gate.reviewerCookie(name)])
    }
}
