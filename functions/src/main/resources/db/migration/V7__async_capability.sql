-- The capability returned with an async invocation's 202: only its SHA-256 is kept. The record and result are
-- readable by the function's owner or by whoever presents the capability (rows from before have none: owner only).
ALTER TABLE async_invocations ADD COLUMN capability_sha256 BYTEA;
