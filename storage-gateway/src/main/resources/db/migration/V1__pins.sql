-- Pin requests of the IPFS Pinning Service API, each owned by the signed-in address that made it.
CREATE TABLE pins (
    request_id   UUID PRIMARY KEY,
    owner        VARCHAR(42) NOT NULL,
    cid          TEXT NOT NULL,
    name         VARCHAR(255),
    origins      JSONB NOT NULL DEFAULT '[]',
    meta         JSONB NOT NULL DEFAULT '{}',
    status       VARCHAR(8) NOT NULL CHECK (status IN ('queued', 'pinning', 'pinned', 'failed')),
    -- Globally unique (the spec paginates with it): the service makes each one strictly later.
    created      TIMESTAMPTZ NOT NULL UNIQUE,
    updated      TIMESTAMPTZ NOT NULL,
    info         JSONB NOT NULL DEFAULT '{}',
    -- The CID of the pin this one replaced: kept in the backend until this one settles.
    replaced_cid TEXT
);

CREATE INDEX pins_by_owner ON pins (owner, created DESC);
CREATE INDEX pins_by_cid ON pins (cid);
CREATE INDEX pins_to_do ON pins (status, created) WHERE status IN ('queued', 'pinning');
