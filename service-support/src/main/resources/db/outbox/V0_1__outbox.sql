-- Events waiting to be published to Kafka. Written in the same transaction as the change they
-- record; the relay publishes them in order and deletes them once the broker acknowledged.
CREATE TABLE outbox (
    seq        BIGSERIAL PRIMARY KEY,
    event_id   UUID        NOT NULL UNIQUE,
    topic      TEXT        NOT NULL,
    record_key TEXT        NOT NULL,
    payload    TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
