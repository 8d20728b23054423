/// How much of the current dataset one reviewer has read: examples whose current revision they
/// marked read in `review`.
public struct ReadProgress: Sendable, Equatable {
    public var reviewer: String
    public var read: Int
    public var total: Int
    public var share: Double { total == 0 ? 0 : Double(read) / Double(total) }
}

extension Store {
    /// Each reviewer with a read mark on a current example, by name.
    public func readProgress() throws -> [ReadProgress] {
        guard let current = try currentVersion() else { return [] }
        // From each mark to its revision's example (rowid lookups): read when it is the live head.
        let rows = try database.prepare(
            """
            SELECT m.reviewer, count(*) FROM review_marks m JOIN stored_revisions r ON r.rev = m.rev
            JOIN stored_examples e ON e.key = r.example AND e.head = m.rev
            WHERE e.head_sha256 IS NOT NULL GROUP BY m.reviewer ORDER BY m.reviewer
            """)
        var result: [ReadProgress] = []
        while try rows.step() {
            result.append(ReadProgress(reviewer: rows.text(0), read: Int(rows.int(1)), total: current.exampleCount))
        }
        return result
    }
}
