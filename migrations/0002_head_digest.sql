-- 0002_head_digest: each example's head digest, so that import recognises an unchanged line by
-- the SHA-256 of its bytes alone, without parsing it.
--
-- head_sha256 is the SHA-256 of the head revision's record when a line byte-identical to that
-- record may be taken as unchanged without being read: NULL for a removed example, and for a record
-- that must be read on every import (one that draws a warning, or whose id is not ASCII and so
-- is checked for look-alike ids). Examples imported before this migration start with NULL.
ALTER TABLE examples ADD COLUMN head_sha256 BLOB;
