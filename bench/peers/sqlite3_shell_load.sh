#!/bin/sh
# usage: sqlite3_shell_load.sh DB FILE [nohash]
#
# The sqlite3 shell alone doing the Python reference's first import (peers/py_reference.py):
# FILE's lines are loaded as text into a temporary table, then `INSERT ... SELECT json_extract(...)`
# fills the same schema (versions, revisions, examples, labels, the two indexes) in DB, which is
# removed first. Each line's digest is SHA3-256 (the shell's sha3(); it has no SHA-256), or NULL
# with `nohash`. First imports only: no next versions. Mirrors the shell pipeline of the
# project's baselines (docs/performance.md).
set -e
[ $# -ge 2 ] || { echo "usage: $0 DB FILE [nohash]" >&2; exit 2; }
if [ "$3" = nohash ]; then DIGEST=NULL; else DIGEST="sha3(line, 256)"; fi
FILE_SQL=$(printf '%s' "$2" | sed "s/'/''/g")  # FILE as an SQL string literal's contents
rm -f "$1"
sqlite3 "$1" <<SQL
PRAGMA cache_size=-200000;
CREATE TEMP TABLE raw(line TEXT);
.mode ascii
.separator "\037" "\n"
.import --schema temp "$2" raw
BEGIN;
CREATE TABLE versions(v INTEGER PRIMARY KEY, file TEXT, n INTEGER, added INTEGER, changed INTEGER, deleted INTEGER);
CREATE TABLE revisions(rid INTEGER PRIMARY KEY, id TEXT NOT NULL, rev INTEGER NOT NULL, v INTEGER NOT NULL,
                       body TEXT, sha3 BLOB, UNIQUE(id, rev));
CREATE TABLE examples(ord INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, rev INTEGER NOT NULL, rid INTEGER NOT NULL,
                      sha3 BLOB, feature TEXT, scenario TEXT, persona TEXT, source TEXT, author TEXT,
                      created_at TEXT);
CREATE TABLE labels(ex INTEGER NOT NULL, tag TEXT NOT NULL, PRIMARY KEY(ex, tag)) WITHOUT ROWID;
INSERT INTO revisions SELECT rowid, json_extract(line, '\$.id'), 1, 1, line, $DIGEST FROM temp.raw ORDER BY rowid;
INSERT INTO examples SELECT rid, id, 1, rid, sha3, json_extract(body, '\$.labels.feature'),
       json_extract(body, '\$.labels.scenario'), json_extract(body, '\$.labels.persona'),
       json_extract(body, '\$.source'), json_extract(body, '\$.author'), json_extract(body, '\$.created_at')
  FROM revisions ORDER BY rid;
INSERT INTO labels SELECT r.rid, j.value FROM revisions r, json_each(r.body, '\$.labels.tags') j;
CREATE INDEX ex_fsp ON examples(feature, scenario, persona);
CREATE INDEX labels_tag ON labels(tag);
INSERT INTO versions SELECT 1, '$FILE_SQL', count(*), count(*), 0, 0 FROM examples;
COMMIT;
SQL
