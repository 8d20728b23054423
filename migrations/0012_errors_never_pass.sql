-- 0012_errors_never_pass: a result that is an error (its `error` member an object or a string:
-- docs/run.md, "Errors are not fails") is no pass, whatever its line's `pass` says. From now on
-- `run record` stores its `pass` column as 0 (the line itself is kept as recorded); this brings
-- results recorded before into line. Then a scan of a run asks whether a result is an error only
-- of the results that did not pass (`report`, `compare`, `trend`: the JSON functions skipped for
-- most rows).
--
-- Results are append-only for users (0004's triggers); the column is derived from the line, so the
-- triggers are lifted for this one correction and put back as they were.

DROP TRIGGER IF EXISTS results_append_only_update;
UPDATE stored_results SET pass = 0
WHERE pass = 1 AND instr(record, '"error": ') > 0 AND json_type(record, '$.error') IN ('object', 'text');
CREATE TRIGGER results_append_only_update BEFORE UPDATE ON stored_results
BEGIN SELECT RAISE(ABORT, 'results are append-only: UPDATE is refused'); END;
