import Foundation

/// Each durable fact of review and proposals is written twice in one step: as a row of the
/// database and as an event of the team log. `sync` applies the events of other clones' logs
/// through the same functions, so that a fact reads the same wherever it was made.
extension Store {
    // MARK: - Read marks

    /// Marks revision `rev` (of example `id`) read by `reviewer`. Call inside a write transaction.
    func markRead(rev: Int64, id: String, reviewer: String, at: String) throws {
        let inserted = try database.prepare("INSERT OR IGNORE INTO review_marks(rev, reviewer, read_at) VALUES (?, ?, ?)")
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
        try database.prepare("INSERT OR IGNORE INTO review_marks(rev, reviewer, read_at) VALUES (?, ?, ?)")
            .run([.int(rev), .text(reviewer), .text(event.at)])
        return true
    }

    // MARK: - Failure categories

    /// Sets the failure category of example `key`'s results in `run`. Call inside a write transaction.
    func setFailure(run: EvalRun, key: Int64, id: String, category: String?, reviewer: String, at: String) throws {
        try database.prepare("INSERT INTO result_failures(run, example, failure, reviewer, set_at) VALUES (?, ?, ?, ?, ?)")
            .run([.int(run.id), .int(key), category.map(SQLValue.text) ?? .null, .text(reviewer), .text(at)])
        guard let log = teamLog else { return }
        let runEvent = try database.scalarText("SELECT event FROM run_files WHERE run = ?", [.int(run.id)])
        try log.append(
            LogEvent(
                "failure",
                [
                    "run": .string(run.name), "run_event": runEvent.map { .string($0) }, "id": .string(id),
                    "failure": category.map { .string($0) } ?? .null, "by": .string(reviewer), "at": .string(at),
                ]))
    }

    private func applyFailure(_ event: LogEvent) throws -> Bool {
        guard let id = event.string("id"), let reviewer = event.string("by") else { return true }
        guard let run = try run(of: event), let key = try database.scalarInt("SELECT key FROM stored_examples WHERE id = ?", [.text(id)]) else {
            return false
        }
        try database.prepare("INSERT INTO result_failures(run, example, failure, reviewer, set_at) VALUES (?, ?, ?, ?, ?)")
            .run([.int(run), .int(key), event.string("failure").map(SQLValue.text) ?? .null, .text(reviewer), .text(event.at)])
        return true
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
        try database.prepare(
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
    /// pending. Call inside a write transaction.
    func decideProposal(
        content: String, status: String, reviewer: String, reason: String?, accepted: String?, at: String,
        logging: Bool = true
    ) throws {
        let pending = status == "pending"
        try database.prepare(
            """
            UPDATE proposals SET status = ?, decided_by = ?, decided_at = ?, reason = ?, accepted = ?
            WHERE content_sha256 = ? AND status \(pending ? "!=" : "=") 'pending'
            """
        ).run([
            .text(status), pending ? .null : .text(reviewer), pending ? .null : .text(at), reason.map(SQLValue.text) ?? .null,
            accepted.map(SQLValue.text) ?? .null, .blob(Self.proposalDigest(content)),
        ])
        if logging, let log = teamLog {
            try log.append(
                LogEvent(
                    "decision",
                    [
                        "proposal": .string(Self.proposalDigest(content).map { String(format: "%02x", $0) }.joined()),
                        "status": .string(status), "by": .string(reviewer), "reason": reason.map { .string($0) },
                        "accepted": accepted.map { .json($0) }, "at": .string(at),
                    ]))
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
        try decideProposal(
            content: content, status: status, reviewer: reviewer, reason: event.string("reason"),
            accepted: accepted == "null" ? nil : accepted, at: event.at, logging: false)
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
