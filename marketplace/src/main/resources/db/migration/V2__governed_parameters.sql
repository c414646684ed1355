-- Market rules changed by governance (ParameterChanged on governance.decisions.v1). The latest
-- effective value of each parameter; re-applying the same decision changes nothing.
CREATE TABLE governed_parameters (
    name         TEXT PRIMARY KEY,
    value        TEXT        NOT NULL,
    unit         TEXT        NOT NULL,
    effective_at TIMESTAMPTZ NOT NULL,
    proposal_id  BIGINT      NOT NULL,
    event_id     TEXT        NOT NULL
);
