-- Billing's latest credit decision per developer (billing.credit.v1); the newest event time wins.
CREATE TABLE developer_credit (
    address     TEXT PRIMARY KEY,
    paused      BOOLEAN NOT NULL,
    decided_at  TIMESTAMPTZ NOT NULL,
    event_id    TEXT NOT NULL
);
