import EvalDBKit
import Foundation

/// The open review session of each reviewer who has changed something in the pages. A session
/// lasts until its reviewer finishes it (the `q` key, or the Finish button) or the server stops:
/// then its edits become one dataset version, as a terminal `review` session's do when it quits.
/// A server killed without stopping leaves its sessions open: the next `review` or `serve` ends
/// them, making their versions.
final class ReviewerSessions: @unchecked Sendable {  // `open` behind `lock`, each session's use behind its entry's; no Store kept
    private final class Entry {
        /// Without a connection: each request acts through its own.
        let session: ReviewSession.Detached
        let lock = NSLock()
        var ended = false
        init(_ session: ReviewSession.Detached) { self.session = session }
    }

    private let lock = NSLock()
    /// By the reviewer's name as UTF-8 bytes (names that differ only by normalisation are two).
    private var open: [[UInt8]: Entry] = [:]

    /// Runs `body` with `reviewer`'s session acting through `store` — started when there is none —
    /// and no other request of that session at the same time (a finish cannot take edits that are
    /// being saved). Returns the outcomes of sessions that a start found abandoned.
    func withSession<T>(
        of reviewer: String, run: EvalRun?, store: Store, _ body: (ReviewSession) throws -> T
    ) throws -> (T, resumed: [ReviewOutcome]) {
        var resumed: [ReviewOutcome] = []
        while true {
            let entry: Entry
            lock.lock()
            if let existing = open[Array(reviewer.utf8)] {
                entry = existing
                lock.unlock()
            } else {
                lock.unlock()
                let (session, ended) = try ReviewSession.start(store, reviewer: reviewer)
                resumed += ended
                lock.lock()
                if let raced = open[Array(reviewer.utf8)] {
                    // Another request started one meanwhile: this one ends at once, empty.
                    lock.unlock()
                    _ = try session.finish()
                    entry = raced
                } else {
                    entry = Entry(session.detached)
                    open[Array(reviewer.utf8)] = entry
                    lock.unlock()
                }
            }
            entry.lock.lock()
            defer { entry.lock.unlock() }
            if entry.ended { continue }
            return (try body(entry.session.on(store, run: run)), resumed)
        }
    }

    /// The reviewer's open session, for reading (nil: none yet).
    func session(of reviewer: String, run: EvalRun?, store: Store) -> ReviewSession? {
        lock.lock()
        defer { lock.unlock() }
        return open[Array(reviewer.utf8)].map { $0.session.on(store, run: run) }
    }

    /// Ends the reviewer's session: its edits become one version (written back to the dataset
    /// file when the file holds the version they apply to). Nil when the reviewer has none.
    func finish(_ reviewer: String, store: Store, message: String? = nil) throws -> ReviewOutcome? {
        lock.lock()
        guard let entry = open[Array(reviewer.utf8)] else {
            lock.unlock()
            return nil
        }
        lock.unlock()
        entry.lock.lock()
        defer { entry.lock.unlock() }
        guard !entry.ended else { return nil }
        let session = entry.session.on(store, run: nil)
        try session.refreshFileInSync()
        let outcome = try session.finish(message: message)
        entry.ended = true
        lock.lock()
        if open[Array(reviewer.utf8)] === entry { open[Array(reviewer.utf8)] = nil }
        lock.unlock()
        return outcome
    }

    /// Every reviewer with an open session.
    var reviewers: [String] {
        lock.lock()
        defer { lock.unlock() }
        return open.values.map(\.session.reviewer)
    }

    /// Ends every open session (the server stops), each as `finish` does; a session whose edits
    /// cannot make a version stays open, for the next `review` or `serve` to end.
    func finishAll(store: Store) -> [Result<ReviewOutcome, Error>] {
        reviewers.compactMap { reviewer in
            do {
                return try finish(reviewer, store: store).map { .success($0) }
            } catch {
                return .failure(error)
            }
        }
    }
}
