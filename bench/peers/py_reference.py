#!/usr/bin/env python3
"""The Python reference peer of bench/run.py: a JSONL eval dataset into SQLite with revisions,
and back out, with nothing but the standard library (json, hashlib, sqlite3).

  py_reference.py import DB FILE    first import, or the next version of the dataset
  py_reference.py export DB         the current examples, each re-serialised as
                                    json.dumps(json.loads(line), sort_keys=True), in import order
  py_reference.py export-raw DB     the current examples' stored lines as imported, in import order

It is what a user would write instead of evaldb, and it mirrors the reference pipeline the
project's baselines were measured against (docs/performance.md): the same schema, the same work
per line, the same batching, so its times are comparable with those figures.

Schema: `versions` (one row an import), `revisions` (every line ever imported, keyed by example
id and revision, with its SHA-256; a deletion is a revision with no body), `examples` (the
current view: one row an id, in first-import order, with the label columns queried by group-by
and slice) and `labels` (one row a tag, keyed (example, tag): per-example deletes stay cheap).

An import recognises a line by the SHA-256 of its bytes: a line identical to a current example's
is neither parsed nor written. Other lines are parsed; a known id gets a new revision, a new id
is appended; ids of the database missing from the file get a tombstone revision and leave the
current view. Lines must keep the order of the examples they update (reordering is refused), and
an id may appear only once in a file. The summary goes to stderr.
"""
import hashlib
import json
import sqlite3
import sys

SCHEMA = """
CREATE TABLE IF NOT EXISTS versions(v INTEGER PRIMARY KEY, file TEXT, n INTEGER, added INTEGER,
                                    changed INTEGER, deleted INTEGER);
CREATE TABLE IF NOT EXISTS revisions(rid INTEGER PRIMARY KEY, id TEXT NOT NULL, rev INTEGER NOT NULL,
                                     v INTEGER NOT NULL, body TEXT, sha256 BLOB, UNIQUE(id, rev));
CREATE TABLE IF NOT EXISTS examples(ord INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, rev INTEGER NOT NULL,
                                    rid INTEGER NOT NULL, sha256 BLOB NOT NULL, feature TEXT, scenario TEXT,
                                    persona TEXT, source TEXT, author TEXT, created_at TEXT);
CREATE TABLE IF NOT EXISTS labels(ex INTEGER NOT NULL, tag TEXT NOT NULL, PRIMARY KEY(ex, tag)) WITHOUT ROWID;
"""
# Built after the rows are in (cheaper than keeping them up to date row by row).
INDEXES = ["CREATE INDEX IF NOT EXISTS ex_fsp ON examples(feature, scenario, persona)",
           "CREATE INDEX IF NOT EXISTS labels_tag ON labels(tag)"]
BATCH = 20_000  # rows buffered before an executemany


def columns(example):
    """The example's queried columns, after the ones the import fills in."""
    labels = example["labels"]
    return (labels["feature"], labels["scenario"], labels["persona"],
            example["source"], example["author"], example["created_at"])


class Import:
    """One import of a file into the database, as one transaction."""

    def __init__(self, con):
        self.con = con
        self.version = con.execute("SELECT coalesce(max(v), 0) + 1 FROM versions").fetchone()[0]
        # id -> (position, revision) of the current examples; SHA-256 -> id of their lines.
        self.current = {i: (o, rev) for i, o, rev in con.execute("SELECT id, ord, rev FROM examples")}
        self.by_digest = {h: i for i, h in con.execute("SELECT id, sha256 FROM examples")}
        self.last_rid = con.execute("SELECT coalesce(max(rid), 0) FROM revisions").fetchone()[0]
        self.last_ord = max((o for o, _ in self.current.values()), default=0)
        self.previous_ord = 0
        self.seen = set()
        self.lines = self.added = self.changed = 0
        self.revisions, self.inserts, self.updates, self.tags = [], [], [], []

    def flush(self):
        con = self.con
        con.executemany("INSERT INTO revisions VALUES (?,?,?,?,?,?)", self.revisions)
        con.executemany("INSERT INTO examples VALUES (?,?,?,?,?,?,?,?,?,?,?)", self.inserts)
        con.executemany("UPDATE examples SET rev=?, rid=?, sha256=?, feature=?, scenario=?, persona=?, "
                        "source=?, author=?, created_at=? WHERE ord=?", self.updates)
        con.executemany("INSERT INTO labels VALUES (?,?)", self.tags)
        for rows in (self.revisions, self.inserts, self.updates, self.tags):
            rows.clear()

    def meet(self, example_id, position):
        """Refuses a second line for an id, and an example met before one it used to follow."""
        if example_id in self.seen:
            sys.exit(f"duplicate id {example_id}")
        self.seen.add(example_id)
        if position < self.previous_ord:
            sys.exit("reordered lines are not supported by this prototype")
        self.previous_ord = position

    def line(self, text):
        self.lines += 1
        digest = hashlib.sha256(text.encode()).digest()
        known = self.by_digest.get(digest)
        if known is not None:  # the same bytes as a current example: nothing to parse or write
            self.meet(known, self.current[known][0])
            return
        example = json.loads(text)
        example_id = example["id"]
        if example_id in self.seen:
            sys.exit(f"duplicate id {example_id}")
        values = columns(example)
        self.last_rid += 1
        before = self.current.get(example_id)
        if before is None:
            self.last_ord += 1
            position, rev = self.last_ord, 1
            self.added += 1
            self.inserts.append((position, example_id, rev, self.last_rid, digest) + values)
        else:
            position, rev = before[0], before[1] + 1
            self.changed += 1
            self.updates.append((rev, self.last_rid, digest) + values + (position,))
            self.con.execute("DELETE FROM labels WHERE ex=?", (position,))
        self.meet(example_id, position)
        self.revisions.append((self.last_rid, example_id, rev, self.version, text, digest))
        self.tags.extend((position, tag) for tag in example["labels"]["tags"])
        if len(self.revisions) >= BATCH:
            self.flush()

    def finish(self, path):
        """Tombstones the ids the file no longer has, builds the indexes, records the version."""
        self.flush()
        con = self.con
        gone = [(i, o, rev) for i, (o, rev) in self.current.items() if i not in self.seen]
        for example_id, position, rev in gone:
            self.last_rid += 1
            con.execute("INSERT INTO revisions VALUES (?,?,?,?,NULL,NULL)",
                        (self.last_rid, example_id, rev + 1, self.version))
            con.execute("DELETE FROM labels WHERE ex=?", (position,))
            con.execute("DELETE FROM examples WHERE ord=?", (position,))
        for statement in INDEXES:
            con.execute(statement)
        con.execute("INSERT INTO versions VALUES (?,?,?,?,?,?)",
                    (self.version, path, self.lines, self.added, self.changed, len(gone)))
        return len(gone)


def import_file(db, path):
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA cache_size=-200000")  # 200 MB of page cache
    con.executescript(SCHEMA)
    con.execute("BEGIN")
    run = Import(con)
    with open(path, encoding="utf-8") as f:
        for text in f:
            run.line(text.rstrip("\n"))
    deleted = run.finish(path)
    con.execute("COMMIT")
    print(f"v{run.version}: {run.lines} lines, {run.added} added, {run.changed} changed, {deleted} deleted",
          file=sys.stderr)


def export(db, raw):
    con = sqlite3.connect(db)
    rows = con.execute("SELECT r.body FROM examples e JOIN revisions r ON r.rid = e.rid ORDER BY e.ord")
    out = sys.stdout
    if raw:
        out.writelines(body + "\n" for (body,) in rows)
    else:
        loads, dumps = json.loads, json.dumps
        out.writelines(dumps(loads(body), sort_keys=True) + "\n" for (body,) in rows)


def main():
    usage = "usage: py_reference.py import DB FILE | export DB | export-raw DB"
    if len(sys.argv) < 3:
        sys.exit(usage)
    command, db = sys.argv[1], sys.argv[2]
    if command == "import" and len(sys.argv) == 4:
        import_file(db, sys.argv[3])
    elif command in ("export", "export-raw") and len(sys.argv) == 3:
        export(db, raw=command == "export-raw")
    else:
        sys.exit(usage)


if __name__ == "__main__":
    main()
