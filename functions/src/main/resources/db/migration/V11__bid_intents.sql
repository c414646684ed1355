-- Every bid functions places (a deployment's, a replacement's) is recorded here with its idempotency key BEFORE the
-- marketplace is asked, then placed with that key (Idempotency-Key). Until the answer is recorded (resolved_at) the
-- intent is open: a retry, a later refresh or the resumer after a restart places it again with the same key and the
-- same body (bid_json), and the marketplace answers the bid it already placed, so a crash between placing and
-- recording leaks no second bid or lease.
CREATE TABLE bid_intents (
    idempotency_key TEXT PRIMARY KEY,
    purpose         TEXT NOT NULL CHECK (purpose IN ('DEPLOYMENT', 'REPLACEMENT')),
    -- the deployment the bid is for: the one it creates (DEPLOYMENT) or the one it completes (REPLACEMENT)
    deployment_id   UUID NOT NULL,
    function_id     UUID NOT NULL REFERENCES functions (id) ON DELETE CASCADE,
    owner           TEXT NOT NULL,
    version         INT,
    replicas        INT NOT NULL,
    -- the BidSpec exactly as placed: a retry must send the same bid under the same key
    bid_json        TEXT NOT NULL,
    bid_id          UUID,
    -- the marketplace's refusal (4xx), when it refused: nothing was placed, nothing to place again
    refused         TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    resolved_at     TIMESTAMPTZ
);
CREATE INDEX bid_intents_open ON bid_intents (created_at) WHERE resolved_at IS NULL;
-- at most one open replacement per deployment: whoever intends it first (lease follower, a read, the health
-- checker), the others place that same intent
CREATE UNIQUE INDEX bid_intents_one_open_replacement ON bid_intents (deployment_id)
    WHERE purpose = 'REPLACEMENT' AND resolved_at IS NULL;
