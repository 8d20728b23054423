/// What a revision did to its example.
public enum RevisionKind: String, Sendable, Codable {
    case added, changed, removed, restored
}

/// One revision of one example, with who made its version and when.
public struct ExampleRevision: Sendable {
    /// This database's revision holding the record (local, as version numbers are).
    public var rev: Int
    /// The version's number here.
    public var version: Int
    public var kind: RevisionKind
    /// The whole canonical record; nil for a removal.
    public var record: String?
    public var date: String
    public var author: String
    public var message: String?
    public var gitCommit: String?
    /// The version's dataset hash: what names it in every clone.
    public var hash: String = ""
}

/// Where an id stands at a version: its record, or why there is none.
public enum ExampleState: Sendable {
    case live(ExampleRevision)
    /// Removed at or before the version: the tombstone and the last live revision before it.
    case removed(tombstone: ExampleRevision, lastLive: ExampleRevision?)
    /// The id exists, but only from a later version on.
    case notYet(firstVersion: Int)
    case unknown
}

/// An example's history over the version graph, as `git log -- FILE` is a file's: the versions
/// whose record of the example differs from each of their parents' (a merge that took one side's
/// record as it was is not a change of its own), each with its record there. Read from the
/// versions, not from the order this database stored them in, so that every clone tells one
/// history, whatever order it learned the versions in.
struct ExampleGraphHistory {
    struct Step {
        var version: DatasetVersion
        /// The example's record at the version (nil: absent or removed), and its revision here.
        var record: String?
        var rev: Int
        var parents: [(hash: String, record: String?)]
    }

    /// Oldest first (parents before children).
    var steps: [Step] = []
}

extension Store {
    /// The example's key, or nil when the id was never seen (ids compared byte for byte).
    private func exampleKey(_ id: String) throws -> Int64? {
        try database.scalarInt("SELECT key FROM stored_examples WHERE id = ?", [.text(id)])
    }

    /// The record (and its revision) of example `key` at stored row `row`; nil record when it is
    /// removed or not there yet.
    private func record(of key: Int64, atRow row: Int, _ lookup: Statement) throws -> (record: String?, rev: Int) {
        try lookup.bind([.int(key), .int(Int64(row))])
        defer { lookup.reset() }
        guard try lookup.step() else { return (nil, 0) }
        return (lookup.optionalText(0), Int(lookup.int(1)))
    }

    /// Every version with the example's record there and its parents', in the order this
    /// database numbers versions (parents before children).
    func graphHistory(of id: String) throws -> ExampleGraphHistory? {
        guard let key = try exampleKey(id) else { return nil }
        let lookup = try database.prepare(
            "SELECT record, rev FROM stored_revisions WHERE example = ? AND version <= ? ORDER BY version DESC, rev DESC LIMIT 1")
        var history = ExampleGraphHistory()
        var recordOf: [String: String?] = [:]
        for version in try versions() {
            let here = try record(of: key, atRow: version.row, lookup)
            recordOf[version.hash] = here.record
            history.steps.append(
                .init(
                    version: version, record: here.record, rev: here.rev,
                    parents: version.parents.map { parent in (parent, recordOf[parent] ?? nil) }))
        }
        return history
    }

    /// The example's revisions over the version graph, oldest first: each version whose record of
    /// `id` differs from every parent's (or that adds it, having no parent). Empty when the id was
    /// never seen.
    public func revisions(of id: String) throws -> [ExampleRevision] {
        guard let history = try graphHistory(of: id) else { return [] }
        var result: [ExampleRevision] = []
        var seenRecords = Set<String>()
        for step in history.steps {
            let parentRecords = step.parents.map(\.record)
            let differs = parentRecords.isEmpty ? step.record != nil : parentRecords.allSatisfy { !DatasetMerge.same($0, step.record) }
            guard differs else { continue }
            let kind: RevisionKind
            if step.record == nil {
                guard parentRecords.contains(where: { $0 != nil }) else { continue }
                kind = .removed
            } else if parentRecords.contains(where: { $0 != nil }) {
                kind = .changed
            } else {
                kind = seenRecords.contains(step.record!) ? .restored : .added
            }
            if let record = step.record { seenRecords.insert(record) }
            result.append(Self.revision(step, kind: kind))
        }
        return result
    }

    private static func revision(_ step: ExampleGraphHistory.Step, kind: RevisionKind) -> ExampleRevision {
        let v = step.version
        return ExampleRevision(
            rev: step.rev, version: v.number, kind: kind, record: step.record, date: v.createdAt, author: v.author,
            message: v.message, gitCommit: v.gitCommit, hash: v.hash)
    }

    /// The example `id` as of `version`.
    public func state(of id: String, at version: DatasetVersion) throws -> ExampleState {
        let history = try revisions(of: id)
        guard let first = history.first else { return .unknown }
        guard let key = try exampleKey(id) else { return .unknown }
        let lookup = try database.prepare(
            "SELECT record, rev FROM stored_revisions WHERE example = ? AND version <= ? ORDER BY version DESC, rev DESC LIMIT 1")
        let here = try record(of: key, atRow: version.row, lookup)
        if let record = here.record {
            let since = history.last { DatasetMerge.same($0.record, record) } ?? first
            var revision = since
            revision.rev = here.rev
            return .live(revision)
        }
        guard here.rev != 0 else { return .notYet(firstVersion: first.version) }
        // Removed at this version: the removal and the last live record before it, as the
        // version graph tells them.
        let upTo = history.filter { $0.version <= version.number }
        let tombstone = upTo.last { $0.kind == .removed } ?? history.last { $0.kind == .removed } ?? first
        return .removed(tombstone: tombstone, lastLive: upTo.last { $0.kind != .removed })
    }
}

/// One entry of an example's log: a revision and the fields it changed against the live
/// revision before it (none for a removal).
public struct LoggedRevision: Sendable {
    public var revision: ExampleRevision
    public var changes: [FieldChange]
}

extension Store {
    /// The revisions of `id`, newest first, each with the fields it changed: `log`. Empty when the
    /// id was never seen.
    public func log(of id: String) throws -> [LoggedRevision] {
        guard let history = try graphHistory(of: id) else { return [] }
        let revisions = try self.revisions(of: id)
        var recordOf: [String: String?] = [:]
        for step in history.steps { recordOf[step.version.hash] = step.record }
        var entries: [LoggedRevision] = []
        var lastLive: String?
        for revision in revisions {
            // Against the first parent that held the example (else the last live record seen).
            let step = history.steps.first { $0.version.hash == revision.hash }
            let before = step?.parents.lazy.compactMap(\.record).first ?? lastLive
            let changes =
                revision.kind == .removed
                ? [] : FieldChange.between(before.map(RecordFields.init(record:)), revision.record.map(RecordFields.init(record:)))
            entries.append(LoggedRevision(revision: revision, changes: changes))
            if let record = revision.record { lastLive = record }
        }
        return entries.reversed()
    }
}
