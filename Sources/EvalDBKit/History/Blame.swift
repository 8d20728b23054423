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
    /// Blames the example `id` as of `version`, as `git blame` does over commits: each value is
    /// followed from the version back through a parent that held the same value, as long as one
    /// did; the version where none did gave it. Nil when the id has no live record at or before
    /// `version`.
    public func blame(_ id: String, at version: DatasetVersion) throws -> Blame? {
        guard let history = try graphHistory(of: id) else { return nil }
        var stepOf: [String: ExampleGraphHistory.Step] = [:]
        for step in history.steps { stepOf[step.version.hash] = step }
        var removedBy: ExampleRevision?
        var start = stepOf[version.hash]
        if start?.record == nil {
            // Removed at that version: blame its last live record, and name the removal.
            guard case .removed(let tombstone, let lastLive)? = try? state(of: id, at: version), let lastLive,
                let live = stepOf[lastLive.hash]
            else { return nil }
            removedBy = tombstone
            start = live
        }
        guard let start, let record = start.record else { return nil }
        var fieldsOf: [String: RecordFields] = [:]
        func fields(_ hash: String) -> RecordFields? {
            if let known = fieldsOf[hash] { return known }
            guard let record = stepOf[hash]?.record else { return nil }
            let parsed = RecordFields(record: record)
            fieldsOf[hash] = parsed
            return parsed
        }
        /// The nearest version behind `hash` (through first parents) where the example is live: a
        /// removal followed by a restore is no break, the restore brings the old content back.
        func live(from hash: String) -> String? {
            var hash: String? = hash
            var steps = 0
            while let current = hash, steps < 100_000 {
                if stepOf[current]?.record != nil { return current }
                hash = stepOf[current]?.version.parents.first
                steps += 1
            }
            return nil
        }
        var lines: [BlameLine] = []
        for (path, value) in RecordFields(record: record).values {
            var here = start
            var seen = Set<String>()
            while seen.insert(here.version.hash).inserted,
                let parent = here.version.parents.lazy.compactMap(live(from:)).first(where: {
                    fields($0)?[path].map { $0.utf8.elementsEqual(value.utf8) } == true
                }),
                let next = stepOf[parent]
            {
                here = next
            }
            let v = here.version
            lines.append(
                BlameLine(
                    path: path, value: value,
                    since: ExampleRevision(
                        rev: here.rev, version: v.number, kind: .changed, record: here.record, date: v.createdAt, author: v.author,
                        message: v.message, gitCommit: v.gitCommit, hash: v.hash)))
        }
        return Blame(id: id, lines: lines, removedBy: removedBy)
    }
}
