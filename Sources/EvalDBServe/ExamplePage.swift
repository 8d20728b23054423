import EvalDBKit
import FlyingFox

/// One example a page: its conversation as turns, its context folded, the expected output beside
/// the run's output (a field-level diff when both are JSON), the verdict and failure category,
/// and forms to edit its labels, tags, note, expected output and category — each a key.
enum ExamplePage {
    static let notices: [String: String] = [
        "note": "Note saved.", "label": "Label saved.", "tag": "Tags saved.", "expected": "Expected output saved.",
        "failure": "Failure category saved.", "undone": "This session's edits of it are undone.",
        "removed": "Removed: it leaves the dataset when you finish the session.",
        "exec": "The system answered.", "running": "The system is running on it: its output shows here when it answers.",
        "verdict": "Verdict saved: it joins your notebook's run when you finish the session.",
    ]

    static func show(_ context: Context, _ store: Store) throws -> HTTPResponse {
        let notice = context.form["done"].flatMap { notices[$0] }
        return Reply.page(try render(context, store, id: try context.exampleId(), notice: notice, error: nil))
    }

    static func render(_ context: Context, _ store: Store, id: String, notice: String?, error: String?) throws -> HTML {
        let spec = context.spec
        let run = try context.run(spec.run, store: store)
        let session = context.reading(store, run: run)
        let example = try session.example(id)
        guard example.record != nil || example.isEdited else {
            throw PageError.notFound("There is no example \(JSONText.string(id)) in the current version.")
        }
        let list = try context.list(spec, store: store)
        let read = try context.readSet(store)
        let position = try store.position(of: id, in: list)
        var baseResults: [ReviewResult]? = nil
        if let base = spec.base {
            baseResults = try ReviewSession.viewer(store, reviewer: context.reviewer, run: try store.run(named: base)).example(id).results
        }

        // Where it is in its queue, and the ways on.
        let queueLink = spec.link("/queue")
        // Back: the example before in the queue; in a pass through what is unread, the one seen
        // before (not read, or read on the way), as terminal `review` goes back.
        let passed = context.state.passes.passed(context.reviewer, queue: spec.listKey)
        let previous = try position.flatMap { spec.unread ? list.previous(before: $0, skipping: read, keeping: passed) : list.previous(before: $0) }
            .flatMap { try store.id(at: $0, in: list) }
        let next = try list.next(after: position ?? -1, skipping: spec.unread ? read : nil).flatMap { try store.id(at: $0, in: list) }
        var nav: HTML =
            previous.map { "<a class=\"back\" data-key=\"b\" href=\"\(context.exampleLink($0, spec))\">← back (b)</a>" }
            ?? "<span class=\"muted\">← start of the queue</span>"
        if let position {
            nav +=
                " <span>\(position + 1) of \(list.count) in <a href=\"\(queueLink)\">\(spec.title)</a> · you have read \(read.count(in: list))</span> "
        } else {
            nav += " <span>not in the queue <a href=\"\(queueLink)\">\(spec.title)</a></span> "
        }
        nav +=
            next.map { "<a class=\"skip\" data-key=\"s\" href=\"\(context.exampleLink($0, spec))\">skip (s) →</a>" }
            ?? "<span class=\"muted\">end of the queue</span>"

        var state: [HTML] = []
        if example.record == nil {
            state.append("<span class=\"badge removed\">removed in this session</span>")
        } else if example.isEdited {
            state.append("<span class=\"badge edited\">edited</span>")
        }
        state.append(example.isRead ? "<span class=\"badge read\">read</span>" : "<span class=\"badge unread\">unread</span>")

        let fields = [("id", id)] + spec.parameters
        let hidden = Layout.hidden(context, fields)
        let actions: HTML = """
            <div class="actions">
            <form method="post" action="/read" data-key="y Enter Space">\(hidden)<button type="submit" class="primary">Mark read and go on (y)</button></form>
            <form method="post" action="/remove" data-key="d">\(hidden)<button type="submit">Remove (d)</button></form>
            <form method="post" action="/undo" data-key="u">\(hidden)<button type="submit">Undo my edits of it (u)</button></form>
            <button type="button" data-key="c" data-action="unfold">Unfold all (c)</button>
            </div>
            """

        var body: HTML = """
            <section class="example-head">
            <h1 class="example-id">\(id)</h1> \(state)
            <nav class="queue-nav">\(nav)</nav>
            </section>
            \(actions)
            """
        guard let record = example.record else {
            return Layout.page(context, store: store, title: id, kind: "example", body: body, notice: notice, error: error)
        }
        let recordFields = RecordFields(record: record)
        body += "<div class=\"columns\"><div class=\"reading\">"
        body += "<section class=\"input\"><h2>Input</h2>\(JSONView.value(recordFields["input"] ?? "null"))</section>"
        if let contextValue = recordFields["context"], contextValue != "null" {
            body += "<section class=\"context\"><h2>Context</h2>\(JSONView.value(contextValue, foldChunks: true))</section>"
        }
        body += outputs(recordFields["expected_output"] ?? "null", run: run, results: example.results, base: spec.base, baseResults: baseResults)
        var refresh = false
        if let system = context.state.system {
            let running = system.isRunning(record)
            refresh = running
            let verdict = context.state.notebooks?.existing(of: context.reviewer)?.verdict(of: id)
            body += systemOutput(system.result(of: record, run: false), running: running, verdict: verdict, hidden: hidden)
        }
        if let run {
            body += verdict(context, store, run: run, results: example.results, hidden: hidden)
        }
        body += "</div><div class=\"editing\">"
        body += editing(recordFields, hidden: hidden)
        body += "</div></div>"
        return Layout.page(context, store: store, title: id, kind: "example", body: body, notice: notice, error: error, refresh: refresh)
    }

    /// The expected output beside each output of the run (and of the base run, for a flip).
    static func outputs(_ expected: String, run: EvalRun?, results: [ReviewResult], base: String?, baseResults: [ReviewResult]?) -> HTML {
        var columns: [HTML] = ["<div class=\"side\"><h2>Expected output</h2>\(JSONView.value(expected))</div>"]
        var diffs: [HTML] = []
        func add(_ name: String, _ results: [ReviewResult]) {
            for result in results {
                let label = results.count > 1 ? "\(name), trial \(result.trial)" : name
                let verdict: HTML = result.pass ? "<span class=\"pass\">PASS</span>" : "<span class=\"fail\">FAIL</span>"
                let body: HTML = result.output.map { JSONView.value($0) } ?? "<p class=\"muted\">The result has no output.</p>"
                columns.append("<div class=\"side\"><h2>Output of \(label) \(verdict)</h2>\(body)</div>")
                if let output = result.output, let diff = JSONView.fieldDiff(expected: expected, output: output, outputName: label) {
                    diffs.append(diff)
                }
            }
        }
        if let base, let baseResults { add(base, baseResults) }
        if let run { add(run.name, results) }
        return "<section class=\"compare\"><div class=\"sides sides-\(columns.count)\">\(columns)</div>\(diffs)</section>"
    }

    /// Each result's verdict, and the failure category form (categories in use offered).
    static func verdict(_ context: Context, _ store: Store, run: EvalRun, results: [ReviewResult], hidden: HTML) -> HTML {
        guard !results.isEmpty else { return "<section class=\"verdict\"><h2>Run \(run.name)</h2><p>No result for this example.</p></section>" }
        let rows = results.map { result -> HTML in
            let score: HTML = result.score.map { "score \(String($0))" } ?? ""
            return
                "<li>\(results.count > 1 ? "trial \(result.trial): " : "")\(result.pass ? HTML(raw: "<span class=\"pass\">PASS</span>") : HTML(raw: "<span class=\"fail\">FAIL</span>")) \(score) \(result.failure.map { HTML(raw: "<span class=\"category\">") + "\($0)" + HTML(raw: "</span>") } ?? "")</li>"
        }
        let current = results.first(where: { $0.failure != nil })?.failure ?? ""
        let used = (try? context.categories(of: run, store: store)) ?? []
        let options = used.filter { $0.category != "(none)" }.map { item -> HTML in
            "<option value=\"\(item.category)\">\(item.category) (\(item.count))</option>"
        }
        return """
            <section class="verdict"><h2>Run \(run.name)</h2><ul class="results">\(rows)</ul>
            <form method="post" action="/failure" class="field">\(hidden)
            <label for="failure">Failure category (f)</label>
            <input id="failure" name="failure" list="categories" value="\(current)" data-key="f" autocomplete="off" placeholder="name what went wrong; empty clears">
            <datalist id="categories">\(options)</datalist>
            <button type="submit">Save category</button>
            </form>
            <p class="muted"><a href="\(Link("/categories", [("run", run.name)]))">The run's failure categories</a></p>
            </section>
            """
    }

    /// Labels, tags, note, expected output: each editable, each with its key.
    static func editing(_ fields: RecordFields, hidden: HTML) -> HTML {
        let labels = fields.values.filter { $0.path.hasPrefix("labels.") }
        let rows = labels.map { field -> HTML in
            let key = String(field.path.dropFirst("labels.".count))
            return """
                <tr><th>\(key)</th><td>\(labelValue(field.value))</td>\
                <td><form method="post" action="/edit" class="inline">\(hidden)<input type="hidden" name="field" value="label">\
                <input type="hidden" name="value" value="-\(key)"><button type="submit" class="small" title="remove this label">×</button></form></td></tr>
                """
        }
        let notes = fields.text("notes") ?? ""
        let meta = ["source", "author", "created_at"].map { name -> HTML in
            "<div><span class=\"muted\">\(name)</span> \(fields.text(name) ?? fields[name] ?? "—")</div>"
        }
        return """
            <section class="labels"><h2>Labels</h2>
            <table class="labels">\(rows)</table>
            <form method="post" action="/edit" class="field">\(hidden)<input type="hidden" name="field" value="label">
            <label for="label">Set a label (l)</label>
            <input id="label" name="value" data-key="l" autocomplete="off" placeholder="key=value · key:=JSON · -key">
            </form>
            <form method="post" action="/edit" class="field">\(hidden)<input type="hidden" name="field" value="tag">
            <label for="tag">Tag (t)</label>
            <input id="tag" name="value" data-key="t" autocomplete="off" placeholder="tag adds · -tag removes">
            </form>
            </section>
            <section class="notes"><h2>Note</h2>
            <form method="post" action="/edit" class="field">\(hidden)<input type="hidden" name="field" value="note">
            <label for="note">Note (n)</label>
            <textarea id="note" name="value" rows="4" data-key="n" placeholder="what you saw; empty clears">\(notes)</textarea>
            <button type="submit">Save note</button>
            </form>
            </section>
            <section class="expected-edit"><h2>Expected output</h2>
            <form method="post" action="/edit" class="field">\(hidden)<input type="hidden" name="field" value="expected">
            <label for="expected">Expected output, JSON (e)</label>
            <textarea id="expected" name="value" rows="8" data-key="e" spellcheck="false">\(JSONView.prettyText(fields["expected_output"] ?? "null"))</textarea>
            <button type="submit">Save expected output</button>
            </form>
            </section>
            <section class="meta">\(meta)</section>
            """
    }

    /// A label value as read: a string as itself, a list of strings as chips, else its JSON.
    static func labelValue(_ json: String) -> HTML {
        guard let value = DisplayValue(json: json) else { return "\(json)" }
        switch (value, value.strings) {
        case (.text(let text), _): return "\(text)"
        case (.list, let items?): return items.map { item -> HTML in "<span class=\"chip\">\(item)</span>" }.joined(separator: " ")
        default: return "<code>\(json)</code>"
        }
    }

    /// With `serve --exec`: the system's output for the example and its grade, once it was run
    /// (cached by graded content and command), with the reviewer's verdict on it (`verdict`: theirs
    /// so far) — else, while it runs, a note (the page refreshes itself until the output is there),
    /// else a button that runs it (a POST: the token and CSRF checks pass before any command runs).
    static func systemOutput(_ result: SystemResult?, running: Bool = false, verdict: Bool? = nil, hidden: HTML) -> HTML {
        if result == nil && running {
            return """
                <section class="system"><h2>System output</h2><p class="muted running">Running the system on this example… the output shows here when it answers.</p></section>
                """
        }
        guard let result else {
            return """
                <section class="system"><h2>System output</h2><p class="muted">Not run yet for this input.</p>
                <form method="post" action="/exec" data-key="x">\(hidden)<button type="submit" class="primary">Run the system (x)</button></form></section>
                """
        }
        var grade: HTML
        if let error = result.error {
            grade = "<span class=\"fail\">ERROR</span> \(error)"
        } else {
            grade = result.pass == true ? "<span class=\"pass\">PASS</span>" : "<span class=\"fail\">FAIL</span>"
            if let rationale = result.rationale, result.pass != true { grade += " \(rationale)" }
        }
        let output: HTML = result.output.map { JSONView.value($0) } ?? "<p class=\"muted\">No output.</p>"
        let yours: HTML =
            verdict.map { $0 ? "Your verdict: <span class=\"pass\">PASS</span>. " : "Your verdict: <span class=\"fail\">FAIL</span>. " } ?? .empty
        return """
            <section class="system"><h2>System output <span class="muted">\(String(result.latencyMs)) ms</span></h2>\(output)
            <p class="grade">\(grade)</p>
            <div class="actions"><span class="muted">\(yours)Your verdict on this output (a run of your own, for <code>judge calibrate</code>):</span>
            <form method="post" action="/exec-verdict" data-key="v">\(hidden)<input type="hidden" name="pass" value="true"><button type="submit">Pass (v)</button></form>
            <form method="post" action="/exec-verdict" data-key="V">\(hidden)<input type="hidden" name="pass" value="false"><button type="submit">Fail (V)</button></form>
            </div></section>
            """
    }

    // MARK: - Actions

    /// Runs the example through the system (`serve --exec`) for the reviewer's notebook and shows
    /// its page again: at once with a cached output (not run again); else the system runs on a
    /// thread of its own and the page says so, refreshing itself until the output is there (a
    /// slow system holds no request).
    static func runSystem(_ context: Context, _ store: Store) throws -> HTTPResponse {
        let id = try context.exampleId()
        let (notebook, record) = try notebookAndRecord(context, store, id: id)
        if notebook.isCached(record) {
            _ = notebook.result(of: record)
            return Reply.redirect(context.exampleLink(id, context.spec, done: "exec").href)
        }
        notebook.start(record)
        return Reply.redirect(context.exampleLink(id, context.spec, done: notebook.isCached(record) ? "exec" : "running").href)
    }

    /// The reviewer's verdict on the system's output for the example (`v` pass, `V` fail): kept in
    /// their notebook, given on its run when the session finishes.
    static func setSystemVerdict(_ context: Context, _ store: Store) throws -> HTTPResponse {
        let id = try context.exampleId()
        let (notebook, record) = try notebookAndRecord(context, store, id: id)
        guard let pass = context.form["pass"].flatMap(Bool.init) else { throw PageError.bad("A verdict is pass=true or pass=false.") }
        guard notebook.isCached(record), notebook.result(of: record) != nil else {
            throw PageError.bad("The system has not answered for this example yet: run it first (x).")
        }
        notebook.setVerdict(id, pass: pass)
        return Reply.redirect(context.exampleLink(id, context.spec, done: "verdict").href)
    }

    private static func notebookAndRecord(_ context: Context, _ store: Store, id: String) throws -> (Notebook, String) {
        guard let notebooks = context.state.notebooks else { throw PageError.bad("This serve runs no system: start it with --exec -- CMD.") }
        guard let record = try context.reading(store, run: nil).example(id).record else {
            throw PageError.notFound("There is no example \(JSONText.string(id)) in the current version.")
        }
        return (try notebooks.notebook(of: context.reviewer, store: store), record)
    }

    static func markRead(_ context: Context, _ store: Store) throws -> HTTPResponse {
        let id = try context.exampleId()
        try context.writing(store, run: nil) { try $0.markRead(id) }
        return try goOn(context, store, from: id, passing: true)
    }

    static func remove(_ context: Context, _ store: Store) throws -> HTTPResponse {
        let id = try context.exampleId()
        try context.writing(store, run: nil) { try $0.remove(id) }
        return try goOn(context, store, from: id)
    }

    static func undo(_ context: Context, _ store: Store) throws -> HTTPResponse {
        let id = try context.exampleId()
        try context.writing(store, run: nil) { try $0.undo(id) }
        return Reply.redirect(context.exampleLink(id, context.spec, done: "undone").href)
    }

    /// An edit of the note, a label, a tag or the expected output; a refused edit shows the page
    /// again with the reason, and changes nothing.
    static func edit(_ context: Context, _ store: Store) throws -> HTTPResponse {
        let id = try context.exampleId()
        let field = context.form["field"] ?? ""
        let value = (context.form["value"] ?? "").replacingOccurrences(of: "\r\n", with: "\n")
        do {
            let edit: ExampleEdit
            switch field {
            case "note": edit = .note(value.isEmpty || value == "-" ? nil : value)
            case "label": edit = try ExampleEdit(labelEdit: value.trimmingCharacters(in: .whitespaces))
            case "tag": edit = try ExampleEdit(tagEdit: value.trimmingCharacters(in: .whitespaces))
            case "expected": edit = try ExampleEdit(expectedOutput: value)
            default: throw PageError.bad("An edit names its field: note, label, tag or expected.")
            }
            try context.writing(store, run: nil) { _ = try $0.edit(id, edit) }
        } catch let error as EvalDBError {
            return Reply.page(try render(context, store, id: id, notice: nil, error: error.description), status: .unprocessableContent)
        }
        return Reply.redirect(context.exampleLink(id, context.spec, done: field).href)
    }

    static func setFailure(_ context: Context, _ store: Store) throws -> HTTPResponse {
        let id = try context.exampleId()
        let spec = context.spec
        guard let run = try context.run(spec.run, store: store) else {
            throw PageError.bad("A failure category belongs to a run's result: open the example from a run's queue.")
        }
        let category = (context.form["failure"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            try context.writing(store, run: run) { try $0.setFailure(id, category: category.isEmpty || category == "-" ? nil : category) }
        } catch let error as EvalDBError {
            return Reply.page(try render(context, store, id: id, notice: nil, error: error.description), status: .unprocessableContent)
        }
        return Reply.redirect(context.exampleLink(id, spec, done: "failure").href)
    }

    /// To the next example of the queue (with `unread`, the next one not read), or to the queue
    /// when it ends. With `passing` (it was just read), `b` comes back to it in a queue of what
    /// is unread.
    static func goOn(_ context: Context, _ store: Store, from id: String, passing: Bool = false) throws -> HTTPResponse {
        let spec = context.spec
        let list = try context.list(spec, store: store, fresh: true)
        let position = try store.position(of: id, in: list)
        if passing, spec.unread, let position {
            context.state.passes.insert(context.reviewer, queue: spec.listKey, position: position, of: list)
        }
        let read = spec.unread ? try context.readSet(store) : nil
        if let next = list.next(after: position ?? -1, skipping: read), let nextId = try store.id(at: next, in: list) {
            return Reply.redirect(context.exampleLink(nextId, spec).href)
        }
        return Reply.redirect(spec.link("/queue", [("done", "end")]).href)
    }
}
