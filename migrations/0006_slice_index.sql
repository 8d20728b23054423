-- 0006_slice_index: a derived index of the current examples' label values, for slice, count-by
-- and coverage. A cache, not history: evaldb rebuilds it from the revisions when it is missing,
-- and brings it up to date from the revisions of later versions when it is behind. Deleting its
-- rows loses nothing.

-- What the index describes: the version, and its live examples (keys, delta-varint encoded).
CREATE TABLE slice_index_state (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    live    BLOB    NOT NULL
);

-- One row a key (a label key, source, author, created_at, or another top-level field): each value
-- with the examples that hold it, and the examples that hold the key without a value (an empty
-- list). Encoding: docs/performance.md.
CREATE TABLE slice_index (
    key  TEXT PRIMARY KEY,
    data BLOB NOT NULL
);
