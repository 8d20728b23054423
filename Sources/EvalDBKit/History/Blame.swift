/// One field (or label key) of an example, with the revision since which it has held its value.
public struct BlameLine: Sendable {
    public var path: String
    /// Canonical JSON.
    public var value: String
    public var since: ExampleRevision
}

/// `blame`: for each field and label key of an example as of a version, who gave it its value.
public struct Blame: Sendable {
    public var id: String
    public var lines: [BlameLine]
    /// Set when the example is removed at that version: the lines are those of its last live revision.
    public var removedBy: ExampleRevision?
}

extension Store {
    /// Blames the example `id` as of `version`: each value since the earliest revision from which
    /// it held that value without a break (a removal followed by a restore is no break: a restore
    /// brings the old content back). Nil when the id has no live revision at or before `version`.
    public func blame(_ id: String, at version: DatasetVersion) throws -> Blame? {
        let history = try revisions(of: id).filter { $0.version <= version.number }
        let live = history.filter { $0.kind != .removed }
        guard let last = live.last else { return nil }
        let fields = live.map { RecordFields(record: $0.record ?? "") }
        var lines: [BlameLine] = []
        for (path, value) in fields[fields.count - 1].values {
            var since = live.count - 1
            while since > 0 && fields[since - 1][path].map({ Array($0.utf8) }) == Array(value.utf8) { since -= 1 }
            lines.append(BlameLine(path: path, value: value, since: live[since]))
        }
        let removedBy = history.last.flatMap { $0.kind == .removed && $0.rev > last.rev ? $0 : nil }
        return Blame(id: id, lines: lines, removedBy: removedBy)
    }
}
