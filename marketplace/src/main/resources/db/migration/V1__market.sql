-- The marketplace's own tables. Money is NUMERIC(78,0): every uint256 fits, nothing rounds.

CREATE TABLE providers (
    address            TEXT PRIMARY KEY,
    endpoint           TEXT        NOT NULL,
    region             TEXT        NOT NULL,
    attributes         TEXT        NOT NULL,
    registered_at      TIMESTAMPTZ NOT NULL,
    reputation         INT         NOT NULL DEFAULT 0,
    offer_cpu_millis   BIGINT,
    offer_memory_mib   BIGINT,
    offer_storage_gib  BIGINT,
    price_vcpu_second  NUMERIC(78, 0),
    price_gib_second   NUMERIC(78, 0),
    price_invocation   NUMERIC(78, 0),
    price_gib_month    NUMERIC(78, 0),
    offer_published_at TIMESTAMPTZ,
    offer_seq          BIGINT,
    last_heartbeat_at  TIMESTAMPTZ,
    free_cpu_millis    BIGINT,
    free_memory_mib    BIGINT,
    free_storage_gib   BIGINT
);

CREATE TABLE bids (
    id                UUID PRIMARY KEY,
    seq               BIGINT         NOT NULL UNIQUE,
    owner             TEXT           NOT NULL,
    kind              TEXT           NOT NULL,
    cpu_millis        BIGINT         NOT NULL,
    memory_mib        BIGINT         NOT NULL,
    storage_gib       BIGINT         NOT NULL,
    replicas          INT            NOT NULL,
    matched_replicas  INT            NOT NULL,
    max_vcpu_second   NUMERIC(78, 0) NOT NULL,
    max_gib_second    NUMERIC(78, 0) NOT NULL,
    max_invocation    NUMERIC(78, 0) NOT NULL,
    max_gib_month     NUMERIC(78, 0) NOT NULL,
    region            TEXT,
    attributes        TEXT           NOT NULL,
    status            TEXT           NOT NULL,
    created_at        TIMESTAMPTZ    NOT NULL,
    expires_at        TIMESTAMPTZ    NOT NULL,
    closed_at         TIMESTAMPTZ
);
CREATE INDEX bids_open ON bids (seq) WHERE status = 'OPEN';
CREATE INDEX bids_owner ON bids (owner);

CREATE TABLE leases (
    id                UUID PRIMARY KEY,
    bid_id            UUID           NOT NULL REFERENCES bids (id),
    owner             TEXT           NOT NULL,
    provider          TEXT           NOT NULL REFERENCES providers (address),
    kind              TEXT           NOT NULL,
    cpu_millis        BIGINT         NOT NULL,
    memory_mib        BIGINT         NOT NULL,
    storage_gib       BIGINT         NOT NULL,
    price_vcpu_second NUMERIC(78, 0) NOT NULL,
    price_gib_second  NUMERIC(78, 0) NOT NULL,
    price_invocation  NUMERIC(78, 0) NOT NULL,
    price_gib_month   NUMERIC(78, 0) NOT NULL,
    state             TEXT           NOT NULL,
    created_at        TIMESTAMPTZ    NOT NULL,
    closed_at         TIMESTAMPTZ,
    closed_by         TEXT,
    close_reason      TEXT
);
CREATE INDEX leases_owner ON leases (owner, created_at);
CREATE INDEX leases_provider ON leases (provider, created_at);
CREATE INDEX leases_active ON leases (provider) WHERE state = 'ACTIVE';
CREATE INDEX leases_bid ON leases (bid_id);
