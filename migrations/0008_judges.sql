-- 0008_judges: human verdicts on runs' results, and judge calibrations (docs/statistics.md). Both
-- are team state: each row is also an event of the team log (docs/teams.md), which `sync` replays.

-- A person's pass/fail verdict on one result of a run (the output that trial produced). A later
-- verdict on the same result replaces an earlier one; nothing is deleted.
CREATE TABLE human_verdicts (
    id       INTEGER PRIMARY KEY,
    run      INTEGER NOT NULL REFERENCES runs(id),
    example  INTEGER NOT NULL REFERENCES examples(key),
    trial    INTEGER NOT NULL,
    pass     INTEGER NOT NULL CHECK (pass IN (0, 1)),
    reviewer TEXT    NOT NULL,
    set_at   TEXT    NOT NULL                 -- ISO 8601, UTC
);
CREATE INDEX human_verdicts_result ON human_verdicts(run, example, trial, id);

-- A judge measured against human verdicts: the confusion table it was measured on, under a name
-- that reports use (`report --judge-calibration NAME`). The latest calibration of a name is the one
-- in use; earlier ones stay.
CREATE TABLE judge_calibrations (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    judge_run  TEXT    NOT NULL,              -- the judge run's name
    human      TEXT    NOT NULL,              -- the run whose results the people judged
    split      TEXT,                          -- the split the pairs were restricted to, if any
    tp         INTEGER NOT NULL,
    fn         INTEGER NOT NULL,
    fp         INTEGER NOT NULL,
    tn         INTEGER NOT NULL,
    left_out   INTEGER NOT NULL,              -- pairs whose example or output differed
    created_by TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    event      TEXT    UNIQUE                 -- its team log event's id
);
CREATE INDEX judge_calibrations_name ON judge_calibrations(name, created_at, id);
