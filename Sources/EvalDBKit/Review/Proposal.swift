import Crypto
import Foundation

/// A candidate example or label change queued by `propose`, waiting in `review --proposals`.
public struct Proposal: Sendable {
    public enum Kind: String, Sendable {
        /// A whole new example.
        case example
        /// New values for some labels of an existing example.
        case labels
    }

    public var number: Int64
    public var kind: Kind
    public var exampleId: String
    /// Canonical JSON: the whole record, or `{"id": ..., "labels": {...}}`.
    public var content: String
    public var proposedBy: String?
    public var rationale: String?

    static let columns = "id, kind, example_id, content, proposed_by, rationale"

    init(_ row: Statement) {
        number = row.int(0)
        kind = Kind(rawValue: row.text(1)) ?? .example
        exampleId = row.text(2)
        content = row.text(3)
        proposedBy = row.optionalText(4)
        rationale = row.optionalText(5)
    }

    /// The label edits a label change makes.
    var labelEdits: [ExampleEdit] {
        guard let object = try? CanonicalObject(parsing: content), let labels = object["labels"],
            let members = try? CanonicalObject(parsing: labels)
        else { return [] }
        return members.members.map { .label(key: $0.key, value: $0.value) }
    }
}

/// A proposal made in memory rather than read from a file (a sampled trace's candidate example):
/// its canonical content and its origin.
public struct ProposalDraft: Sendable {
    public var kind: Proposal.Kind
    public var exampleId: String
    /// Canonical JSON: the whole record, or `{"id": ..., "labels": {...}}`.
    public var content: String
    public var proposedBy: String?
    public var rationale: String?

    public init(kind: Proposal.Kind = .example, exampleId: String, content: String, proposedBy: String?, rationale: String?) {
        self.kind = kind
        self.exampleId = exampleId
        self.content = content
        self.proposedBy = proposedBy
        self.rationale = rationale
    }
}

/// What `propose` did: the proposals queued, and those skipped with why (each with its line).
public struct ProposeResult: Sendable {
    public var queued: [Proposal]
    public var skipped: [(line: Int, id: String, reason: String)]
}

extension Store {
    /// Queues each line of `path`: a full record with a new id (a candidate example), or
    /// `{"id", "labels": {...}}` (new values for labels of an example of the current version).
    /// `proposed_by` and `rationale` are the proposal's origin, not part of it (`proposedBy` is the
    /// default origin). A proposal whose content was rejected before, is queued already or was
    /// accepted is skipped and reported. Any invalid line: every problem is reported and nothing is
    /// queued.
    public func propose(_ path: String, proposedBy: String?, maxErrors: Int = 50) throws -> ProposeResult {
        let db = database
        return try db.writeTransaction {
            guard let current = try currentVersion() else { throw EvalDBError.emptyDatabase }
            let reader = JSONLObjects(path: path, what: "a proposal", maxErrors: maxErrors)
            var intake = try ProposalIntake(database: db, current: current, reader: reader, proposedBy: proposedBy)
            try reader.forEach { try intake.take($0) }
            let pending = intake.pending, skipped = intake.skipped
            try reader.throwIfInvalid()
            let source = path == "-" ? nil : storedPath(path)
            let queued = try pending.map {
                try enqueue(
                    ProposalDraft(kind: $0.kind, exampleId: $0.id, content: $0.content, proposedBy: $0.by, rationale: $0.rationale), source: source)
            }
            return ProposeResult(queued: queued, skipped: skipped)
        }
    }

    /// Queues candidate examples made in memory (by sampling), in one transaction, each with its
    /// team-log event. A candidate is skipped, with why, when its id is an example's (current or
    /// removed), when a proposal for that id exists (queued, accepted or rejected), or when the same
    /// content was proposed before; `skipped` holds its index in `drafts`. With `dryRun`, nothing is
    /// written: `queued` holds what would be, numbered 0.
    public func queue(
        _ drafts: [ProposalDraft], source: String?, dryRun: Bool = false
    ) throws -> (queued: [Proposal], skipped: [(index: Int, id: String, reason: String)]) {
        let db = database
        func run() throws -> (queued: [Proposal], skipped: [(index: Int, id: String, reason: String)]) {
            guard try currentVersion() != nil else { throw EvalDBError.emptyDatabase }
            let example = try db.prepare("SELECT r.version, r.record IS NULL FROM \(StorageModel.headJoin) WHERE e.id = ?")
            let proposal = try db.prepare("SELECT content FROM proposals WHERE example_id = ? ORDER BY id DESC LIMIT 1")
            let earlier = try db.prepare(Self.earlierProposal)
            var queued: [Proposal] = []
            var skipped: [(index: Int, id: String, reason: String)] = []
            for (index, draft) in drafts.enumerated() {
                try example.bind([.text(draft.exampleId)])
                let existing = try example.step() ? (version: example.int(0), removed: example.int(1) != 0) : nil
                example.reset()
                if let existing {
                    let state = existing.removed ? "was removed in version \(existing.version)" : "exists already"
                    skipped.append((index, draft.exampleId, "example \(quoted(draft.exampleId)) \(state)"))
                    continue
                }
                // A proposal for this id, whatever its content: said as a proposal of this content is.
                try proposal.bind([.text(draft.exampleId)])
                let earlierContent = try proposal.step() ? proposal.text(0) : nil
                proposal.reset()
                if let reason = try Self.decidedBefore(earlierContent ?? draft.content, earlier) {
                    skipped.append((index, draft.exampleId, reason))
                    continue
                }
                queued.append(
                    dryRun
                        ? Proposal(
                            number: 0, kind: draft.kind, exampleId: draft.exampleId, content: draft.content,
                            proposedBy: draft.proposedBy, rationale: draft.rationale)
                        : try enqueue(draft, source: source))
            }
            return (queued, skipped)
        }
        return dryRun ? try run() : try db.writeTransaction { try run() }
    }

    /// Writes one proposal and its log event. Call inside a write transaction.
    private func enqueue(_ draft: ProposalDraft, source: String?) throws -> Proposal {
        let number = try queueProposal(
            kind: draft.kind, id: draft.exampleId, content: draft.content, by: draft.proposedBy,
            rationale: draft.rationale, source: source, at: isoNow())
        return Proposal(
            number: number, kind: draft.kind, exampleId: draft.exampleId, content: draft.content,
            proposedBy: draft.proposedBy, rationale: draft.rationale)
    }

    /// The latest proposal with a content digest (bound first).
    static let earlierProposal = "SELECT id, status, decided_by, decided_at, reason FROM proposals WHERE content_sha256 = ? ORDER BY id DESC LIMIT 1"

    /// Why a proposal with this content is not queued again: rejected, accepted or queued before.
    static func decidedBefore(_ content: String, _ earlier: Statement) throws -> String? {
        try earlier.bind([.blob(Store.proposalDigest(content))])
        defer { earlier.reset() }
        guard try earlier.step() else { return nil }
        let decided = "\(earlier.optionalText(3)?.prefix(10) ?? "?") by \(earlier.optionalText(2) ?? "?")"
        switch earlier.text(1) {
        case "rejected": return "rejected before (proposal #\(earlier.int(0)), \(decided): \(earlier.optionalText(4) ?? "no reason given"))"
        case "accepted": return "accepted before (proposal #\(earlier.int(0)), \(decided))"
        default: return "queued already as proposal #\(earlier.int(0))"
        }
    }

    /// The proposals waiting for a decision, oldest first.
    public func pendingProposals() throws -> [Proposal] {
        let rows = try database.prepare("SELECT \(Proposal.columns) FROM proposals WHERE status = 'pending' ORDER BY id")
        var result: [Proposal] = []
        while try rows.step() { result.append(Proposal(rows)) }
        return result
    }

    static func proposalDigest(_ content: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(content.utf8)))
    }
}

extension Proposal {
    init(number: Int64, kind: Kind, exampleId: String, content: String, proposedBy: String?, rationale: String?) {
        self.number = number
        self.kind = kind
        self.exampleId = exampleId
        self.content = content
        self.proposedBy = proposedBy
        self.rationale = rationale
    }
}

extension ReviewSession {
    /// The record the proposal would make, after `edits` (an edit before accepting), and the
    /// example's record now (nil for a candidate example).
    public func outcome(of proposal: Proposal, edits: [ExampleEdit] = []) throws -> (current: String?, proposed: String) {
        switch proposal.kind {
        case .example:
            return (nil, try edits.reduce(proposal.content) { try $1.applied(to: $0) })
        case .labels:
            guard let current = try example(proposal.exampleId).record else {
                throw EvalDBError.noSuchExample(proposal.exampleId)
            }
            return (current, try (proposal.labelEdits + edits).reduce(current) { try $1.applied(to: $0) })
        }
    }

    /// Accepts the proposal, after `edits`: it becomes a revision when the session ends. A
    /// synthetic input (`synth`) is refused until an edit sets its expected output, and its author
    /// becomes the reviewer.
    public func accept(_ proposal: Proposal, edits: [ExampleEdit] = []) throws {
        var record = try outcome(of: proposal, edits: edits).proposed
        if proposal.kind == .example, let object = try? CanonicalObject(parsing: record),
            object["source"].map({ $0.hasPrefix("\"" + SyntheticInput.sourcePrefix) }) == true
        {
            guard !SyntheticInput.needsExpectedOutput(record) else {
                throw EvalDBError.invalidEdit(
                    "a synthetic input needs an expected output set by a person before it is accepted; the system's output is shown beside it, never copied in"
                )
            }
            var authored = object
            authored["author"] = JSONText.string(reviewer)
            record = authored.text
        }
        try store.database.writeTransaction {  // the pending revision and the decision land together
            switch proposal.kind {
            case .example: try add(proposal.exampleId, record: record, proposal: proposal.number)
            case .labels: try edit(proposal.exampleId, record: record, proposal: proposal.number)
            }
            try decide(proposal, status: "accepted", reason: nil, accepted: record)
        }
    }

    /// Rejects the proposal; proposing the same content again is skipped, with this reason.
    public func reject(_ proposal: Proposal, reason: String?) throws {
        try decide(proposal, status: "rejected", reason: reason, accepted: nil)
    }

    private func decide(_ proposal: Proposal, status: String, reason: String?, accepted: String?) throws {
        try store.database.writeTransaction {
            try store.decideProposal(
                content: proposal.content, status: status, reviewer: reviewer, reason: reason,
                accepted: accepted, at: isoNow())
        }
    }
}

/// The lines of a proposals file, one at a time: each checked against the current version and the
/// proposals decided or queued before, and kept, skipped (with why) or reported.
private struct ProposalIntake {
    let current: DatasetVersion
    let reader: JSONLObjects
    let proposedBy: String?
    /// The current record (nil: removed) and head version of an id.
    let lookup: Statement
    /// The latest proposal with the same content.
    let earlier: Statement
    var pending: [(line: Int, kind: Proposal.Kind, id: String, content: String, by: String?, rationale: String?)] = []
    var skipped: [(line: Int, id: String, reason: String)] = []
    var seenInFile: [[UInt8]: Int] = [:]  // ids compared byte for byte
    /// The contents of `pending`, byte for byte: a repeat is found in one lookup, not by comparing
    /// it with every proposal before it (20,000 proposals took 27 s).
    var pendingContents = Set<[UInt8]>()

    init(database: Database, current: DatasetVersion, reader: JSONLObjects, proposedBy: String?) throws {
        self.current = current
        self.reader = reader
        self.proposedBy = proposedBy
        lookup = try database.prepare("SELECT r.record, r.version FROM \(StorageModel.headJoin) WHERE e.id = ?")
        earlier = try database.prepare(Store.earlierProposal)
    }

    mutating func take(_ line: JSONLLine) throws {
        let tape = line.tape
        func problem(_ offset: Int32, _ message: String) { reader.report(line, at: Int(offset), message) }
        guard let idNode = tape.member(0, "id"), tape.nodes[idNode].kind == .string else {
            return problem(tape.nodes[0].source, "a proposal needs \"id\", a string")
        }
        let id = tape.string(idNode)
        var origin: [String: String] = [:]
        for name in ["proposed_by", "rationale"] {
            guard let node = tape.member(0, name) else { continue }
            guard tape.nodes[node].kind == .string else { return problem(tape.nodes[node].source, "\"\(name)\" must be a string") }
            origin[name] = tape.string(node)
        }
        var object = CanonicalObject(tape, 0)
        object["proposed_by"] = nil
        object["rationale"] = nil
        let kind: Proposal.Kind = object.members.count == 2 && object["labels"] != nil ? .labels : .example
        let content = object.text
        // Decided or queued before: said so, whatever has happened to the example since.
        if let reason = try decidedBefore(content) { return skipped.append((line.number, id, reason)) }
        try lookup.bind([.text(id)])
        let existing: (record: String?, version: Int)? = try lookup.step() ? (lookup.optionalText(0), Int(lookup.int(1))) : nil
        lookup.reset()
        switch kind {
        case .labels:
            guard let labelsNode = tape.member(0, "labels"), tape.nodes[labelsNode].kind == .object else {
                return problem(tape.nodes[idNode].source, "\"labels\" must be an object of new label values")
            }
            guard let record = existing?.record else {
                return problem(
                    tape.nodes[idNode].source, "no example \(quoted(id)) in version \(current.number): a label change needs an existing example")
            }
            let edits = CanonicalObject(tape, labelsNode).members.map { ExampleEdit.label(key: $0.key, value: $0.value) }
            do {
                if DatasetMerge.same(try edits.reduce(record) { try $1.applied(to: $0) }, record) {
                    return skipped.append((line.number, id, "the example has these label values already"))
                }
            } catch {
                return problem(tape.nodes[labelsNode].source, String(describing: error))
            }
        case .example:
            var schema: [RecordSchema.Problem] = []
            _ = RecordSchema.check(try JSONParser.parse(content), problems: &schema)
            if let first = schema.first(where: { !$0.isWarning }) {
                // Positions of the canonical text are not the line's: point at the record.
                return problem(tape.nodes[0].source, "not a valid example (\(first.message)); a label change is {\"id\", \"labels\"} alone")
            }
            if let existing {
                let state = existing.record == nil ? "was removed in version \(existing.version)" : "exists already"
                return problem(tape.nodes[idNode].source, "id \(quoted(id)) \(state); a candidate example needs a new id (ids are never reused)")
            }
            if let first = seenInFile[Array(id.utf8)] {
                return problem(tape.nodes[idNode].source, "a second candidate with id \(quoted(id)) (the first is on line \(first))")
            }
            seenInFile[Array(id.utf8)] = line.number
        }
        guard pendingContents.insert(Array(content.utf8)).inserted else {
            return skipped.append((line.number, id, "the same proposal appears earlier in the file"))
        }
        pending.append((line.number, kind, id, content, origin["proposed_by"] ?? proposedBy, origin["rationale"]))
    }

    /// Why a proposal with this content is not queued again: rejected, accepted or queued before.
    private func decidedBefore(_ content: String) throws -> String? {
        try Store.decidedBefore(content, earlier)
    }
}
