-- 0003_revisions_by_version: the revisions of each version, so that `diff A B` of two versions
-- reads only the examples changed between them. Versions only grow, so new entries go at the end.
CREATE INDEX revisions_version ON revisions(version, example);
