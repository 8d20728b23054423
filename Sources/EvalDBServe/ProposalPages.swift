import EvalDBKit
import FlyingFox

/// The proposals (`propose`): the list, and each beside the example it changes — a label change
/// as a diff, a candidate example in full — to accept, edit then accept, or reject with a reason.
enum ProposalPages {
    static func list(_ context: Context, _ store: Store) throws -> HTTPResponse {
        let proposals = try store.pendingProposals()
        let rows = proposals.map { proposal -> HTML in
            """
            <tr><td class="num">#\(Int(proposal.number))</td><td>\(proposal.kind == .example ? "new example" : "label change")</td>\
            <td><a href="\(Link("/proposal", [("n", String(proposal.number))]))">\(proposal.exampleId)</a></td>\
            <td>\(proposal.proposedBy ?? "?")</td><td class="summary">\(proposal.rationale ?? "")</td></tr>
            """
        }
        let first: HTML =
            proposals.first.map {
                "<p><a class=\"primary-link\" data-key=\"y Enter\" href=\"\(Link("/proposal", [("n", String($0.number))]))\">Start deciding (y)</a></p>"
            } ?? "<p>No proposals are waiting.</p>"
        let notice = context.form["done"] == "end" ? "No more proposals are waiting." : nil
        let body: HTML = """
            <h1>Proposals</h1>
            \(first)
            <table class="queue"><thead><tr><th>#</th><th>kind</th><th>id</th><th>by</th><th>rationale</th></tr></thead><tbody>\(rows)</tbody></table>
            """
        return Reply.page(Layout.page(context, store: store, title: "proposals", kind: "queue", body: body, notice: notice))
    }

    static func show(_ context: Context, _ store: Store) throws -> HTTPResponse {
        let number = try proposalNumber(context)
        let edits = context.form["edits"] ?? ""
        let notice: String? = context.form["done"].map {
            $0 == "accepted" ? "Accepted: it becomes a revision when you finish the session." : "Rejected."
        }
        return Reply.page(try render(context, store, number: number, edits: edits, notice: notice, error: nil))
    }

    static func render(_ context: Context, _ store: Store, number: Int64, edits editText: String, notice: String?, error: String?) throws -> HTML {
        let pending = try store.pendingProposals()
        guard let index = pending.firstIndex(where: { $0.number == number }) else {
            throw PageError.notFound("Proposal #\(number) is not waiting for a decision (it was decided, or does not exist).")
        }
        let proposal = pending[index]
        let session = context.reading(store, run: nil)
        var error = error
        var edits: [ExampleEdit] = []
        do {
            edits = try parseEdits(editText)
        } catch let refused as EvalDBError {
            error = error ?? refused.description
        }
        var shown: HTML
        do {
            let (current, proposed) = try session.outcome(of: proposal, edits: edits)
            if let current {
                let changes = FieldChange.between(RecordFields(record: current), RecordFields(record: proposed))
                let rows = changes.map { change -> HTML in
                    "<tr><td class=\"path\">\(change.path)</td><td class=\"old\">\(change.old ?? "—")</td><td class=\"new\">\(change.new ?? "—")</td></tr>"
                }
                shown = """
                    <section><table class="diff"><caption>What accepting changes in \(proposal.exampleId)</caption>
                    <thead><tr><th>field</th><th>now</th><th>proposed</th></tr></thead><tbody>\(rows)</tbody></table></section>
                    """
                if changes.isEmpty { shown = "<section><p>Accepting changes nothing: the example has these values already.</p></section>" }
            } else {
                let fields = RecordFields(record: proposed)
                let labels = fields.values.filter { $0.path.hasPrefix("labels.") }.map { field -> HTML in
                    "<tr><th>\(String(field.path.dropFirst(7)))</th><td>\(ExamplePage.labelValue(field.value))</td></tr>"
                }
                shown = """
                    <section class="input"><h2>Input</h2>\(JSONView.value(fields["input"] ?? "null"))</section>
                    \(fields["context"].map { $0 == "null" ? HTML.empty : "<section class=\"context\"><h2>Context</h2>\(JSONView.value($0, foldChunks: true))</section>" } ?? .empty)
                    <section><h2>Expected output</h2>\(JSONView.value(fields["expected_output"] ?? "null"))</section>
                    <section class="labels"><h2>Labels</h2><table class="labels">\(labels)</table></section>
                    <section class="meta"><div><span class="muted">source</span> \(fields.text("source") ?? "—")</div>\
                    <div><span class="muted">notes</span> \(fields.text("notes") ?? "—")</div></section>
                    """
            }
        } catch let refused as EvalDBError {
            error = error ?? refused.description
            shown = "<p>This proposal cannot be shown with these edits.</p>"
        }
        let next = index + 1 < pending.count ? pending[index + 1] : nil
        let skip: HTML =
            next.map { "<a class=\"skip\" data-key=\"s\" href=\"\(Link("/proposal", [("n", String($0.number))]))\">skip (s) →</a>" }
            ?? "<a class=\"skip\" data-key=\"s\" href=\"/proposals\">back to the list (s)</a>"
        let numberText = String(number)
        let body: HTML = """
            <section class="example-head">
            <h1>Proposal #\(numberText): \(proposal.kind == .example ? "new example" : "label change") <span class="example-id">\(proposal.exampleId)</span></h1>
            <p>proposed by \(proposal.proposedBy ?? "?")\(proposal.rationale.map { HTML(raw: " · ") + "\($0)" } ?? .empty)</p>
            <nav class="queue-nav"><span>\(index + 1) of \(pending.count) waiting</span> \(skip)</nav>
            </section>
            <div class="actions">
            <form method="post" action="/accept" data-key="a">\(Layout.hidden(context, [("n", numberText), ("edits", editText)]))<button type="submit" class="primary">Accept\(edits.isEmpty ? "" : " with \(edits.count) edit\(edits.count == 1 ? "" : "s")") (a)</button></form>
            <form method="post" action="/reject" class="inline-field">\(Layout.hidden(context, [("n", numberText)]))<label for="reason">Reject (r), because</label> <input id="reason" name="reason" data-key="r" autocomplete="off" placeholder="the reason; Enter rejects"><button type="submit">Reject</button></form>
            </div>
            \(shown)
            <section class="proposal-edits"><h2>Edit before accepting</h2>
            <form method="get" action="/proposal" class="field"><input type="hidden" name="n" value="\(numberText)">
            <label for="edits">One edit a line: <code>l key=value</code>, <code>t tag</code>, <code>n note</code> (l, t, n or e; Ctrl+Enter shows the result)</label>
            <textarea id="edits" name="edits" rows="3" data-key="l t n e" spellcheck="false">\(editText)</textarea>
            <button type="submit">Show with these edits</button>
            </form>
            </section>
            """
        return Layout.page(context, store: store, title: "proposal #\(numberText)", kind: "proposal", body: body, notice: notice, error: error)
    }

    static func accept(_ context: Context, _ store: Store) throws -> HTTPResponse {
        let number = try proposalNumber(context)
        let editText = context.form["edits"] ?? ""
        guard let proposal = try store.pendingProposals().first(where: { $0.number == number }) else {
            throw PageError.notFound("Proposal #\(number) is not waiting for a decision (it was decided, or does not exist).")
        }
        do {
            let edits = try parseEdits(editText)
            try context.writing(store, run: nil) { try $0.accept(proposal, edits: edits) }
        } catch let error as EvalDBError {
            return Reply.page(
                try render(context, store, number: number, edits: editText, notice: nil, error: error.description), status: .unprocessableContent)
        }
        return try next(after: number, store: store, done: "accepted")
    }

    static func reject(_ context: Context, _ store: Store) throws -> HTTPResponse {
        let number = try proposalNumber(context)
        guard let proposal = try store.pendingProposals().first(where: { $0.number == number }) else {
            throw PageError.notFound("Proposal #\(number) is not waiting for a decision (it was decided, or does not exist).")
        }
        let reason = (context.form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        try context.writing(store, run: nil) { try $0.reject(proposal, reason: reason.isEmpty ? nil : reason) }
        return try next(after: number, store: store, done: "rejected")
    }

    /// To the next proposal waiting after `number`, else the first still waiting, else the list.
    static func next(after number: Int64, store: Store, done: String) throws -> HTTPResponse {
        let pending = try store.pendingProposals()
        if let next = pending.first(where: { $0.number > number }) ?? pending.first {
            return Reply.redirect(Link("/proposal", [("n", String(next.number)), ("done", done)]).href)
        }
        return Reply.redirect("/proposals?done=end")
    }

    /// Edits as `review --proposals` takes them, one a line: `l key=value`, `t tag`, `n note`
    /// (`e` lines as `l`).
    static func parseEdits(_ text: String) throws -> [ExampleEdit] {
        try text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n").compactMap { line -> ExampleEdit? in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard let key = trimmed.first else { return nil }
            let rest = trimmed.dropFirst().trimmingCharacters(in: .whitespaces)
            return try ExampleEdit(key: key == "e" ? "l" : key, text: rest)
        }
    }

    static func proposalNumber(_ context: Context) throws -> Int64 {
        guard let text = context.form["n"], let number = Int64(text) else { throw PageError.bad("Which proposal? The address names none (n=…).") }
        return number
    }
}
