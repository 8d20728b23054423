-- 0010_version_graph: a version is its dataset hash, and versions form a graph, as commits do
-- (docs/teams.md). `stored_versions` stays what it was: this database's own rows, each the whole
-- state of the dataset as a change from the row before it, numbered in the order this database
-- made or learned them. Several rows may hold one dataset hash (a revert, or the working tree
-- going back to a version after another clone's was replayed); they are one version.

-- What every clone agrees on about each version, derived from the team log and git by one rule
-- (Team/VersionGraph.swift): the earliest `version` event naming the hash (by `at`, then event id),
-- else the earliest commit holding it (by date, then commit id), else this database's own first
-- row. Rebuilt for a hash whenever what it is derived from grows; never the source of anything.
CREATE TABLE version_info (
    hash          TEXT PRIMARY KEY,
    number        INTEGER NOT NULL,               -- this database's first row with the hash: a local name
    created_at    TEXT    NOT NULL,
    author        TEXT    NOT NULL,
    message       TEXT,
    path          TEXT,
    git_commit    TEXT,                           -- the commit it was made from, else the earliest holding it
    parents       TEXT    NOT NULL DEFAULT '[]',  -- JSON array of the parents' dataset hashes
    origin        TEXT    NOT NULL CHECK (origin IN ('event', 'commit', 'local')),
    example_count INTEGER NOT NULL,
    added         INTEGER NOT NULL,               -- the counts: against the first parent
    changed       INTEGER NOT NULL,
    removed       INTEGER NOT NULL,
    restored      INTEGER NOT NULL,
    unchanged     INTEGER NOT NULL
) WITHOUT ROWID;

-- The versions' records of the team log gain what the graph needs: the parents, the version the
-- change set applies to, the git blob of the canonical file, the counts, and the change set's file.
ALTER TABLE version_records ADD COLUMN parents TEXT;      -- JSON array of hashes; NULL in older records
ALTER TABLE version_records ADD COLUMN base TEXT;         -- the hash its change set applies to
ALTER TABLE version_records ADD COLUMN blob TEXT;         -- git's blob id of the version's canonical file
ALTER TABLE version_records ADD COLUMN counts TEXT;       -- JSON object: examples, added, changed, removed, restored, unchanged
ALTER TABLE version_records ADD COLUMN file TEXT;         -- the change set's file (evals/log/versions/...), when it has a body
ALTER TABLE version_records ADD COLUMN git_commit TEXT;   -- the commit the version was made from

-- Every commit `sync` has looked at, per dataset path: the dataset the commit holds there (NULL:
-- no file, or not a valid dataset) and what the rule of `version_info` needs of the commit.
CREATE TABLE commit_datasets (
    git_commit TEXT NOT NULL,
    path       TEXT NOT NULL,
    blob       TEXT,
    hash       TEXT,
    author     TEXT NOT NULL,
    date       TEXT NOT NULL,                     -- author date, ISO 8601 UTC
    subject    TEXT NOT NULL,
    parents    TEXT NOT NULL,                     -- JSON array of the parent commits' ids
    PRIMARY KEY (git_commit, path)
) WITHOUT ROWID;
CREATE INDEX commit_datasets_hash ON commit_datasets(hash, date, git_commit);

-- A git blob of a dataset file and its dataset hash (NULL: not a valid dataset): a commit holding
-- a blob seen before is placed without reading it.
CREATE TABLE blob_datasets (
    blob TEXT PRIMARY KEY,
    hash TEXT
) WITHOUT ROWID;
INSERT OR IGNORE INTO blob_datasets(blob, hash)
SELECT b.blob, v.hash FROM version_blobs b JOIN stored_versions v ON v.number = b.version;

-- The team log follows the database: what a transaction means to append to evals/log/ is written
-- here in that transaction, and appended after it commits (then deleted). Rows left by a crash
-- between the two are appended by the next command that opens the database to write.
--   'append':    `text` (whole lines) appended to `path`
--   'changeset': the change set of version row `row` written to `path` (its header is `text`)
--   'run':       run `row`'s file written to `path` (its header is `text`, then the results)
CREATE TABLE outbox (
    seq  INTEGER PRIMARY KEY,
    kind TEXT    NOT NULL CHECK (kind IN ('append', 'changeset', 'run')),
    path TEXT    NOT NULL,                        -- relative to the git top level
    text TEXT    NOT NULL,
    row  INTEGER
);

-- The documented view of versions: one row a version (a dataset hash), as every clone has it.
-- `version` is this database's number for it; `parents` is added at the end.
DROP VIEW versions;
CREATE VIEW versions AS
SELECT i.number AS version, i.hash AS hash, i.created_at AS created_at, i.author AS author,
       i.message AS message, i.path AS source_path,
       (SELECT v.source_sha256 FROM stored_versions v WHERE v.number = i.number) AS source_sha256,
       i.git_commit AS git_commit, i.example_count AS examples, i.added AS added, i.changed AS changed,
       i.removed AS removed, i.restored AS restored, i.unchanged AS unchanged, i.parents AS parents
FROM version_info i;

-- A run names its dataset by hash.
DROP VIEW runs;
CREATE VIEW runs AS
SELECT r.name AS run, i.number AS version, v.hash AS dataset_hash, r.created_at AS created_at,
       r.git_commit AS git_commit, r.meta AS meta, r.result_count AS results, r.missing AS missing
FROM stored_runs r JOIN stored_versions v ON v.number = r.version LEFT JOIN version_info i ON i.hash = v.hash;
