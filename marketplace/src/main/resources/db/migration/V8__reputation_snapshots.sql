-- The reputation snapshots published (content-addressed JSON documents, newest kept)
CREATE TABLE reputation_snapshots (
    cid          TEXT        PRIMARY KEY,
    generated_at TIMESTAMPTZ NOT NULL,
    body         BYTEA       NOT NULL
);
CREATE INDEX reputation_snapshots_newest ON reputation_snapshots (generated_at DESC);
