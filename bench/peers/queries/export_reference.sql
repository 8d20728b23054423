-- The current examples' stored lines in import order, from a database of peers/py_reference.py
-- (or peers/sqlite3_shell_load.sh): `sqlite3 DB < export_reference.sql > out.jsonl`. bench/run.py
-- times it as the floor of evaldb export.
SELECT r.body FROM examples e JOIN revisions r ON r.rid = e.rid ORDER BY e.ord;
