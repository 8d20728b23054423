import EvalDBKit

/// The frame of every page: the head (this server's stylesheet and key script, nothing inline),
/// a bar with the version, the reviewer and their session, and the `?` cheat sheet.
enum Layout {
    /// `refresh`: the page loads itself again in a second (an output on its way).
    static func page(
        _ context: Context, store: Store, title: String, kind: String, body: HTML, notice: String? = nil, error: String? = nil, refresh: Bool = false
    ) -> HTML {
        let version = (try? context.currentVersion(store)) ?? nil
        let pending = (try? context.pending(store).count) ?? 0
        let versionText = version.map { "version \($0.number) · \($0.exampleCount) examples" } ?? "no version yet"
        var banner: HTML = .empty
        if let notice { banner += "<p class=\"notice\" role=\"status\">\(notice)</p>" }
        if let error { banner += "<p class=\"error\" role=\"alert\">\(error)</p>" }
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            \(refresh ? HTML(raw: "<meta http-equiv=\"refresh\" content=\"1\">") : .empty)
            <title>\(title) · evaldb</title>
            <link rel="stylesheet" href="/assets/serve.css">
            <script src="/assets/keys.js" defer></script>
            </head>
            <body data-page="\(kind)">
            <header class="bar">
            <a class="home" href="/">evaldb</a>
            <span class="muted">\(versionText)</span>
            <span>reviewing as <b class="reviewer">\(context.reviewer)</b></span>
            <span class="pending">\(pending == 0 ? "no pending edits" : "\(pending) pending edit\(pending == 1 ? "" : "s")")</span>
            <form method="post" action="/finish" class="inline" data-key="q">\(csrf(context))<button type="submit" title="Your pending edits become one dataset version">Finish session (q)</button></form>
            <a href="/proposals">proposals</a>
            <button type="button" class="help-button" data-action="help">? keys</button>
            </header>
            <main>
            \(banner)
            \(body)
            </main>
            <aside id="help" class="help" hidden>
            <h2>Keys</h2>
            \(cheatSheet(kind))
            <p class="muted">Keys do nothing while a text field has the focus: Esc leaves it, Ctrl+Enter saves a text area.</p>
            </aside>
            </body>
            </html>
            """
    }

    static func csrf(_ context: Context) -> HTML {
        "<input type=\"hidden\" name=\"csrf\" value=\"\(context.gate.csrf)\">"
    }

    /// Hidden fields: the CSRF token and each of `items`.
    static func hidden(_ context: Context, _ items: [(String, String)]) -> HTML {
        csrf(context) + items.map { item -> HTML in "<input type=\"hidden\" name=\"\(item.0)\" value=\"\(item.1)\">" }.joined()
    }

    static func cheatSheet(_ kind: String) -> HTML {
        let keys: [(String, String)]
        switch kind {
        case "example":
            keys = [
                ("y, Enter, space", "mark read and go on"), ("s", "skip (leave unread)"), ("b", "back"),
                ("n", "edit the note"), ("l", "set a label: key=value, key:=JSON, -key"), ("t", "add a tag (-tag removes)"),
                ("e", "edit the expected output"), ("f", "failure category (with a run)"), ("d", "remove the example"),
                ("u", "undo this session's edits of it"), ("c", "unfold everything"), ("x", "run the system on it (serve --exec)"),
                ("v / V", "your verdict on the system's output: pass / fail (serve --exec)"),
                ("q", "finish the session"), ("?", "this sheet"),
            ]
        case "proposal":
            keys = [
                ("a", "accept (with the edits shown)"), ("l, t, n, e", "write edits, then Ctrl+Enter to preview them"),
                ("r", "reject: type the reason, Enter"), ("s", "skip (leave it queued)"), ("q", "finish the session"), ("?", "this sheet"),
            ]
        case "queue":
            keys = [("y, Enter", "start reading the queue"), ("q", "finish the session"), ("?", "this sheet")]
        default:
            keys = [("q", "finish the session"), ("?", "this sheet")]
        }
        return "<table class=\"keys\">"
            + keys.map { key -> HTML in "<tr><th><kbd>\(key.0)</kbd></th><td>\(key.1)</td></tr>" }.joined() + "</table>"
    }

    static func errorPage(_ context: Context, store: Store, message: String) -> HTML {
        page(context, store: store, title: "error", kind: "error", body: "<p><a href=\"/\">Back to the overview</a></p>", error: message)
    }

    static func percent(_ part: Int, of whole: Int) -> String {
        guard whole > 0 else { return "0%" }
        return "\(Int((Double(part) * 100 / Double(whole)).rounded(.down)))%"
    }
}
