/// How much of the current dataset one reviewer has read: the live examples they marked read in
/// `review` at a revision with the current one's graded content (input, context, expected_output).
public struct ReadProgress: Sendable, Equatable {
    public var reviewer: String
    public var read: Int
    public var total: Int
    public var share: Double { total == 0 ? 0 : Double(read) / Double(total) }
}

/// When an example counts as read, written once: a reviewer has read a live example when they
/// marked some revision of it whose graded content (`GradedContent`) equals its head's. A change
/// of labels, tags, notes, source, author or created_at keeps every read mark; a change of input,
/// context or expected output makes the example unread for everyone (docs/review.md).
enum ReadMarks {
    /// A FROM clause from each read mark `m` to its revision `k`, the example `e` and its head `r`
    /// (`StorageModel.headJoin`): read marks are few (thousands), so the join starts from them
    /// (CROSS JOIN keeps that order) and `status` stays fast however many examples there are.
    static let fromMarks = """
        review_marks m CROSS JOIN stored_revisions k ON k.rev = m.rev CROSS JOIN \(StorageModel.headJoin)
        """

    /// The mark on `k` holds for the example `e` with head `r` (the key condition of `fromMarks`
    /// included).
    static let holds = "e.key = k.example AND e.head_sha256 IS NOT NULL AND (r.rev = k.rev OR \(StorageModel.sameGradedContent("r", "k")))"
}

extension Store {
    /// Each reviewer with a read mark on a current example, by name.
    public func readProgress() throws -> [ReadProgress] {
        guard let current = try currentVersion() else { return [] }
        let rows = try database.prepare(
            "SELECT m.reviewer, count(DISTINCT e.key) FROM \(ReadMarks.fromMarks) WHERE \(ReadMarks.holds) GROUP BY m.reviewer ORDER BY m.reviewer")
        var result: [ReadProgress] = []
        while try rows.step() {
            result.append(ReadProgress(reviewer: rows.text(0), read: Int(rows.int(1)), total: current.exampleCount))
        }
        return result
    }

    /// The examples `reviewer` has read (at a revision with their current graded content).
    public func readSet(of reviewer: String) throws -> ReadSet {
        let rows = try database.prepare("SELECT DISTINCT e.key FROM \(ReadMarks.fromMarks) WHERE m.reviewer = ? AND \(ReadMarks.holds)")
        try rows.bind([.text(reviewer)])
        var keys = BitSet()
        var members: [Int64] = []
        while try rows.step() {
            keys.insert(rows.int(0))
            members.append(rows.int(0))
        }
        return ReadSet(keys: keys, members: members)
    }

    /// Whether `reviewer` has read the example with key `key` (at a revision with its current graded
    /// content).
    func isRead(_ key: Int64, by reviewer: String) throws -> Bool {
        try database.scalarInt(
            """
            SELECT count(*) FROM \(StorageModel.headJoin) CROSS JOIN stored_revisions k ON k.example = e.key
            CROSS JOIN review_marks m ON m.rev = k.rev AND m.reviewer = ?2
            WHERE e.key = ?1 AND \(ReadMarks.holds)
            """, [.int(key), .text(reviewer)]) != 0
    }
}
