import EvalDBKit
import Foundation

/// With `serve --exec`: each reviewer's notebook (`Notebook`) — the outputs of the system their
/// pages showed them (run with `x`) and their verdicts on them (`v`, `V`), which become a run of its
/// own (`notebook-REVIEWER-TIME`) when their session finishes or the server stops, as a terminal
/// `review --exec` session's do. All reviewers share one system and its cache of outputs.
final class ReviewerNotebooks: @unchecked Sendable {  // its state behind `lock`
    let system: CachedSystem
    private let lock = NSLock()
    /// By the reviewer's name as UTF-8 bytes (names that differ only by normalisation are two).
    private var open: [[UInt8]: Notebook] = [:]

    init(system: CachedSystem) { self.system = system }

    /// The reviewer's notebook, started on the current version when they have none.
    func notebook(of reviewer: String, store: Store) throws -> Notebook {
        try lock.withLock {
            if let notebook = open[Array(reviewer.utf8)] { return notebook }
            let notebook = try Notebook(store: store, system: system, runName: Notebook.defaultRunName(reviewer), reviewer: reviewer)
            open[Array(reviewer.utf8)] = notebook
            return notebook
        }
    }

    /// The reviewer's notebook if they have one.
    func existing(of reviewer: String) -> Notebook? { lock.withLock { open[Array(reviewer.utf8)] } }

    /// Ends the reviewer's notebook: the outputs shown to them and their verdicts become its run
    /// (nil when nothing was shown). When recording fails, its journal stays for the next session.
    func finish(_ reviewer: String, store: Store) throws -> (run: RecordedRun, verdicts: Int)? {
        guard let notebook = lock.withLock({ open.removeValue(forKey: Array(reviewer.utf8)) }) else { return nil }
        return try notebook.finish(in: store)
    }

    /// Ends every reviewer's notebook (the server stops).
    func finishAll(store: Store) -> [Result<NotebookOutcome, Error>] {
        let reviewers = lock.withLock { open.values.map(\.reviewer) }
        return reviewers.compactMap { reviewer in
            do {
                return try finish(reviewer, store: store).map {
                    .success(NotebookOutcome(reviewer: reviewer, run: $0.run.run.name, outputs: $0.run.run.resultCount, verdicts: $0.verdicts))
                }
            } catch {
                return .failure(error)
            }
        }
    }
}
