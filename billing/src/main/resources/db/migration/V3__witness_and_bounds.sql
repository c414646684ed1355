-- The lease's resources bound what a receipt may claim (ReceiptBounds: CPU quota, memory limit). Leases recorded
-- before billing kept them stay NULL (the lease events they came from are not read again): a receipt on such a lease
-- is quarantined 'out-of-bounds' (billing never rates usage it cannot bound) until the lease's next event (its
-- closing carries the full lease) fills them in.
ALTER TABLE leases ADD COLUMN cpu_millis bigint, ADD COLUMN memory_mib bigint;

-- The grant a rated receipt ran under (its invocation, lease, provider and consumer are the receipt's: a receipt
-- whose grant names others is never rated), so that the stored receipt hashes as it was signed.
ALTER TABLE receipts ADD COLUMN grant_bundle text, ADD COLUMN grant_timeout_millis bigint,
    ADD COLUMN grant_issued_at timestamptz, ADD COLUMN grant_expires_at timestamptz, ADD COLUMN grant_signature text;

-- Receipts that passed every check but carry no gateway witness (the agent's copy), waiting for the gateway's
-- counter-signed copy of the same receipt. Keyed by the receipt's hash, not its invocation id: another provider's
-- receipt under the same invocation id waits beside the honest one and can neither block nor resolve it. Rating the
-- counter-signed copy removes its waiting twin; the witness sweep quarantines rows older than the witness window
-- as 'unwitnessed'.
CREATE TABLE awaiting_witness (
    receipt_hash     text PRIMARY KEY,
    invocation_id    uuid        NOT NULL,
    lease_id         uuid        NOT NULL,
    provider_address text        NOT NULL,
    source           text        NOT NULL,
    payload          text        NOT NULL,
    arrived_at       timestamptz NOT NULL
);
CREATE INDEX awaiting_witness_arrived ON awaiting_witness (arrived_at);
