import Foundation

/// A session used from many threads, as a web page's requests use it: the session is its row in
/// the database (its id and reviewer), kept without a connection (`Detached`), and each request
/// acts through a connection of its own.
extension ReviewSession {
    /// A session without its connection: its id, reviewer and dataset file, which threads may share.
    public struct Detached: Sendable {
        public let id: Int64
        public let reviewer: String
        let fileInSync: (path: String, size: Int, mtime: Int)?

        /// The session acting through `store` (a connection one thread owns for the while), with
        /// `run` as the run whose results it shows and whose failure categories it sets; only one
        /// thread may use it at a time.
        public func on(_ store: Store, run: EvalRun?) -> ReviewSession {
            let session = ReviewSession(store: store, id: id, reviewer: reviewer, run: run)
            session.fileInSync = fileInSync
            return session
        }
    }

    /// This session without its connection, to keep across threads.
    public var detached: Detached { Detached(id: id, reviewer: reviewer, fileInSync: fileInSync) }

    /// This session acting through `store` instead, with `run` (`Detached.on`).
    public func on(_ store: Store, run: EvalRun?) -> ReviewSession { detached.on(store, run: run) }

    /// Looks again at whether the dataset file holds the current version, so that a session that
    /// lasts (a page open all day) writes its version back to the file when the file holds the
    /// version the session's edits are applied to — also when someone else's version was written
    /// to it since the session started. A file edited by hand, or holding another version, is
    /// left alone.
    public func refreshFileInSync() throws {
        fileInSync = try store.fileHoldingCurrentVersion()
    }

    /// The session has ended (its edits made a version, or there were none).
    public func isEnded() throws -> Bool {
        try store.database.scalarText("SELECT ended_at FROM review_sessions WHERE id = ?", [.int(id)]) != nil
    }
}

extension ReviewSession {
    /// The dataset as `reviewer` sees it before they change anything: a session that has no
    /// pending edits and writes nothing (for pages read before a reviewer's first change).
    public static func viewer(_ store: Store, reviewer: String, run: EvalRun?) -> ReviewSession {
        ReviewSession(store: store, id: 0, reviewer: reviewer, run: run)
    }
}
