/// A review session that has not ended: who, since when, how many edits wait in it, and whether
/// the process that holds it still runs. One whose process is gone was killed (a closed terminal,
/// `kill -9`): the next session anyone starts ends it first, making its version.
public struct OpenReviewSession: Sendable, Equatable {
    public var id: Int64
    public var reviewer: String
    /// ISO 8601, UTC.
    public var startedAt: String
    /// Edits, removals and accepted proposals that become its version when it ends.
    public var pendingEdits: Int
    /// Its process still runs (on this machine): a reviewer is at it now.
    public var isRunning: Bool
}

extension Store {
    /// The review sessions not ended, oldest first.
    public func openReviewSessions() throws -> [OpenReviewSession] {
        let rows = try database.prepare(
            """
            SELECT s.id, s.reviewer, s.started_at, s.pid, (SELECT count(*) FROM review_edits d WHERE d.session = s.id)
            FROM review_sessions s WHERE s.ended_at IS NULL ORDER BY s.id
            """)
        var sessions: [OpenReviewSession] = []
        while try rows.step() {
            sessions.append(
                OpenReviewSession(
                    id: rows.int(0), reviewer: rows.text(1), startedAt: rows.text(2), pendingEdits: Int(rows.int(4)),
                    isRunning: ReviewSession.processIsRunning(rows.int(3))))
        }
        return sessions
    }
}
