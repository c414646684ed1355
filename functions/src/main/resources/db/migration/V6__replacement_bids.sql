-- Bids placed (with the developer's token) for replicas a deployment lost after it was ACTIVE.
CREATE TABLE deployment_rebids (
    deployment_id UUID NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    bid_id        UUID NOT NULL UNIQUE,
    created_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (deployment_id, bid_id)
);
