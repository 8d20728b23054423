-- 0005_review: review sessions and their pending edits, read marks, failure categories set in
-- review, and the proposal queue.

-- One row a `review` session. Its edits become one dataset version when it ends.
CREATE TABLE review_sessions (
    id         INTEGER PRIMARY KEY,
    reviewer   TEXT    NOT NULL,
    started_at TEXT    NOT NULL,              -- ISO 8601, UTC
    pid        INTEGER NOT NULL,              -- tells a session that runs from one that was killed
    ended_at   TEXT,                          -- NULL while it runs, or until the next review ends a killed one
    version    INTEGER REFERENCES versions(number)  -- the version its edits made, if any
);

-- A session's pending edits, saved as they are made: the record an example will have (NULL: it is
-- removed) and the revision it was made on (NULL: a new example). An edit of an example that
-- changed meanwhile is not applied when the session ends, and is reported.
CREATE TABLE review_edits (
    session  INTEGER NOT NULL REFERENCES review_sessions(id),
    id       TEXT    NOT NULL,                -- the example's id
    base_rev INTEGER,
    record   TEXT,                            -- canonical JSON
    position INTEGER NOT NULL,                -- order of first edit: new examples are appended in it
    read     INTEGER NOT NULL DEFAULT 0,      -- marked read in the session: read at its new revision too
    proposal INTEGER REFERENCES proposals(id),
    PRIMARY KEY (session, id)
);

-- Who has read which revision of an example. A changed example is a new revision: unread again.
CREATE TABLE review_marks (
    rev      INTEGER NOT NULL REFERENCES revisions(rev),
    reviewer TEXT    NOT NULL,
    read_at  TEXT    NOT NULL,
    PRIMARY KEY (rev, reviewer)
) WITHOUT ROWID;

-- Failure categories set in review (open coding), newest last: the latest row for a (run, example)
-- overrides the results file's `failure` field. Results themselves stay as recorded.
CREATE TABLE result_failures (
    id       INTEGER PRIMARY KEY,
    run      INTEGER NOT NULL REFERENCES runs(id),
    example  INTEGER NOT NULL REFERENCES examples(key),
    failure  TEXT,                            -- NULL: no category
    reviewer TEXT    NOT NULL,
    set_at   TEXT    NOT NULL
);
CREATE INDEX result_failures_run ON result_failures(run, example);

-- Candidate examples and label changes queued by `propose`, decided in `review --proposals`.
CREATE TABLE proposals (
    id             INTEGER PRIMARY KEY,
    kind           TEXT    NOT NULL CHECK (kind IN ('example', 'labels')),
    example_id     TEXT    NOT NULL,
    content        TEXT    NOT NULL,          -- canonical JSON of the proposal without its origin fields
    content_sha256 BLOB    NOT NULL,          -- what a rejection is remembered by
    proposed_by    TEXT,
    rationale      TEXT,
    proposed_at    TEXT    NOT NULL,
    source_path    TEXT,
    status         TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
    decided_by     TEXT,
    decided_at     TEXT,
    reason         TEXT,                      -- why it was rejected
    accepted       TEXT                       -- the record accepted (after an edit, if any)
);
CREATE INDEX proposals_content ON proposals(content_sha256);
CREATE INDEX proposals_status ON proposals(status, id);
