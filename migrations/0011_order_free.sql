-- 0011_order_free: team state that a later event replaces — a failure category on a result, a
-- human verdict on a result, a proposal's decision, a calibration of a name — resolves by one rule
-- in every clone, whatever order the events arrived in: the latest `at`, ties broken by the larger
-- event id (the SHA-256 of the event's canonical line; docs/teams.md). So each such row keeps the
-- id of its event.
--
-- Rows made before this migration have no event id (SQLite cannot compute one): NULL, which sorts
-- before any id, so that any event of the same time replaces them. `evaldb sync` after deleting
-- .evaldb/ rebuilds every row with its id.

ALTER TABLE result_failures ADD COLUMN event TEXT;       -- its team log event's id
ALTER TABLE human_verdicts ADD COLUMN event TEXT;        -- its team log event's id

-- The latest decision on a proposal, whatever its status (going back to pending included): its
-- time and event id. `decided_at` and `decided_by` stay those of an accepted or rejected proposal.
ALTER TABLE proposals ADD COLUMN decision_at TEXT;
ALTER TABLE proposals ADD COLUMN decided_event TEXT;
UPDATE proposals SET decision_at = decided_at WHERE status != 'pending';

-- The fact in force of each result, verdict and name is the first in this order.
DROP INDEX result_failures_run;
CREATE INDEX result_failures_latest ON result_failures(run, example, set_at, event);
DROP INDEX human_verdicts_result;
CREATE INDEX human_verdicts_latest ON human_verdicts(run, example, trial, set_at, event);
DROP INDEX judge_calibrations_name;
CREATE INDEX judge_calibrations_latest ON judge_calibrations(name, created_at, event);

-- The `results` view of 0009, the same columns: `failure` is the category in force by that rule.
DROP VIEW results;
CREATE VIEW results AS
SELECT r.name AS run, e.id AS id, x.trial AS trial, x.pass AS pass, x.score AS score,
       CASE WHEN EXISTS (SELECT 1 FROM result_failures f WHERE f.run = x.run AND f.example = x.example)
            THEN (SELECT f.failure FROM result_failures f WHERE f.run = x.run AND f.example = x.example
                  ORDER BY f.set_at DESC, f.event DESC, f.id DESC LIMIT 1)
            ELSE x.failure END AS failure,
       x.failure AS recorded_failure, x.record AS record
FROM stored_results x JOIN stored_runs r ON r.id = x.run JOIN stored_examples e ON e.key = x.example;
