-- Copies of pinned DAGs on storage providers: one row per marketplace storage lease.
CREATE TABLE replicas (
    lease_id    UUID PRIMARY KEY,
    cid         TEXT NOT NULL,
    provider    VARCHAR(42) NOT NULL,
    endpoint    TEXT NOT NULL,
    -- transferring: blocks being copied; active: complete and passing audits;
    -- failed: lost, wrong or late answer (lease closed, repaired elsewhere); closed: released on unpin
    state       VARCHAR(12) NOT NULL CHECK (state IN ('transferring', 'active', 'failed', 'closed')),
    created     TIMESTAMPTZ NOT NULL,
    audited     TIMESTAMPTZ,
    audits      INT NOT NULL DEFAULT 0,
    reason      TEXT
);

CREATE INDEX replicas_by_cid ON replicas (cid, state);
