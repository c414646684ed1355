-- Current values of the governed parameters (declared in code: Parameters.ALL) and every change to them.
CREATE TABLE parameter_value (
    name        TEXT PRIMARY KEY,
    value       TEXT        NOT NULL,
    proposal_id BIGINT,
    changed_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE parameter_history (
    seq         BIGSERIAL PRIMARY KEY,
    name        TEXT        NOT NULL,
    value       TEXT        NOT NULL,
    proposal_id BIGINT,
    changed_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX parameter_history_name ON parameter_history (name, seq);

-- state is NULL until the tally (pending/active follow from the head block), then DEFEATED, QUEUED, EXECUTED, EXPIRED.
CREATE TABLE proposal (
    id             BIGSERIAL PRIMARY KEY,
    proposer       TEXT        NOT NULL,
    title          TEXT        NOT NULL,
    description    TEXT        NOT NULL,
    created_block  BIGINT      NOT NULL,
    snapshot_block BIGINT      NOT NULL,
    end_block      BIGINT      NOT NULL,
    quorum_bps     INT         NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    state          TEXT,
    for_votes      NUMERIC(78),
    against_votes  NUMERIC(78),
    abstain_votes  NUMERIC(78),
    voters         BIGINT,
    quorum         NUMERIC(78),
    tallied_at     TIMESTAMPTZ,
    eta            TIMESTAMPTZ,
    executed_at    TIMESTAMPTZ
);
CREATE INDEX proposal_open ON proposal (id) WHERE state IS NULL OR state IN ('SUCCEEDED', 'QUEUED');

CREATE TABLE proposal_change (
    proposal_id BIGINT NOT NULL REFERENCES proposal (id),
    position    INT    NOT NULL,
    parameter   TEXT   NOT NULL,
    value       TEXT   NOT NULL,
    executed_at TIMESTAMPTZ,
    tx_hash     TEXT,
    PRIMARY KEY (proposal_id, position)
);

-- One vote per voter and proposal: a later vote within the window replaces the earlier one.
CREATE TABLE vote (
    proposal_id BIGINT      NOT NULL REFERENCES proposal (id),
    voter       TEXT        NOT NULL,
    support     SMALLINT    NOT NULL,
    reason      TEXT        NOT NULL,
    signature   TEXT        NOT NULL,
    weight      NUMERIC(78) NOT NULL,
    cast_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (proposal_id, voter)
);
