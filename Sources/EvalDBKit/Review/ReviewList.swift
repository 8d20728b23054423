import Foundation

/// Which of the session's run's examples a review list keeps.
public enum ResultFilter: String, Sendable, CaseIterable {
    /// Every example the run has a result for.
    case all
    /// Those with a failing result (`failedOnly` of `queue`).
    case failed
    /// Those none of whose results fail.
    case passed
}

/// A review queue kept between requests (a web page's queue): the examples to review, in the
/// current version's line order, as keys that any connection looks up. It describes the version
/// it was made on; a newer version needs a new list.
public struct ReviewList: Sendable {
    /// The version the list was made on.
    public let version: Int
    let keys: [Int64]
    /// The same keys as a set: what is read of a list is counted from the (few) read marks.
    let members: BitSet

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    init(version: Int, keys: [Int64]) {
        self.version = version
        self.keys = keys
        var members = BitSet()
        for key in keys { members.insert(key) }
        self.members = members
    }

    /// The position after `position` (−1: from the start); with `read`, the first after it that is
    /// not read. Nil at the end.
    public func next(after position: Int, skipping read: ReadSet? = nil) -> Int? {
        var next = max(position + 1, 0)
        while next < keys.count {
            if let read, read.contains(keys[next]) {
                next += 1
                continue
            }
            return next
        }
        return nil
    }

    /// The position before `position` (nil at the start).
    public func previous(before position: Int) -> Int? {
        position > 0 && position <= keys.count ? position - 1 : nil
    }

    /// The position before `position` in a pass through what was not read: the nearest one
    /// before it that is not `read`, or that is in `passed` (read on the way, so seen in this
    /// pass). Nil at the start. Terminal `review --unread` goes back the same way: its queue is
    /// what was unread when it started.
    public func previous(before position: Int, skipping read: ReadSet, keeping passed: PassedExamples) -> Int? {
        var previous = min(position, keys.count) - 1
        while previous >= 0 {
            let key = keys[previous]
            if !read.contains(key) || passed.keys.contains(key) { return previous }
            previous -= 1
        }
        return nil
    }
}

/// The examples a reviewer read on their way through a queue (by key, so that a new version's
/// list finds them): where going back in a pass through the unread returns to.
public struct PassedExamples: Sendable {
    var keys = Set<Int64>()

    public init() {}

    public var isEmpty: Bool { keys.isEmpty }

    /// Adds the example at `position` of `list`.
    public mutating func insert(position: Int, of list: ReviewList) {
        guard position >= 0 && position < list.keys.count else { return }
        keys.insert(list.keys[position])
    }
}

/// The examples a session has pending edits of (or has removed), by key: which rows of a list
/// show the session's record rather than the version's.
public struct PendingExamples: Sendable {
    let keys: Set<Int64>

    public var isEmpty: Bool { keys.isEmpty }

    /// The example at `position` of `list` has a pending edit.
    public func contains(position: Int, of list: ReviewList) -> Bool {
        position >= 0 && position < list.keys.count && keys.contains(list.keys[position])
    }
}

/// The examples one reviewer has read (`Store.readSet(of:)`: at a revision with their current
/// graded content).
public struct ReadSet: Sendable {
    let keys: BitSet
    let members: [Int64]
    /// How many examples, of the whole dataset.
    public var count: Int { members.count }

    /// Nothing read.
    public static let empty = ReadSet(keys: BitSet(), members: [])

    func contains(_ key: Int64) -> Bool { keys.contains(key) }

    /// How many examples of `list` are read.
    public func count(in list: ReviewList) -> Int {
        members.reduce(0) { $0 + (list.members.contains($1) ? 1 : 0) }
    }

    /// The example at `position` of `list` is read.
    public func contains(position: Int, of list: ReviewList) -> Bool {
        position >= 0 && position < list.keys.count && keys.contains(list.keys[position])
    }
}

/// One row of a queue as a page lists it.
public struct ReviewListEntry: Sendable {
    /// The position in the list, from 0.
    public var position: Int
    public var id: String
    /// The record as the session sees it (nil: removed in the session).
    public var record: String?
    public var isRead: Bool
    public var isEdited: Bool
    /// With a run: whether its results pass (nil: no result), and the failure category.
    public var pass: Bool?
    public var failure: String?
}

extension ReviewSession {
    /// The examples to review, as `queue(where:failedOnly:)` gives them (the unread filter is left
    /// to the page, which applies it as the reviewer goes on): with the session's run, those it has
    /// a result for, failed or passed as `results` says; with `category`, only those whose failing
    /// results carry that failure category (`(none)`: none, as `report` names it).
    public func list(where conditions: [SliceCondition] = [], results: ResultFilter = .all, category: String? = nil) throws -> ReviewList {
        for _ in 0..<3 {
            guard let before = try store.currentVersion() else { throw EvalDBError.emptyDatabase }
            var keys = try queue(where: conditions, failedOnly: results == .failed && run != nil).keys
            if let run, results == .passed {
                let failed = try keySet("SELECT DISTINCT example FROM stored_results WHERE run = ? AND pass = 0", [.int(run.id)])
                keys = keys.filter { !failed.contains($0) }
            }
            if let run, let category {
                let uncategorised = category == "(none)"
                let matching = try keySet(
                    """
                    SELECT DISTINCT x.example FROM stored_results x WHERE x.run = ? AND x.pass = 0
                    AND (CASE WHEN ? THEN \(Self.reviewedFailure) IS NULL ELSE \(Self.reviewedFailure) = ? END)
                    """, [.int(run.id), .int(uncategorised ? 1 : 0), .text(category)])
                keys = keys.filter { matching.contains($0) }
            }
            // An import that committed in between: the keys may mix two versions; make them again.
            if try store.currentVersion()?.row == before.row { return ReviewList(version: before.row, keys: keys) }
        }
        throw EvalDBError.datasetKeptChanging
    }

    /// Rows `range` of `list` (clamped to it) as this session sees them.
    public func entries(of list: ReviewList, in range: Range<Int>, read: ReadSet) throws -> [ReviewListEntry] {
        let range = range.clamped(to: 0..<list.keys.count)
        let head = try store.database.prepare(StorageModel.headByKey)
        let pending = try store.database.prepare("SELECT record FROM review_edits WHERE session = ? AND id = ?")
        let outcome = try store.database.prepare(
            "SELECT min(x.pass), (SELECT \(Self.reviewedFailure) FROM stored_results x WHERE x.run = ?1 AND x.example = ?2 AND x.pass = 0 LIMIT 1) FROM stored_results x WHERE x.run = ?1 AND x.example = ?2"
        )
        var entries: [ReviewListEntry] = []
        try store.database.readTransaction {
            for position in range {
                let key = list.keys[position]
                try head.bind([.int(key)])
                defer { head.reset() }
                guard try head.step() else { continue }
                var entry = ReviewListEntry(
                    position: position, id: head.text(1), record: head.optionalText(0), isRead: read.contains(key), isEdited: false)
                try pending.bind([.int(id), .text(entry.id)])
                if try pending.step() {
                    entry.isEdited = true
                    entry.record = pending.optionalText(0)
                }
                pending.reset()
                if let run {
                    try outcome.bind([.int(run.id), .int(key)])
                    if try outcome.step(), !outcome.isNull(0) {
                        entry.pass = outcome.int(0) != 0
                        entry.failure = outcome.optionalText(1)
                    }
                    outcome.reset()
                }
                entries.append(entry)
            }
        }
        return entries
    }

    /// The examples of the dataset this session has pending edits of (none for a viewer).
    public func pendingExamples() throws -> PendingExamples {
        guard id != 0 else { return PendingExamples(keys: []) }
        return try store.database.readTransaction {
            let pending = try store.database.prepare("SELECT id FROM review_edits WHERE session = ?")
            try pending.bind([.int(id)])
            let head = try store.database.prepare(StorageModel.headById)
            var keys = Set<Int64>()
            while try pending.step() {
                try head.bind([.text(pending.text(0))])
                if try head.step() { keys.insert(head.int(0)) }
                head.reset()
            }
            return PendingExamples(keys: keys)
        }
    }

    /// Gives every example of the run whose failing results carry the category `from` the category
    /// `into` instead (merging two categories of open coding into one): each is set as
    /// `setFailure` sets one, with its team log event, all in one transaction. Returns how many.
    @discardableResult
    public func mergeFailureCategory(_ from: String, into: String?) throws -> Int {
        guard let run else { throw EvalDBError.failureCategoryNeedsRun }
        return try store.database.writeTransaction {
            let rows = try store.database.prepare(
                """
                SELECT DISTINCT e.id FROM stored_results x JOIN stored_examples e ON e.key = x.example
                WHERE x.run = ? AND x.pass = 0 AND \(Self.reviewedFailure) = ? ORDER BY x.line
                """)
            try rows.bind([.int(run.id), .text(from)])
            var ids: [String] = []
            while try rows.step() { ids.append(rows.text(0)) }
            for id in ids { try setFailure(id, category: into) }
            return ids.count
        }
    }

    private func keySet(_ sql: String, _ arguments: [SQLValue]) throws -> Set<Int64> {
        let rows = try store.database.prepare(sql)
        try rows.bind(arguments)
        var result = Set<Int64>()
        while try rows.step() { result.insert(rows.int(0)) }
        return result
    }
}

extension Store {
    /// The examples of the current version among `ids` (the flips of a comparison, say), in the
    /// order given; ids not in it are left out.
    public func list(ofIds ids: [String]) throws -> ReviewList {
        try database.readTransaction {
            guard let current = try currentVersion() else { throw EvalDBError.emptyDatabase }
            let row = try database.prepare(StorageModel.headById)
            var keys: [Int64] = []
            var seen = Set<Int64>()
            for id in ids {
                try row.bind([.text(id)])
                if try row.step(), !row.isNull(2), seen.insert(row.int(0)).inserted { keys.append(row.int(0)) }
                row.reset()
            }
            return ReviewList(version: current.row, keys: keys)
        }
    }

    /// Where the example `id` is in `list` (nil: not in it).
    public func position(of id: String, in list: ReviewList) throws -> Int? {
        guard let key = try database.scalarInt("SELECT key FROM stored_examples WHERE id = ?", [.text(id)]) else { return nil }
        return list.keys.firstIndex(of: key)
    }

    /// The id of the example at `position` of `list`.
    public func id(at position: Int, in list: ReviewList) throws -> String? {
        guard position >= 0 && position < list.keys.count else { return nil }
        return try database.scalarText("SELECT id FROM stored_examples WHERE key = ?", [.int(list.keys[position])])
    }

    /// The failure categories of `run`'s failing results, most used first, counted as `report`
    /// counts them (a result a line; `(none)` for those without one): what a reviewer picks from.
    public func failureCategories(of run: EvalRun) throws -> [(category: String, count: Int)] {
        let rows = try database.prepare(
            """
            SELECT coalesce(f, '(none)'), count(*) FROM (SELECT \(ReviewSession.reviewedFailure) AS f FROM stored_results x
            WHERE x.run = ? AND x.pass = 0) GROUP BY 1 ORDER BY 2 DESC, 1
            """)
        try rows.bind([.int(run.id)])
        var result: [(String, Int)] = []
        while try rows.step() { result.append((rows.text(0), Int(rows.int(1)))) }
        return result
    }

    /// A number that grows whenever a failure category is set in review: what a cache of
    /// `failureCategories` is checked against.
    public func failureCategoryStamp() throws -> Int64 {
        try database.scalarInt("SELECT coalesce(max(id), 0) FROM result_failures") ?? 0
    }
}
