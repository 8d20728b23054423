-- 0009_views: the documented SQL views (docs/sql.md) become part of the database file, so that
-- every SQL client (the sqlite3 shell, Python's sqlite3, Datasette, pandas) sees the one contract
-- under its documented names. The tables behind them take names of their own (`stored_*`); SQLite
-- carries the renames into the triggers, indexes and foreign keys that name them.
--
-- The views' names and columns are the contract: a later migration may change what is behind them
-- (DROP VIEW, then CREATE VIEW with the same columns), never what they show.

ALTER TABLE examples RENAME TO stored_examples;
ALTER TABLE revisions RENAME TO stored_revisions;
ALTER TABLE versions RENAME TO stored_versions;
ALTER TABLE runs RENAME TO stored_runs;
ALTER TABLE results RENAME TO stored_results;

-- The current version's examples, one row each.
CREATE VIEW examples AS
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
FROM stored_examples e JOIN stored_revisions r ON r.rev = e.head
WHERE r.kind != 'removed';

-- One row a label value of the current examples; a list-valued label gives one row per element.
CREATE VIEW labels AS
SELECT x.id AS id, l.key AS key, l.value AS value
FROM examples x, json_each(x.labels) l WHERE l.type != 'array'
UNION ALL
SELECT x.id, l.key, t.value
FROM examples x, json_each(x.labels) l, json_each(l.value) t WHERE l.type = 'array';

-- Every revision of every example.
CREATE VIEW revisions AS
SELECT e.id AS id, r.rev AS rev, r.version AS version, r.kind AS kind, r.record AS record,
       lower(hex(r.sha256)) AS sha256
FROM stored_revisions r JOIN stored_examples e ON e.key = r.example;

-- One row a dataset version.
CREATE VIEW versions AS
SELECT v.number AS version, v.hash AS hash, v.created_at AS created_at, v.author AS author,
       v.message AS message, v.source_path AS source_path, v.source_sha256 AS source_sha256,
       coalesce(v.git_commit,
                (SELECT c.git_commit FROM version_commits c WHERE c.version = v.number ORDER BY c.rowid LIMIT 1))
           AS git_commit,
       v.example_count AS examples, v.added AS added, v.changed AS changed, v.removed AS removed,
       v.restored AS restored, v.unchanged AS unchanged
FROM stored_versions v;

-- One row a run, with the hash of the dataset version it ran against.
CREATE VIEW runs AS
SELECT r.name AS run, r.version AS version, v.hash AS dataset_hash, r.created_at AS created_at,
       r.git_commit AS git_commit, r.meta AS meta, r.result_count AS results, r.missing AS missing
FROM stored_runs r JOIN stored_versions v ON v.number = r.version;

-- One row a result; `failure` is the category set in review, else the one recorded.
CREATE VIEW results AS
SELECT r.name AS run, e.id AS id, x.trial AS trial, x.pass AS pass, x.score AS score,
       CASE WHEN EXISTS (SELECT 1 FROM result_failures f WHERE f.run = x.run AND f.example = x.example)
            THEN (SELECT f.failure FROM result_failures f WHERE f.run = x.run AND f.example = x.example ORDER BY f.id DESC LIMIT 1)
            ELSE x.failure END AS failure,
       x.failure AS recorded_failure, x.record AS record
FROM stored_results x JOIN stored_runs r ON r.id = x.run JOIN stored_examples e ON e.key = x.example;
