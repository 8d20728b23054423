#!/bin/sh
# usage: sqlite3_shell_lines.sh DB FILE
#
# The SQLite write floor of bench/run.py: the sqlite3 shell loads every line of FILE as one TEXT
# row of a new database DB (removed first) -- no JSON parsing, no hashing, no index. An import
# that parses, checks and indexes cannot be faster than this; evaldb's first import is measured
# against it. Mirrors the floor the project's baselines were measured with (docs/performance.md).
#
# `.mode ascii` with the unit separator (0x1F) between columns and a newline between rows reads
# each line whole: a JSON line cannot hold a raw 0x1F, and ascii mode has no quoting.
set -e
[ $# -eq 2 ] || { echo "usage: $0 DB FILE" >&2; exit 2; }
rm -f "$1"
sqlite3 "$1" <<SQL
CREATE TABLE lines(line TEXT);
.mode ascii
.separator "\037" "\n"
.import "$2" lines
SQL
