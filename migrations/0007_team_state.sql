-- 0007_team_state: what ties the database to the repository it indexes. The team's own state
-- lives in git (evals/log/, docs/teams.md); these tables only remember what this database has
-- read of it, and where its files stand.

-- Small settings of this database: `clone` is the random name of this database's own log file
-- (evals/log/<who>-<clone>.jsonl), so that two databases never append to one file.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Git commits whose dataset file is a version: the commit a version was imported from, and any
-- later commit whose file has the same dataset hash (recorded, never replayed).
CREATE TABLE version_commits (
    git_commit TEXT PRIMARY KEY,
    version    INTEGER NOT NULL REFERENCES versions(number),
    path       TEXT    NOT NULL               -- the dataset file, relative to the git top level
);
CREATE INDEX version_commits_version ON version_commits(version);

-- The version each dataset file was last imported as or exported from (its base for a
-- three-way import), and the file's size and modification time then, so that an unchanged file
-- is recognised by one stat.
CREATE TABLE file_bases (
    path    TEXT PRIMARY KEY,                 -- relative to the git top level (absolute outside git)
    version INTEGER NOT NULL REFERENCES versions(number),
    size    INTEGER,
    mtime   INTEGER
);

-- Team log events applied to this database, by id (the SHA-256 of the event's canonical line):
-- applying an event twice is a no-op.
CREATE TABLE applied_events (
    id TEXT PRIMARY KEY
) WITHOUT ROWID;

-- How far each log file has been read: its length and the SHA-256 of those bytes. A file that
-- only grew is read from there on; an unchanged one costs one stat.
CREATE TABLE log_files (
    path   TEXT PRIMARY KEY,
    bytes  INTEGER NOT NULL,
    sha256 TEXT    NOT NULL,
    mtime  INTEGER
);

-- A run's file in evals/log/runs/ and the id of its header event.
CREATE TABLE run_files (
    run   INTEGER PRIMARY KEY REFERENCES runs(id),
    event TEXT    NOT NULL UNIQUE,
    path  TEXT    NOT NULL
);

-- The dataset versions' own records read from the team log, by dataset hash: a commit replayed by
-- `sync` takes its version's author, date and message from here (the first record of that hash),
-- else from the commit.
CREATE TABLE version_records (
    event   TEXT PRIMARY KEY,
    hash    TEXT NOT NULL,
    at      TEXT NOT NULL,
    author  TEXT NOT NULL,
    message TEXT,
    path    TEXT
);
CREATE INDEX version_records_hash ON version_records(hash, at);

-- The git blob of a dataset file whose dataset is a version: a commit holding the same blob holds
-- the same version, known without reading it.
CREATE TABLE version_blobs (
    blob    TEXT PRIMARY KEY,
    version INTEGER NOT NULL REFERENCES versions(number)
);
