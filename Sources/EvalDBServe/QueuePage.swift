import EvalDBKit
import FlyingFox

/// A queue: how many examples, how many this reviewer has read, and a page of them at a time.
enum QueuePage {
    static let pageSize = 50

    static func show(_ context: Context, _ store: Store) throws -> HTTPResponse {
        let spec = context.spec
        let run = try context.run(spec.run, store: store)
        let session = context.reading(store, run: run)
        let list = try context.list(spec, store: store)
        let read = try store.readSet(of: context.reviewer)
        let readHere = read.count(in: list)
        // The positions shown: with `unread`, those not read yet.
        let shown: [Int] = spec.unread ? (0..<list.count).filter { !read.contains(position: $0, of: list) } : []
        let total = spec.unread ? shown.count : list.count
        let pages = max(1, (total + pageSize - 1) / pageSize)
        let page = min(max(1, Int(context.form["page"] ?? "") ?? 1), pages)
        let window = (page - 1) * pageSize..<min(total, page * pageSize)
        var entries: [ReviewListEntry] = []
        if spec.unread {
            for position in shown[window] { entries += try session.entries(of: list, in: position..<position + 1, read: read) }
        } else {
            entries = try session.entries(of: list, in: window, read: read)
        }
        let first = list.next(after: -1, skipping: spec.unread ? read : nil).flatMap { try? store.id(at: $0, in: list) }
        let rows = entries.map { entry -> HTML in
            var state: HTML = entry.isRead ? "<span class=\"badge read\">read</span>" : "<span class=\"badge unread\">unread</span>"
            if entry.record == nil {
                state += " <span class=\"badge removed\">removed</span>"
            } else if entry.isEdited {
                state += " <span class=\"badge edited\">edited</span>"
            }
            var verdict: HTML = ""
            if let pass = entry.pass { verdict = pass ? "<span class=\"pass\">PASS</span>" : "<span class=\"fail\">FAIL</span>" }
            if let failure = entry.failure { verdict += " <span class=\"category\">\(failure)</span>" }
            let summary = entry.record.flatMap { RecordFields(record: $0)["input"] }.map { JSONView.summary($0) } ?? ""
            return """
                <tr><td class="num">\(entry.position + 1)</td><td><a href="\(context.exampleLink(entry.id, spec))">\(entry.id)</a></td>\
                <td>\(state)</td><td>\(verdict)</td><td class="summary">\(summary)</td></tr>
                """
        }
        var pager: [HTML] = []
        if page > 1 { pager.append("<a href=\"\(spec.link("/queue", [("page", String(page - 1))]))\">← page \(page - 1)</a>") }
        pager.append("<span>page \(page) of \(pages)</span>")
        if page < pages { pager.append("<a href=\"\(spec.link("/queue", [("page", String(page + 1))]))\">page \(page + 1) →</a>") }
        let start: HTML =
            first.map { "<a class=\"start primary-link\" data-key=\"y Enter\" href=\"\(context.exampleLink($0, spec))\">Start reading (y)</a>" }
            ?? "<span class=\"muted\">Nothing left to read here.</span>"
        var notice = context.form["done"] == "end" ? "End of the queue." : nil
        if let current = try store.currentVersion(), current.number != list.version {
            notice = "Listed as of version \(list.version): version \(current.number) came in and is being listed; reload in a moment."
        }
        var toggle = spec
        toggle.unread.toggle()
        let body: HTML = """
            <h1>Queue: \(spec.title)</h1>
            <p class="counts">\(list.count) example\(list.count == 1 ? "" : "s") · read by you: \(readHere) (\(Layout.percent(readHere, of: list.count))) \
            <progress value="\(readHere)" max="\(max(list.count, 1))"></progress> · \
            <a href="\(toggle.link("/queue"))">\(spec.unread ? "show all of them" : "only those you have not read")</a></p>
            <p>\(start)</p>
            <table class="queue"><thead><tr><th>#</th><th>id</th><th>you</th><th>result</th><th>input</th></tr></thead><tbody>\(rows)</tbody></table>
            <nav class="pager">\(pager)</nav>
            """
        return Reply.page(Layout.page(context, store: store, title: spec.title, kind: "queue", body: body, notice: notice))
    }
}
