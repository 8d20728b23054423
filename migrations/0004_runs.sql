-- 0004_runs: eval runs, each pinned to one dataset version, and their results.

CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    version     INTEGER NOT NULL REFERENCES versions(number),
    created_at  TEXT    NOT NULL,              -- ISO 8601, UTC
    source_path TEXT,                          -- the results file recorded
    git_commit  TEXT,                          -- HEAD of the working tree, when there is one
    meta        TEXT    NOT NULL DEFAULT '{}', -- canonical JSON object of --meta K=V
    result_count INTEGER NOT NULL,
    missing     INTEGER NOT NULL               -- examples of the version with no result (0: complete)
);

-- One row a result line: (run, example, trial) is unique.
CREATE TABLE results (
    run     INTEGER NOT NULL REFERENCES runs(id),
    example INTEGER NOT NULL REFERENCES examples(key),
    trial   INTEGER NOT NULL,
    line    INTEGER NOT NULL,                  -- order in the recorded file
    pass    INTEGER NOT NULL CHECK (pass IN (0, 1)),
    score   REAL,
    failure TEXT,
    record  TEXT    NOT NULL,                  -- the whole result line, canonical JSON
    PRIMARY KEY (run, example, trial)
) WITHOUT ROWID;
CREATE INDEX results_line ON results(run, line);

-- A run is a record of what happened: kept as recorded.
CREATE TRIGGER results_append_only_update BEFORE UPDATE ON results
BEGIN SELECT RAISE(ABORT, 'results are append-only: UPDATE is refused'); END;
CREATE TRIGGER results_append_only_delete BEFORE DELETE ON results
BEGIN SELECT RAISE(ABORT, 'results are append-only: DELETE is refused'); END;
