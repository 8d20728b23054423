-- 0001_core: dataset versions, examples and their append-only revisions.
-- Shipped migrations are never edited: change the schema with a new numbered file.

-- One row a dataset version. Versions are history: append-only, like revisions.
CREATE TABLE versions (
    number        INTEGER PRIMARY KEY,    -- 1, 2, 3, ...
    hash          TEXT    NOT NULL,       -- 'sha256:' + hex SHA-256 of the version's canonical export
    created_at    TEXT    NOT NULL,       -- ISO 8601, UTC
    author        TEXT    NOT NULL,
    message       TEXT,
    source_path   TEXT,                   -- the file imported, as given
    source_sha256 TEXT,                   -- hex SHA-256 of that file's raw bytes
    source_bytes  INTEGER,                -- its size
    git_commit    TEXT,                   -- when the file was committed and clean
    example_count INTEGER NOT NULL,
    added         INTEGER NOT NULL,
    changed       INTEGER NOT NULL,
    removed       INTEGER NOT NULL,
    restored      INTEGER NOT NULL,
    unchanged     INTEGER NOT NULL,
    -- NULL when the version's lines are its live examples in ascending `examples.key` (the usual
    -- case: keys are given in file order); otherwise the keys in line order, 8 bytes each,
    -- little-endian. A compact record kept only when the order changed.
    line_order    BLOB
);
CREATE INDEX versions_hash ON versions(hash);

-- Every id ever seen, kept forever. `key` is internal; `id` is the user's, compared byte for byte.
CREATE TABLE examples (
    key  INTEGER PRIMARY KEY,
    id   TEXT    NOT NULL UNIQUE,
    head INTEGER NOT NULL              -- the example's latest revision (`evaldb verify` checks it)
);

-- The whole canonical record at each change. An example at version v is its latest revision at or
-- before v; a 'removed' revision is a tombstone.
CREATE TABLE revisions (
    rev     INTEGER PRIMARY KEY,
    example INTEGER NOT NULL REFERENCES examples(key) DEFERRABLE INITIALLY DEFERRED,
    version INTEGER NOT NULL REFERENCES versions(number) DEFERRABLE INITIALLY DEFERRED,
    kind    TEXT    NOT NULL CHECK (kind IN ('added', 'changed', 'removed', 'restored')),
    record  TEXT,                      -- canonical JSON, no newline; NULL for 'removed'
    sha256  BLOB,                      -- SHA-256 of record; NULL for 'removed'
    CHECK ((kind = 'removed') = (record IS NULL)),
    CHECK ((record IS NULL) = (sha256 IS NULL))
);
CREATE INDEX revisions_example ON revisions(example, version);

CREATE TRIGGER revisions_append_only_update BEFORE UPDATE ON revisions
BEGIN SELECT RAISE(ABORT, 'revisions are append-only: UPDATE is refused'); END;
CREATE TRIGGER revisions_append_only_delete BEFORE DELETE ON revisions
BEGIN SELECT RAISE(ABORT, 'revisions are append-only: DELETE is refused'); END;
CREATE TRIGGER versions_append_only_update BEFORE UPDATE ON versions
BEGIN SELECT RAISE(ABORT, 'versions are append-only: UPDATE is refused'); END;
CREATE TRIGGER versions_append_only_delete BEFORE DELETE ON versions
BEGIN SELECT RAISE(ABORT, 'versions are append-only: DELETE is refused'); END;
CREATE TRIGGER examples_keep_forever BEFORE DELETE ON examples
BEGIN SELECT RAISE(ABORT, 'example ids are kept forever: DELETE is refused'); END;
CREATE TRIGGER examples_id_immutable BEFORE UPDATE OF id, key ON examples
BEGIN SELECT RAISE(ABORT, 'example ids are immutable'); END;
