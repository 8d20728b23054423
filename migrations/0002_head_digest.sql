-- 0002_head_digest: each example's head digest, so that import recognises an unchanged line by
-- the SHA-256 of its bytes alone, without parsing it, and knows the live examples without reading
-- their revisions.
--
-- head_sha256 is NULL when the example is removed (its head revision is a tombstone); otherwise
-- the SHA-256 of its head record (32 bytes) when a line byte-identical to that record may be taken
-- as unchanged unread, or an empty blob when the record must be read on every import (it draws a
-- warning, or its id is not ASCII and is checked for look-alike ids).
ALTER TABLE examples ADD COLUMN head_sha256 BLOB;
UPDATE examples SET head_sha256 = X''
WHERE (SELECT kind FROM revisions WHERE rev = examples.head) != 'removed';
