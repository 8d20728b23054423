import EvalDBKit
import FlyingFox

/// Finishing a session (`q`): the reviewer's pending edits become one dataset version, authored
/// by them, written back to the dataset file when it holds the version they apply to.
enum FinishPage {
    static func finish(_ context: Context, _ store: Store) throws -> HTTPResponse {
        let outcome = try context.state.sessions.finish(context.reviewer, store: store)
        var lines: [HTML] = []
        if let outcome {
            if let result = outcome.result, result.outcome == .created {
                let version = result.version
                let counts = result.counts
                lines.append("<p class=\"made\">Version \(version.number) <code>\(version.hash)</code> (author \(outcome.reviewer)).</p>")
                lines.append("<p>\(version.exampleCount) examples: \(counts.added) added, \(counts.changed) changed, \(counts.removed) removed.</p>")
                if let written = outcome.wroteFile {
                    lines.append(
                        "<p>Wrote version \(version.number) to <code>\(version.sourcePath ?? written)</code>: commit it with the team log (evals/log/).</p>"
                    )
                } else {
                    lines.append(
                        "<p>The dataset file is behind the database now: run <code>evaldb export -o \(version.sourcePath ?? "FILE")</code> and commit it.</p>"
                    )
                }
            } else {
                lines.append(outcome.edits == 0 ? "<p>No edits, no new version.</p>" : "<p>The edits change nothing; no new version.</p>")
            }
            for conflict in outcome.conflicts {
                lines.append("<p class=\"error\">The edit of <code>\(conflict.id)</code> was not applied: \(conflict.reason)</p>")
            }
        } else {
            lines.append("<p>You had no open session: nothing to finish.</p>")
        }
        if let (recorded, verdicts) = try context.state.notebooks?.finish(context.reviewer, store: store) {
            lines.append(
                "<p class=\"made\">Notebook: run <code>\(recorded.run.name)</code>, \(recorded.run.resultCount) outputs shown, \(verdicts) verdicts of yours on them.</p>"
            )
        }
        if let progress = try store.readProgress().first(where: { Array($0.reviewer.utf8) == Array(context.reviewer.utf8) }) {
            lines.append(
                "<p>Read by \(progress.reviewer): \(progress.read) of \(progress.total) examples (\(Layout.percent(progress.read, of: progress.total))).</p>"
            )
        }
        let body: HTML = """
            <h1>Session finished</h1>
            \(lines)
            <p><a href="/" data-key="Enter">Back to the overview</a>; your next change starts a new session.</p>
            """
        return Reply.page(Layout.page(context, store: store, title: "session finished", kind: "finished", body: body))
    }
}
