import EvalDBKit
import FlyingFox

/// A queue: how many examples, how many this reviewer has read, and a page of them at a time.
enum QueuePage {
    static let pageSize = 50

    static func show(_ context: Context, _ store: Store) throws -> HTTPResponse {
        let spec = context.spec
        let run = try context.run(spec.run, store: store)
        let list = try context.list(spec, store: store)
        let read = try context.readSet(store)
        let readHere = read.count(in: list)
        // With `unread`, the positions shown are those not read yet.
        let total = spec.unread ? list.count - readHere : list.count
        let pages = max(1, (total + pageSize - 1) / pageSize)
        let page = min(max(1, Int(context.form["page"] ?? "") ?? 1), pages)
        var positions: [Int] = []
        if spec.unread {
            var skip = (page - 1) * pageSize
            var position = 0
            while position < list.count && positions.count < pageSize {
                if !read.contains(position: position, of: list) {
                    if skip > 0 { skip -= 1 } else { positions.append(position) }
                }
                position += 1
            }
        } else {
            positions = Array((page - 1) * pageSize..<min(total, page * pageSize))
        }
        let rows = try self.rows(context, store, spec: spec, run: run, list: list, at: positions).map { row -> HTML in
            var state: HTML =
                read.contains(position: row.position, of: list)
                ? "<span class=\"badge read\">read</span>" : "<span class=\"badge unread\">unread</span>"
            if row.removed {
                state += " <span class=\"badge removed\">removed</span>"
            } else if row.edited {
                state += " <span class=\"badge edited\">edited</span>"
            }
            return row.head + state + row.tail
        }
        let first = list.next(after: -1, skipping: spec.unread ? read : nil).flatMap { try? store.id(at: $0, in: list) }
        var pager: [HTML] = []
        if page > 1 { pager.append("<a href=\"\(spec.link("/queue", [("page", String(page - 1))]))\">← page \(page - 1)</a>") }
        pager.append("<span>page \(page) of \(pages)</span>")
        if page < pages { pager.append("<a href=\"\(spec.link("/queue", [("page", String(page + 1))]))\">page \(page + 1) →</a>") }
        let start: HTML =
            first.map { "<a class=\"start primary-link\" data-key=\"y Enter\" href=\"\(context.exampleLink($0, spec))\">Start reading (y)</a>" }
            ?? "<span class=\"muted\">Nothing left to read here.</span>"
        var notice = context.form["done"] == "end" ? "End of the queue." : nil
        if let current = try context.currentVersion(store), current.row != list.version {
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

    /// A row of the queue with the reviewer's state left out: `head` + state + `tail`.
    struct Row {
        var position: Int
        var head: HTML
        var tail: HTML
        var removed: Bool
        var edited: Bool
    }

    /// The rows at `positions` of `list`: as rendered before for this version when they were
    /// (`RowCache`), else read and rendered now; a row the reviewer's session has a pending edit
    /// of is rendered from that edit, every time.
    static func rows(_ context: Context, _ store: Store, spec: QueueSpec, run: EvalRun?, list: ReviewList, at positions: [Int]) throws -> [Row] {
        guard let current = try context.currentVersion(store) else { return [] }
        let key = RowCache.Key(
            queue: spec.link("/queue").href, list: list.version, current: current.row, stamp: run == nil ? 0 : try context.failureStamp(store))
        let pending = try context.pending(store).examples
        let own = positions.filter { pending.contains(position: $0, of: list) }
        var cached = context.state.rows.rows(key, at: positions.filter { !pending.contains(position: $0, of: list) })
        // The rest read in runs of consecutive positions.
        var made: [Int: RowCache.Row] = [:]
        var missing = positions.filter { cached[$0] == nil && !own.contains($0) }[...]
        let viewer = ReviewSession.viewer(store, reviewer: context.reviewer, run: run)
        while let start = missing.first {
            var end = start + 1
            missing = missing.dropFirst()
            while missing.first == end {
                end += 1
                missing = missing.dropFirst()
            }
            for entry in try viewer.entries(of: list, in: start..<end, read: ReadSet.empty) {
                let (head, tail) = render(context, spec, entry)
                made[entry.position] = RowCache.Row(id: entry.id, head: head, tail: tail, removed: entry.record == nil)
            }
        }
        context.state.rows.keep(key, made)
        cached.merge(made) { old, _ in old }
        var ownRows: [Int: Row] = [:]
        if !own.isEmpty {
            let session = context.reading(store, run: run)
            for position in own {
                for entry in try session.entries(of: list, in: position..<position + 1, read: ReadSet.empty) {
                    let (head, tail) = render(context, spec, entry)
                    ownRows[position] = Row(position: position, head: head, tail: tail, removed: entry.record == nil, edited: entry.isEdited)
                }
            }
        }
        return positions.compactMap { position in
            ownRows[position] ?? cached[position].map { Row(position: position, head: $0.head, tail: $0.tail, removed: $0.removed, edited: false) }
        }
    }

    /// A row's markup before and after the reviewer's state.
    static func render(_ context: Context, _ spec: QueueSpec, _ entry: ReviewListEntry) -> (head: HTML, tail: HTML) {
        var verdict: HTML = ""
        if let pass = entry.pass { verdict = pass ? "<span class=\"pass\">PASS</span>" : "<span class=\"fail\">FAIL</span>" }
        if let failure = entry.failure { verdict += " <span class=\"category\">\(failure)</span>" }
        let summary = entry.record.map { JSONView.inputSummary(ofRecord: $0) } ?? ""
        return (
            "<tr><td class=\"num\">\(entry.position + 1)</td><td><a href=\"\(context.exampleLink(entry.id, spec))\">\(entry.id)</a></td><td>",
            "</td><td>\(verdict)</td><td class=\"summary\">\(summary)</td></tr>"
        )
    }
}
