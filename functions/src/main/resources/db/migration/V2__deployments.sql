-- A deployment is one bid in the marketplace for one version; its status follows the bid.
CREATE TABLE deployments (
    id            UUID PRIMARY KEY,
    function_id   UUID NOT NULL,
    version       INT NOT NULL,
    bid_id        UUID NOT NULL UNIQUE,
    replicas      INT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('PENDING', 'ACTIVE', 'FAILED', 'WITHDRAWN')),
    -- the marketplace's reasons while replicas are missing, comma-separated
    reasons       TEXT NOT NULL DEFAULT '',
    -- the replicas as JSON: [{leaseId, provider, endpoint}]
    replica_json  TEXT NOT NULL DEFAULT '[]',
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (function_id, version) REFERENCES function_versions (function_id, version) ON DELETE CASCADE
);
CREATE INDEX deployments_function ON deployments (function_id, created_at);
