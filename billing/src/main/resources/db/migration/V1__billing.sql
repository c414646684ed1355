-- Leases as the marketplace announced them (marketplace.leases.v1); billing never reads the marketplace's tables.
CREATE TABLE leases (
    lease_id         uuid PRIMARY KEY,
    owner_address    text        NOT NULL,
    provider_address text        NOT NULL,
    per_vcpu_second  numeric(78) NOT NULL,
    per_gib_second   numeric(78) NOT NULL,
    per_invocation   numeric(78) NOT NULL,
    state            text        NOT NULL,
    created_at       timestamptz NOT NULL,
    closed_at        timestamptz
);

-- Events already applied (consumers are idempotent on the envelope id).
CREATE TABLE processed_events (
    event_id     text PRIMARY KEY,
    processed_at timestamptz NOT NULL DEFAULT now()
);

-- Every rated receipt, once: the primary key is the exactly-once guarantee.
CREATE TABLE receipts (
    invocation_id      uuid PRIMARY KEY,
    lease_id           uuid        NOT NULL,
    provider_address   text        NOT NULL,
    consumer_address   text        NOT NULL,
    cpu_nanos          bigint      NOT NULL,
    peak_memory_bytes  bigint      NOT NULL,
    memory_mib_millis  bigint      NOT NULL,
    wall_millis        bigint      NOT NULL,
    bytes_in           bigint      NOT NULL,
    bytes_out          bigint      NOT NULL,
    started_at         timestamptz NOT NULL,
    ended_at           timestamptz NOT NULL,
    provider_signature text        NOT NULL,
    gateway_signature  text,
    receipt_hash       text        NOT NULL,
    charge             numeric(78) NOT NULL,
    voucher_seq        integer,
    rated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX receipts_pair_voucher ON receipts (consumer_address, provider_address, voucher_seq);
CREATE INDEX receipts_consumer_ended ON receipts (consumer_address, ended_at);
CREATE INDEX receipts_lease_ended ON receipts (lease_id, ended_at);

-- Running totals per (developer, provider, lease), updated in the rating transaction.
CREATE TABLE usage_totals (
    consumer_address text        NOT NULL,
    provider_address text        NOT NULL,
    lease_id         uuid        NOT NULL,
    receipts         bigint      NOT NULL,
    charged          numeric(78) NOT NULL,
    PRIMARY KEY (consumer_address, provider_address, lease_id)
);

-- Per (developer, provider): what was rated, vouchered and redeemed on chain (confirmed).
CREATE TABLE pairs (
    consumer_address text        NOT NULL,
    provider_address text        NOT NULL,
    rated            numeric(78) NOT NULL DEFAULT 0,
    vouchered        numeric(78) NOT NULL DEFAULT 0,
    voucher_seq      integer     NOT NULL DEFAULT 0,
    redeemed         numeric(78) NOT NULL DEFAULT 0,
    last_voucher_at  timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_address, provider_address)
);

-- Cumulative vouchers billing signed; a voucher's root covers every receipt of the pair with voucher_seq <= seq.
CREATE TABLE vouchers (
    consumer_address  text        NOT NULL,
    provider_address  text        NOT NULL,
    seq               integer     NOT NULL,
    cumulative_amount numeric(78) NOT NULL,
    receipts_root     text        NOT NULL,
    receipt_count     bigint      NOT NULL,
    signer_address    text        NOT NULL,
    signature         text        NOT NULL,
    issued_at         timestamptz NOT NULL,
    PRIMARY KEY (consumer_address, provider_address, seq)
);
CREATE UNIQUE INDEX vouchers_root ON vouchers (consumer_address, provider_address, receipts_root);

-- Redeems seen on chain at the confirmation depth.
CREATE TABLE settlements (
    transaction_hash text        NOT NULL,
    log_index        integer     NOT NULL,
    block_number     bigint      NOT NULL,
    block_hash       text        NOT NULL,
    consumer_address text        NOT NULL,
    provider_address text        NOT NULL,
    redeemed         numeric(78) NOT NULL,
    payment          numeric(78) NOT NULL,
    fee              numeric(78) NOT NULL,
    receipts_root    text        NOT NULL,
    voucher_seq      integer     NOT NULL,
    PRIMARY KEY (transaction_hash, log_index)
);
CREATE INDEX settlements_block ON settlements (block_number);

-- Deposits seen on chain at the confirmation depth (they restore credit).
CREATE TABLE deposits (
    transaction_hash text        NOT NULL,
    log_index        integer     NOT NULL,
    block_number     bigint      NOT NULL,
    block_hash       text        NOT NULL,
    consumer_address text        NOT NULL,
    amount           numeric(78) NOT NULL,
    balance          numeric(78) NOT NULL,
    PRIMARY KEY (transaction_hash, log_index)
);
CREATE INDEX deposits_block ON deposits (block_number);

-- How far the chain has been followed: the last block applied and its hash (to notice a reorganisation).
CREATE TABLE chain_cursor (
    id           integer PRIMARY KEY CHECK (id = 1),
    block_number bigint NOT NULL,
    block_hash   text   NOT NULL
);

-- Credit decisions, to publish only changes.
CREATE TABLE credit (
    consumer_address text PRIMARY KEY,
    balance          numeric(78) NOT NULL,
    paused           boolean     NOT NULL,
    decided_at       timestamptz NOT NULL
);

-- Receipts that were not rated, with the reason; never silently dropped. 'unknown-lease' rows are parked and
-- rated when the lease arrives (resolved_at set).
CREATE TABLE quarantine (
    id            bigserial PRIMARY KEY,
    payload_hash  text        NOT NULL,
    reason        text        NOT NULL,
    detail        text        NOT NULL,
    source        text        NOT NULL,
    invocation_id uuid,
    lease_id      uuid,
    provider_address text,
    payload       text        NOT NULL,
    times_seen    integer     NOT NULL DEFAULT 1,
    first_seen    timestamptz NOT NULL DEFAULT now(),
    last_seen     timestamptz NOT NULL DEFAULT now(),
    resolved_at   timestamptz,
    UNIQUE (payload_hash, reason)
);
CREATE INDEX quarantine_parked ON quarantine (lease_id) WHERE reason = 'unknown-lease' AND resolved_at IS NULL;
