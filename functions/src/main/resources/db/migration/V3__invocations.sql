-- One row per call an agent answered (sync or async): what it used, by the provider's receipt.
CREATE TABLE invocations (
    id                UUID PRIMARY KEY,
    function_id       UUID NOT NULL REFERENCES functions (id) ON DELETE CASCADE,
    version           INT NOT NULL,
    provider          TEXT NOT NULL,
    lease_id          UUID NOT NULL,
    -- the agent's outcome: OK, FUNCTION_ERROR, TIMEOUT, OUT_OF_MEMORY
    status            TEXT NOT NULL,
    exit_code         INT NOT NULL,
    cpu_nanos         BIGINT NOT NULL DEFAULT 0,
    memory_mib_millis BIGINT NOT NULL DEFAULT 0,
    wall_millis       BIGINT NOT NULL DEFAULT 0,
    bytes_in          BIGINT NOT NULL DEFAULT 0,
    bytes_out         BIGINT NOT NULL DEFAULT 0,
    -- estimate at the lease's prices; null when the prices or the receipt are unknown
    charge_wei        NUMERIC(78, 0),
    -- FORWARDED (verified, counter-signed, in the outbox), VERIFIED (no gateway key: not
    -- forwarded), SUSPECT (signature or ids wrong: not forwarded), MISSING (no receipt)
    receipt_status    TEXT NOT NULL CHECK (receipt_status IN ('FORWARDED', 'VERIFIED', 'SUSPECT', 'MISSING')),
    receipt_problem   TEXT,
    receipt_json      TEXT,
    at                TIMESTAMPTZ NOT NULL
);
CREATE INDEX invocations_function ON invocations (function_id, at);

-- The function's stderr, one row per line, the newest N per function kept (agora.functions.log-lines).
CREATE TABLE function_logs (
    seq           BIGSERIAL PRIMARY KEY,
    function_id   UUID NOT NULL REFERENCES functions (id) ON DELETE CASCADE,
    invocation_id UUID NOT NULL,
    provider      TEXT NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
    line          TEXT NOT NULL
);
CREATE INDEX function_logs_function ON function_logs (function_id, seq);
