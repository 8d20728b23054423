/// What a revision did to its example.
public enum RevisionKind: String, Sendable, Codable {
    case added, changed, removed, restored
}

/// One revision of one example, with who made its version and when.
public struct ExampleRevision: Sendable {
    public var rev: Int
    public var version: Int
    public var kind: RevisionKind
    /// The whole canonical record; nil for a removal.
    public var record: String?
    public var date: String
    public var author: String
    public var message: String?
    public var gitCommit: String?
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

extension Store {
    /// Every revision of the example `id`, oldest first; empty when the id was never seen. Ids are
    /// compared byte for byte.
    public func revisions(of id: String) throws -> [ExampleRevision] {
        let rows = try database.prepare(
            """
            SELECT r.rev, r.version, r.kind, r.record, v.created_at, v.author, v.message, \(DatasetVersion.commit("v"))
            FROM stored_examples e JOIN stored_revisions r ON r.example = e.key JOIN stored_versions v ON v.number = r.version
            WHERE e.id = ? ORDER BY r.version, r.rev
            """)
        try rows.bind([.text(id)])
        var result: [ExampleRevision] = []
        while try rows.step() {
            result.append(
                ExampleRevision(
                    rev: Int(rows.int(0)), version: Int(rows.int(1)), kind: RevisionKind(rawValue: rows.text(2)) ?? .changed,
                    record: rows.optionalText(3), date: rows.text(4), author: rows.text(5), message: rows.optionalText(6),
                    gitCommit: rows.optionalText(7)))
        }
        return result
    }

    /// The example `id` as of `version`: its latest revision at or before it.
    public func state(of id: String, at version: DatasetVersion) throws -> ExampleState {
        let history = try revisions(of: id)
        guard let first = history.first else { return .unknown }
        let upTo = history.filter { $0.version <= version.number }
        guard let latest = upTo.last else { return .notYet(firstVersion: first.version) }
        if latest.kind == .removed {
            return .removed(tombstone: latest, lastLive: upTo.last { $0.kind != .removed })
        }
        return .live(latest)
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
        var entries: [LoggedRevision] = []
        var previous: RecordFields?
        for revision in try revisions(of: id) {
            let fields = revision.record.map(RecordFields.init(record:))
            entries.append(LoggedRevision(revision: revision, changes: revision.kind == .removed ? [] : FieldChange.between(previous, fields)))
            if let fields { previous = fields }
        }
        return entries.reversed()
    }
}
