import Foundation

/// Each durable fact of review and proposals is written twice in one step: as a row of the
/// database and as an event of the team log. `sync` applies the events of other clones' logs
/// through the same functions, so that a fact reads the same wherever it was made.
extension Store {
    // MARK: - Read marks

    /// Marks revision `rev` (of example `id`) read by `reviewer`. Call inside a write transaction.
    func markRead(rev: Int64, id: String, reviewer: String, at: String) throws {
        let inserted = try database.cachedStatement("INSERT OR IGNORE INTO review_marks(rev, reviewer, read_at) VALUES (?, ?, ?)")
        try inserted.run([.int(rev), .text(reviewer), .text(at)])
        guard try database.scalarInt("SELECT changes()") == 1, let log = teamLog,
            let digest = try database.scalarText("SELECT lower(hex(sha256)) FROM stored_revisions WHERE rev = ?", [.int(rev)])
        else { return }
        try log.append(LogEvent("read", ["id": .string(id), "record": .string(digest), "by": .string(reviewer), "at": .string(at)]))
    }

    /// A read mark from the log: on the example's latest revision with that record.
    private func applyRead(_ event: LogEvent) throws -> Bool {
        // A mark missing what it needs applies nothing (it stays in its file as written).
        guard let id = event.string("id"), let digest = event.string("record"), let reviewer = event.string("by") else { return true }
        guard
            let rev = try database.scalarInt(
                """
                SELECT r.rev FROM stored_examples e JOIN stored_revisions r ON r.example = e.key
                WHERE e.id = ? AND lower(hex(r.sha256)) = ? ORDER BY r.rev DESC LIMIT 1
                """, [.text(id), .text(digest)])
        else { return false }
        try database.cachedStatement("INSERT OR IGNORE INTO review_marks(rev, reviewer, read_at) VALUES (?, ?, ?)")
            .run([.int(rev), .text(reviewer), .text(event.at)])
        return true
    }

    // MARK: - Failure categories

    /// Sets the failure category of example `key`'s results in `run`. Call inside a write transaction.
    /// Its event (made also without a team log, for its id) is in force over every category set
    /// before it, here or in another clone (`LatestEvent`).
    func setFailure(run: EvalRun, key: Int64, id: String, category: String?, reviewer: String, at: String) throws {
        let inForce = try factInForce(
            """
            SELECT set_at, event FROM result_failures WHERE run = ? AND example = ?
            ORDER BY \(LatestEvent.first(at: "set_at", event: "event", row: "id")) LIMIT 1
            """, [.int(run.id), .int(key)])
        let runEvent = try database.scalarText("SELECT event FROM run_files WHERE run = ?", [.int(run.id)])
        let event = LatestEvent.replacing(
            "failure",
            [
                "run": .string(run.name), "run_event": runEvent.map { .string($0) }, "id": .string(id),
                "failure": category.map { .string($0) } ?? .null, "by": .string(reviewer),
            ], now: at, latest: inForce)
        try insertFailure(run: run.id, key: key, event: event)
        try teamLog?.append(event)
    }

    private func applyFailure(_ event: LogEvent) throws -> Bool {
        guard let id = event.string("id"), event.string("by") != nil else { return true }
        guard let run = try run(of: event), let key = try database.scalarInt("SELECT key FROM stored_examples WHERE id = ?", [.text(id)]) else {
            return false
        }
        try insertFailure(run: run, key: key, event: event)
        return true
    }

    /// The row of a `failure` event: which row is in force is decided when it is read, by `at` and
    /// event id, never by the order rows were inserted in.
    private func insertFailure(run: Int64, key: Int64, event: LogEvent) throws {
        try database.cachedStatement("INSERT INTO result_failures(run, example, failure, reviewer, set_at, event) VALUES (?, ?, ?, ?, ?, ?)")
            .run([
                .int(run), .int(key), event.string("failure").map(SQLValue.text) ?? .null, .text(event.string("by") ?? ""),
                .text(event.at), .text(event.id),
            ])
    }

    /// The run an event is about: the one its file recorded (`run_event`), else the one of its name.
    func run(of event: LogEvent) throws -> Int64? {
        if let header = event.string("run_event"), let run = try database.scalarInt("SELECT run FROM run_files WHERE event = ?", [.text(header)]) {
            return run
        }
        return try event.string("run").flatMap { try database.scalarInt("SELECT id FROM stored_runs WHERE name = ?", [.text($0)]) }
    }

    // MARK: - Proposals and decisions

    /// Queues a proposal. Call inside a write transaction. Returns its number.
    func queueProposal(
        kind: Proposal.Kind, id: String, content: String, by: String?, rationale: String?, source: String?,
        at: String, logging: Bool = true
    ) throws -> Int64 {
        try database.cachedStatement(
            """
            INSERT INTO proposals(kind, example_id, content, content_sha256, proposed_by, rationale, proposed_at, source_path)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """
        ).run([
            .text(kind.rawValue), .text(id), .text(content), .blob(Self.proposalDigest(content)),
            by.map(SQLValue.text) ?? .null, rationale.map(SQLValue.text) ?? .null, .text(at), source.map(SQLValue.text) ?? .null,
        ])
        let number = try database.scalarInt("SELECT last_insert_rowid()") ?? 0
        if logging, let log = teamLog {
            try log.append(
                LogEvent(
                    "proposal",
                    [
                        "kind": .string(kind.rawValue), "id": .string(id), "content": .json(content), "by": by.map { .string($0) },
                        "rationale": rationale.map { .string($0) }, "source": source.map { .string($0) }, "at": .string(at),
                    ]))
        }
        return number
    }

    private func applyProposal(_ event: LogEvent) throws -> Bool {
        guard let kind = event.string("kind").flatMap(Proposal.Kind.init(rawValue:)), let id = event.string("id"),
            let content = event.json("content")
        else { return true }  // nothing to apply; the line stays in its file
        if try database.scalarInt("SELECT count(*) FROM proposals WHERE content_sha256 = ?", [.blob(Self.proposalDigest(content))]) != 0 {
            return true
        }
        _ = try queueProposal(
            kind: kind, id: id, content: content, by: event.string("by"), rationale: event.string("rationale"),
            source: event.string("source"), at: event.at, logging: false)
        return true
    }

    /// Records a decision on the proposal with this content: accepted, rejected, or back to
    /// pending. Call inside a write transaction. Its event (made also without a team log, for its
    /// id) is in force over every decision on the proposal before it (`LatestEvent`).
    func decideProposal(content: String, status: String, reviewer: String, reason: String?, accepted: String?, at: String) throws {
        let digest = Self.proposalDigest(content)
        let inForce = try factInForce(
            """
            SELECT decision_at, decided_event FROM proposals WHERE content_sha256 = ? AND decision_at IS NOT NULL
            ORDER BY \(LatestEvent.first(at: "decision_at", event: "decided_event", row: "id")) LIMIT 1
            """, [.blob(digest)])
        let event = LatestEvent.replacing(
            "decision",
            [
                "proposal": .string(digest.map { String(format: "%02x", $0) }.joined()), "status": .string(status), "by": .string(reviewer),
                "reason": reason.map { .string($0) }, "accepted": accepted.map { .json($0) },
            ], now: at, latest: inForce)
        try recordDecision(digest: digest, status: status, reviewer: reviewer, reason: reason, accepted: accepted, event: event)
        try teamLog?.append(event)
    }

    /// Gives the proposals with content digest `digest` the decision of `event`, when it replaces
    /// the one they have (a later `at`, or the same and a larger event id): a decision applied in
    /// any order leaves the same one in force.
    private func recordDecision(digest: [UInt8], status: String, reviewer: String, reason: String?, accepted: String?, event: LogEvent) throws {
        let rows = try database.cachedStatement("SELECT id, decision_at, decided_event FROM proposals WHERE content_sha256 = ?")
        try rows.bind([.blob(digest)])
        var replaced: [Int64] = []
        while try rows.step() {
            if rows.isNull(1) || LatestEvent.replaces(at: event.at, event: event.id, rows.text(1), rows.optionalText(2)) {
                replaced.append(rows.int(0))
            }
        }
        rows.reset()
        let pending = status == "pending"
        let update = try database.cachedStatement(
            """
            UPDATE proposals SET status = ?, decided_by = ?, decided_at = ?, reason = ?, accepted = ?, decision_at = ?, decided_event = ?
            WHERE id = ?
            """)
        for id in replaced {
            try update.run([
                .text(status), pending ? .null : .text(reviewer), pending ? .null : .text(event.at), reason.map(SQLValue.text) ?? .null,
                accepted.map(SQLValue.text) ?? .null, .text(event.at), .text(event.id), .int(id),
            ])
        }
    }

    /// An accepted proposal whose edit could not be applied goes back to the queue.
    func reopenProposal(_ number: Int64, reviewer: String) throws {
        guard let content = try database.scalarText("SELECT content FROM proposals WHERE id = ?", [.int(number)]) else { return }
        try decideProposal(content: content, status: "pending", reviewer: reviewer, reason: nil, accepted: nil, at: isoNow())
    }

    private func applyDecision(_ event: LogEvent) throws -> Bool {
        guard let digest = event.string("proposal"), let status = event.string("status"), let reviewer = event.string("by") else {
            return true  // nothing to apply; the line stays in its file
        }
        guard let content = try database.scalarText("SELECT content FROM proposals WHERE lower(hex(content_sha256)) = ?", [.text(digest)])
        else { return false }  // its proposal is not here yet
        let accepted = event.json("accepted")
        try recordDecision(
            digest: Self.proposalDigest(content), status: status, reviewer: reviewer, reason: event.string("reason"),
            accepted: accepted == "null" ? nil : accepted, event: event)
        return true
    }

    // MARK: - Applying

    /// Applies one event of another clone's log (or of this one's, rebuilt). Returns false when
    /// what it refers to is not in the database (yet): it is tried again by the next sync.
    func apply(_ event: LogEvent) throws -> Bool {
        switch event.kind {
        case "version":
            // A version's record: what the graph's rule reads (Team/VersionGraph.swift).
            try recordVersionEvent(event, file: nil)
            if let hash = event.string("hash") { try refreshVersionInfo([hash]) }
            return true
        case "read": return try applyRead(event)
        case "failure": return try applyFailure(event)
        case "proposal": return try applyProposal(event)
        case "decision": return try applyDecision(event)
        case "verdict": return try applyVerdict(event)
        case "calibration": return try applyCalibration(event)
        default: return true  // a kind from a newer evaldb: kept in the file, nothing to do here
        }
    }
}
