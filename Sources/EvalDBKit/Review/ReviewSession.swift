import Foundation

/// One result of a run for the example on screen.
public struct ReviewResult: Sendable {
    public var trial: Int
    public var pass: Bool
    public var score: Double?
    /// The failure category: the latest one set in review, else the results file's.
    public var failure: String?
    /// The result line's `output`, canonical JSON, when it has one.
    public var output: String?
    /// When the result is an error (`ErroredResult`): its kind and message, `timeout: …`.
    public var error: String?
    /// Why it failed, as the grader or judge said (`rationale`), when it says.
    public var rationale: String?
}

/// The example a reviewer looks at, as the session sees it (with its pending edits).
public struct ReviewedExample: Sendable {
    public var id: String
    /// Canonical JSON; nil when the session removed it.
    public var record: String?
    /// The session has edited (or removed) it.
    public var isEdited: Bool
    /// This reviewer has read it: marked a revision with its current graded content read.
    public var isRead: Bool
    /// With a run: its results, by trial.
    public var results: [ReviewResult]

    public init(id: String, record: String?, isEdited: Bool, isRead: Bool, results: [ReviewResult]) {
        self.id = id
        self.record = record
        self.isEdited = isEdited
        self.isRead = isRead
        self.results = results
    }
}

/// The ids a session goes through, looked up as they are shown (a queue can hold every example).
public struct ReviewQueue: RandomAccessCollection {
    let store: Store
    let keys: [Int64]

    public var startIndex: Int { 0 }
    public var endIndex: Int { keys.count }

    public subscript(position: Int) -> String {
        (try? store.ids(of: [UInt32(truncatingIfNeeded: keys[position])]).first) ?? ""
    }
}

/// How a session ended: the version its edits made (nil when there were none, or they changed
/// nothing), and the edits it could not apply because their example changed meanwhile.
public struct ReviewOutcome: Sendable {
    public var session: Int64
    public var reviewer: String
    public var edits: Int
    public var result: ImportResult?
    /// Ids whose edits were not applied, with why.
    public var conflicts: [(id: String, reason: String)]
    /// The dataset file the new version was written back to (it was in sync when the session
    /// started and nobody changed it since); nil when it was not.
    public var wroteFile: String?
}

/// A `review` session: read marks and failure categories are saved as they are made; edits are
/// saved as pending and become one dataset version, authored by the reviewer, when it ends. A
/// session killed midway is ended by the next one anyone starts, so that nothing done in it is lost.
public final class ReviewSession {
    public let store: Store
    public let id: Int64
    public let reviewer: String
    public let run: EvalRun?
    private var database: Database { store.database }
    /// The dataset file, when it held the current version as the session started, with its size
    /// and modification time then: the session's version is written back to it.
    var fileInSync: (path: String, size: Int, mtime: Int)?

    /// Starts a session, after ending the sessions whose process is gone (their outcomes are returned).
    public static func start(_ store: Store, reviewer: String, run: EvalRun? = nil) throws -> (ReviewSession, resumed: [ReviewOutcome]) {
        guard !reviewer.isEmpty else { throw EvalDBError.emptyName(.reviewer) }
        var resumed: [ReviewOutcome] = []
        let open = try store.database.prepare("SELECT id, reviewer, pid FROM review_sessions WHERE ended_at IS NULL ORDER BY id")
        var abandoned: [(Int64, String)] = []
        while try open.step() {
            if !processIsRunning(open.int(2)) { abandoned.append((open.int(0), open.text(1))) }
        }
        for (session, name) in abandoned {
            do {
                resumed.append(try ReviewSession(store: store, id: session, reviewer: name, run: nil).finish())
            } catch let error as EvalDBError {
                // Its edits cannot make a version (they would remove every example, say): the
                // session ends without one, and says why, rather than stopping every review after it.
                try store.database.prepare("UPDATE review_sessions SET ended_at = ? WHERE id = ?").run([.text(isoNow()), .int(session)])
                resumed.append(
                    ReviewOutcome(
                        session: session, reviewer: name, edits: 0, result: nil,
                        conflicts: [("(session \(session))", "its edits were not applied: \(error.description)")],
                        wroteFile: nil))
            }
        }
        try store.database.prepare("INSERT INTO review_sessions(reviewer, started_at, pid) VALUES (?, ?, ?)")
            .run([.text(reviewer), .text(isoNow()), .int(Int64(getpid()))])
        let id = try store.database.scalarInt("SELECT last_insert_rowid()") ?? 0
        let session = ReviewSession(store: store, id: id, reviewer: reviewer, run: run)
        session.fileInSync = try store.fileHoldingCurrentVersion()
        return (session, resumed)
    }

    init(store: Store, id: Int64, reviewer: String, run: EvalRun?) {
        self.store = store
        self.id = id
        self.reviewer = reviewer
        self.run = run
    }

    /// Whether the process that holds a session still runs (another user's process counts).
    static func processIsRunning(_ pid: Int64) -> Bool {
        guard pid > 0 else { return false }
        if pid == Int64(getpid()) { return true }
        return kill(pid_t(pid), 0) == 0 || errno == EPERM
    }

    // MARK: - What to review

    /// The ids to review, in the current version's line order: those matching every condition,
    /// with `run` those the run has a result for (`failedOnly`: a failing one), with `unreadOnly`
    /// those this reviewer has not read (`Store.readSet(of:)`).
    public func queue(where conditions: [SliceCondition] = [], unreadOnly: Bool = false, failedOnly: Bool = false) throws -> ReviewQueue {
        guard let current = try store.currentVersion() else { throw EvalDBError.emptyDatabase }
        var keys = try store.sliceKeys(current, where: conditions)
        func keySet(_ sql: String, _ arguments: [SQLValue]) throws -> Set<Int64> {
            let rows = try database.prepare(sql)
            try rows.bind(arguments)
            var result = Set<Int64>()
            while try rows.step() { result.insert(rows.int(0)) }
            return result
        }
        if let run {
            let inRun = try keySet(
                "SELECT DISTINCT example FROM stored_results WHERE run = ? AND (? = 0 OR pass = 0)",
                [.int(run.id), .int(failedOnly ? 1 : 0)])
            keys = keys.filter(inRun.contains)
        }
        if unreadOnly {
            let read = try store.readSet(of: reviewer)
            keys = keys.filter { !read.contains($0) }
        }
        return ReviewQueue(store: store, keys: keys)
    }

    // MARK: - One example

    /// The example `id` as this session sees it.
    public func example(_ id: String) throws -> ReviewedExample {
        let head = try headRevision(id)
        var record = head?.record
        var edited = false
        let pending = try database.cachedStatement("SELECT record FROM review_edits WHERE session = ? AND id = ?")
        try pending.bind([.int(self.id), .text(id)])
        if try pending.step() {
            edited = true
            record = pending.optionalText(0)
        }
        let isRead = try head.map { try store.isRead($0.key, by: reviewer) } ?? false
        return ReviewedExample(id: id, record: record, isEdited: edited, isRead: isRead, results: try results(of: head?.key))
    }

    /// Applies `edit` to the example (as edited so far in this session) and saves it as pending.
    @discardableResult
    public func edit(_ id: String, _ edit: ExampleEdit) throws -> String {
        let example = try example(id)
        guard let record = example.record else {
            throw EvalDBError.removedInSession(id)
        }
        let edited = try edit.applied(to: record)
        try savePending(id, record: edited)
        return edited
    }

    /// Removes the example from the dataset when the session ends.
    public func remove(_ id: String) throws {
        try savePending(id, record: nil)
    }

    /// Gives the example this record (an accepted label change) when the session ends.
    func edit(_ id: String, record: String, proposal: Int64?) throws {
        try savePending(id, record: record, proposal: proposal)
    }

    /// Forgets this session's edits (or removal) of the example: it stays as it is.
    public func undo(_ id: String) throws {
        try database.cachedStatement("DELETE FROM review_edits WHERE session = ? AND id = ? AND proposal IS NULL").run([.int(self.id), .text(id)])
    }

    /// Adds a new example (an accepted proposal) when the session ends.
    func add(_ id: String, record: String, proposal: Int64?) throws {
        try savePending(id, record: record, isNew: true, proposal: proposal)
    }

    /// Marks the example read by this reviewer at its current revision (and, when the session
    /// edits it, at the revision the edit makes).
    public func markRead(_ id: String) throws {
        try database.writeTransaction {
            if let head = try headRevision(id) {
                try store.markRead(rev: head.rev, id: id, reviewer: reviewer, at: isoNow())
            }
            try database.cachedStatement("UPDATE review_edits SET read = 1 WHERE session = ? AND id = ?").run([.int(self.id), .text(id)])
        }
    }

    /// Sets the failure category of the example's results in the session's run (nil: none).
    public func setFailure(_ id: String, category: String?) throws {
        guard let run else { throw EvalDBError.failureCategoryNeedsRun }
        guard let head = try headRevision(id),
            try database.scalarInt("SELECT count(*) FROM stored_results WHERE run = ? AND example = ?", [.int(run.id), .int(head.key)]) != 0
        else { throw EvalDBError.noResult(run: run.name, id: id) }
        try database.writeTransaction {
            try store.setFailure(run: run, key: head.key, id: id, category: category, reviewer: reviewer, at: isoNow())
        }
    }

    /// How many examples the session has edited, removed or added so far.
    public func pendingCount() throws -> Int {
        Int(try database.scalarInt("SELECT count(*) FROM review_edits WHERE session = ?", [.int(id)]) ?? 0)
    }

    // MARK: - Ending

    /// Ends the session: its pending edits become one new version authored by the reviewer (none
    /// when there are no edits or they change nothing), in one transaction with the session's end.
    @discardableResult
    public func finish(message: String? = nil) throws -> ReviewOutcome {
        var edits: [PendingEdit] = []
        let rows = try database.prepare("SELECT id, base_rev, record, proposal FROM review_edits WHERE session = ? ORDER BY position")
        try rows.bind([.int(id)])
        while try rows.step() { edits.append((rows.text(0), rows.optionalInt(1), rows.optionalText(2), rows.optionalInt(3))) }
        var outcome = ReviewOutcome(session: id, reviewer: reviewer, edits: edits.count, result: nil, conflicts: [], wroteFile: nil)
        let session = id, reviewer = reviewer, store = store
        let endSession: (Database, Int?) throws -> Void = { db, version in
            try db.prepare("UPDATE review_sessions SET ended_at = ?, version = ? WHERE id = ?")
                .run([.text(isoNow()), version.map { .int(Int64($0)) } ?? .null, .int(session)])
            guard let version else { return }
            // What the reviewer marked read is read at the revision the edit made.
            let carried = try db.prepare(
                """
                SELECT e.head, e.id FROM \(StorageModel.headJoin) JOIN review_edits d ON d.id = e.id
                WHERE d.session = ? AND d.read = 1 AND r.version = ? AND r.kind != 'removed'
                """)
            try carried.bind([.int(session), .int(Int64(version))])
            var marks: [(Int64, String)] = []
            while try carried.step() { marks.append((carried.int(0), carried.text(1))) }
            for (rev, id) in marks { try store.markRead(rev: rev, id: id, reviewer: reviewer, at: isoNow()) }
        }
        guard !edits.isEmpty, try store.currentVersion() != nil else {
            try endSession(database, nil)
            return outcome
        }

        let sorted = try sortEdits(edits)
        outcome.conflicts = sorted.conflicts
        let removals = edits.filter { $0.record == nil }.count, additions = edits.filter { $0.baseRev == nil }.count
        let parts = [(edits.count - removals - additions, "edited"), (removals, "removed"), (additions, "added")]
            .filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }
        var change = VersionChange(author: reviewer, message: message ?? "review by \(reviewer): \(parts.joined(separator: ", "))")
        for (id, record) in sorted.applicable {
            if let record { change.puts.append(record) } else { change.removals.append(id) }
        }
        change.puts += sorted.added.map(\.record)
        change.source = "review session \(id)"
        let skipped = sorted.skippedProposals
        let result = try store.commit(change) { version in
            try endSession(self.database, version)
            for proposal in skipped { try self.store.reopenProposal(proposal, reviewer: reviewer) }
        }
        if result.outcome != .created { try endSession(database, nil) }
        outcome.result = result
        if result.outcome == .created, let file = fileInSync, let now = Store.fileStat(file.path), now.size == file.size,
            now.mtime == file.mtime
        {
            try store.export(result.version, toFile: file.path)
            try store.recordBase(of: file.path, version: result.version.row)
            outcome.wroteFile = file.path
        }
        return outcome
    }

    /// A session's pending edit: the example, the revision it was made on (nil: a new example), the
    /// record it will have (nil: removed), and the proposal it comes from.
    typealias PendingEdit = (id: String, baseRev: Int64?, record: String?, proposal: Int64?)

    /// The edits that still apply (by the id's canonical JSON bytes, as the records spell it: ids
    /// are compared byte for byte), the new examples, and those that do not apply because their
    /// example changed since (with the proposals they came from, which go back to the queue).
    private func sortEdits(_ edits: [PendingEdit]) throws
        -> (
            applicable: [(id: String, record: String?)], added: [(id: String, record: String)], conflicts: [(id: String, reason: String)],
            skippedProposals: [Int64]
        )
    {
        var applicable: [(id: String, record: String?)] = []
        var added: [(id: String, record: String)] = []
        var conflicts: [(id: String, reason: String)] = []
        var skippedProposals: [Int64] = []
        for edit in edits {
            let head = try headRevision(edit.id, includingRemoved: true)
            if let base = edit.baseRev {
                guard head?.rev == base, head?.record != nil else {
                    conflicts.append((edit.id, "changed by another version since it was edited; edit it again"))
                    if let proposal = edit.proposal { skippedProposals.append(proposal) }
                    continue
                }
                applicable.append((edit.id, edit.record))
            } else if head != nil {
                conflicts.append((edit.id, "the id exists already; ids are never reused"))
                if let proposal = edit.proposal { skippedProposals.append(proposal) }
            } else if let record = edit.record {
                added.append((edit.id, record))
            }
        }
        return (applicable, added, conflicts, skippedProposals)
    }

    // MARK: - Rows

    private func savePending(_ id: String, record: String?, isNew: Bool = false, proposal: Int64? = nil) throws {
        try database.writeTransaction {
            let head = try headRevision(id, includingRemoved: isNew)
            if isNew && head != nil {
                throw EvalDBError.idTaken(id)
            }
            if !isNew && head == nil { throw EvalDBError.noSuchExample(id) }
            try database.cachedStatement(
                """
                INSERT INTO review_edits(session, id, base_rev, record, position, proposal)
                VALUES (?1, ?2, ?3, ?4, (SELECT count(*) FROM review_edits WHERE session = ?1), ?5)
                ON CONFLICT(session, id) DO UPDATE SET record = excluded.record, proposal = coalesce(excluded.proposal, proposal)
                """
            ).run([
                .int(self.id), .text(id), head.map { .int($0.rev) } ?? .null, record.map(SQLValue.text) ?? .null,
                proposal.map { .int($0) } ?? .null,
            ])
        }
    }

    /// The example's key, head revision and head record (nil when removed); nil when the id is
    /// unknown, or removed unless `includingRemoved`.
    private func headRevision(_ id: String, includingRemoved: Bool = false) throws -> (key: Int64, rev: Int64, record: String?)? {
        let row = try database.cachedStatement(StorageModel.headById)
        try row.bind([.text(id)])
        guard try row.step() else { return nil }
        let record = row.optionalText(2)
        if record == nil && !includingRemoved { return nil }
        return (row.int(0), row.int(1), record)
    }

    private func results(of key: Int64?) throws -> [ReviewResult] {
        guard let run, let key else { return [] }
        let rows = try database.cachedStatement(
            """
            SELECT x.trial, x.pass, x.score, \(Self.reviewedFailure), x.record -> '$.output',
                   CASE WHEN \(ErroredResult.sql("x.record")) THEN coalesce(x.record ->> '$.error.kind' || ': ', '') || coalesce(x.record ->> '$.error.message', x.record ->> '$.error') END,
                   x.record ->> '$.rationale'
            FROM stored_results x WHERE x.run = ? AND x.example = ? ORDER BY x.trial
            """)
        try rows.bind([.int(run.id), .int(key)])
        var results: [ReviewResult] = []
        while try rows.step() {
            results.append(
                ReviewResult(
                    trial: Int(rows.int(0)), pass: rows.int(1) != 0, score: rows.optionalDouble(2),
                    failure: rows.optionalText(3),
                    output: rows.optionalText(4).map { (try? CanonicalJSON.canonicalize($0)) ?? $0 }, error: rows.optionalText(5),
                    rationale: rows.optionalText(6)))
        }
        return results
    }

    /// SQL for a result row `x`'s failure category: the one in force of those set in review (the
    /// latest `at`, ties broken by event id: `LatestEvent`), else the recorded one. The `results`
    /// view of migration 0011 says the same.
    static let reviewedFailure = """
        CASE WHEN EXISTS (SELECT 1 FROM result_failures f WHERE f.run = x.run AND f.example = x.example)
             THEN (SELECT f.failure FROM result_failures f WHERE f.run = x.run AND f.example = x.example
                   ORDER BY \(LatestEvent.first(at: "f.set_at", event: "f.event", row: "f.id")) LIMIT 1)
             ELSE x.failure END
        """
}
