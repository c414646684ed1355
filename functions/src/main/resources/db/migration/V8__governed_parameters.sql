-- Governance's decisions about the functions service's parameters (functions.max-timeout, functions.max-body-size):
-- the latest effective_at per parameter, so that a restart keeps them. Configuration values are the defaults.
CREATE TABLE governed_parameters (
    name         TEXT PRIMARY KEY,
    value        TEXT        NOT NULL,
    unit         TEXT        NOT NULL,
    effective_at TIMESTAMPTZ NOT NULL,
    proposal_id  BIGINT      NOT NULL,
    event_id     TEXT        NOT NULL
);
