/// The views `evaldb sql` offers: the public, stable contract for queries (docs/sql.md). The tables
/// behind them may change with migrations; these names and columns do not.
///
/// They are TEMP views of the query connection, so they take the names `examples`, `revisions` and
/// `versions` over the tables of the same names, which they read as `main.*`.
enum QueryViews {
    static let definitions: [String] = [
        """
        CREATE TEMP VIEW examples AS
        SELECT e.id AS id,
               r.record -> '$.input' AS input,
               r.record -> '$.context' AS context,
               r.record -> '$.expected_output' AS expected_output,
               r.record -> '$.labels' AS labels,
               r.record ->> '$.source' AS source,
               r.record ->> '$.author' AS author,
               r.record ->> '$.created_at' AS created_at,
               r.record ->> '$.notes' AS notes,
               r.record AS record,
               r.version AS version,
               e.key AS position
        FROM \(StorageModel.headJoin(schema: "main."))
        WHERE r.kind != 'removed'
        """,
        """
        CREATE TEMP VIEW labels AS
        SELECT x.id AS id, l.key AS key, l.value AS value
        FROM temp.examples x, json_each(x.labels) l WHERE l.type != 'array'
        UNION ALL
        SELECT x.id, l.key, t.value
        FROM temp.examples x, json_each(x.labels) l, json_each(l.value) t WHERE l.type = 'array'
        """,
        """
        CREATE TEMP VIEW revisions AS
        SELECT e.id AS id, r.rev AS rev, r.version AS version, r.kind AS kind, r.record AS record,
               lower(hex(r.sha256)) AS sha256
        FROM main.revisions r JOIN main.examples e ON e.key = r.example
        """,
        """
        CREATE TEMP VIEW versions AS
        SELECT number AS version, hash, created_at, author, message, source_path, source_sha256,
               coalesce(git_commit, (SELECT c.git_commit FROM main.version_commits c WHERE c.version = number ORDER BY c.rowid LIMIT 1))
                   AS git_commit,
               example_count AS examples, added, changed, removed, restored, unchanged
        FROM main.versions
        """,
        """
        CREATE TEMP VIEW runs AS
        SELECT r.name AS run, r.version AS version, v.hash AS dataset_hash, r.created_at, r.git_commit, r.meta,
               r.result_count AS results, r.missing
        FROM main.runs r JOIN main.versions v ON v.number = r.version
        """,
        """
        CREATE TEMP VIEW results AS
        SELECT r.name AS run, e.id AS id, x.trial AS trial, x.pass AS pass, x.score AS score,
               \(ReviewSession.reviewedFailure) AS failure, x.failure AS recorded_failure, x.record AS record
        FROM main.results x JOIN main.runs r ON r.id = x.run JOIN main.examples e ON e.key = x.example
        """,
    ]

    /// The views and their columns, for messages.
    static let names = ["examples", "labels", "revisions", "versions", "runs", "results"]
}
