-- The idempotency keys of bids (POST /api/v1/bids with an Idempotency-Key header). A key is scoped to the account
-- that placed the bid (the signed-in bidder: the owner, or the storage gateway that brokered it): the primary key
-- lets one bid per (bidder, key) exist, so two retries racing each other cannot both place one. request_hash is the
-- SHA-256 of the bid's canonical form: a retry must send the same bid. Rows are kept as long as their bid (bids are
-- never deleted), so a key can be retried for as long as the bid exists.
CREATE TABLE bid_idempotency_keys (
    bidder       TEXT        NOT NULL,
    key          TEXT        NOT NULL,
    request_hash TEXT        NOT NULL,
    bid_id       UUID        NOT NULL UNIQUE REFERENCES bids (id),
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (bidder, key)
);
