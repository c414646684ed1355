-- Async invocations: the request as submitted (the body stays here, not on Kafka, whose records
-- are small), then its state and result. The queue record on functions.invocations.v1 carries only the id.
CREATE TABLE async_invocations (
    id            UUID PRIMARY KEY,
    function_id   UUID NOT NULL REFERENCES functions (id) ON DELETE CASCADE,
    function_name TEXT NOT NULL,
    method        TEXT NOT NULL,
    path          TEXT NOT NULL,
    query         TEXT NOT NULL,
    headers_json  TEXT NOT NULL,
    body          BYTEA NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'DEAD_LETTERED')),
    attempts      INT NOT NULL DEFAULT 0,
    result_status INT,
    result_body   BYTEA,
    provider      TEXT,
    error_json    TEXT,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
