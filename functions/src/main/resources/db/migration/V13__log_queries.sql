-- Logs are kept for the governed functions.log-retention instead of the newest N lines per function, and read in
-- the gateway's record order (at, then seq) with keyset pages, whatever their number.
--
-- tx: the recording transaction's id. A followed stream only delivers lines whose transaction is older than every
-- transaction still running (pg_snapshot_xmin), so a line committed late by another gateway instance is never
-- skipped by a reader that has moved past its place.
ALTER TABLE function_logs ADD COLUMN tx xid8 NOT NULL DEFAULT pg_current_xact_id();
DROP INDEX function_logs_function;
-- a query's keyset order, and an invocation's lines (they share the call's record time)
CREATE INDEX function_logs_order ON function_logs (function_id, at, seq);
-- what a followed stream reads next: the lines of the transactions that ended since its last look
CREATE INDEX function_logs_tx ON function_logs (function_id, tx);
-- the retention sweep: the oldest lines of every function
CREATE INDEX function_logs_at ON function_logs (at);
