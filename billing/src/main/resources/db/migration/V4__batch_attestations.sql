-- Batch attestations (protocol's BatchAttestation): one signature over the Merkle root of many receipts' hashes, a
-- provider's (ReceiptBatch: the receipts its agent ships) or a gateway's (WitnessBatch: the receipts it witnessed).
-- Only batches whose signature and root billing verified are stored; their leaves let a proof give any receipt's path
-- to the signed root.
CREATE TABLE receipt_batches (
    root        text        NOT NULL,
    signer      text        NOT NULL,
    signature   text        NOT NULL,
    leaves      bytea       NOT NULL, -- the receipts' hashes, 32 bytes each, as the batch listed them
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (root, signer)
);

-- Receipt hashes a trusted gateway witnessed in a batch. A provider's copy of such a receipt is rated (once: the
-- receipts' primary key); one whose witness has not come waits in awaiting_witness, and a witness batch rates the
-- copies waiting for it. Kept after rating: the record of what the gateway witnessed.
CREATE TABLE witnessed (
    receipt_hash    text PRIMARY KEY,
    gateway_address text        NOT NULL,
    batch_root      text        NOT NULL,
    witnessed_at    timestamptz NOT NULL DEFAULT now()
);

-- A receipt attested in a provider's batch needs no signature of its own; its batches are named for its proof.
ALTER TABLE receipts ALTER COLUMN provider_signature DROP NOT NULL,
    ADD COLUMN provider_batch text, ADD COLUMN gateway_address text, ADD COLUMN gateway_batch text;
-- A waiting or parked receipt keeps the provider batch that attested it (its signature was checked on arrival).
ALTER TABLE awaiting_witness ADD COLUMN provider_batch text;
ALTER TABLE quarantine ADD COLUMN provider_batch text;

-- Addresses and hashes are ASCII hex: compare them bytewise ("C"), not by the database's locale. Every rated receipt
-- adds entries to the indexes on (consumer, provider, ...), and at tens of thousands of receipts per second locale
-- comparisons were a measurable part of the insert.
ALTER TABLE receipts ALTER COLUMN consumer_address TYPE text COLLATE "C",
    ALTER COLUMN provider_address TYPE text COLLATE "C";
