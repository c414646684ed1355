-- Deployments whose replicas follow their load: the bounds, written with the deployment's intent (keyed by the
-- deployment id the intent names, before the deployment's row exists), and every scaling decision.
CREATE TABLE deployment_scaling (
    deployment_id      UUID PRIMARY KEY,
    min_replicas       INT NOT NULL CHECK (min_replicas >= 0),
    max_replicas       INT NOT NULL CHECK (max_replicas >= min_replicas AND max_replicas >= 1),
    target_concurrency INT NOT NULL CHECK (target_concurrency >= 1)
);
CREATE TABLE scaling_decisions (
    id            BIGSERIAL PRIMARY KEY,
    deployment_id UUID NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    decided_at    TIMESTAMPTZ NOT NULL,
    from_replicas INT NOT NULL,
    to_replicas   INT NOT NULL,
    reason        TEXT NOT NULL
);
CREATE INDEX scaling_decisions_deployment ON scaling_decisions (deployment_id, id);
-- Replicas being given up by a scale-down: out of routing at once, their lease closed once no call is in flight on
-- them (or by the deadline); a refresh of the deployment from the marketplace leaves them out.
CREATE TABLE scaling_drains (
    lease_id      UUID PRIMARY KEY,
    deployment_id UUID NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    owner         TEXT NOT NULL,
    deadline      TIMESTAMPTZ NOT NULL,
    not_before    TIMESTAMPTZ NOT NULL
);
