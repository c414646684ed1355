-- A proposal's on-chain changes are one operation of the on-chain timelock (the escrow's executor): its id and the
-- transaction that scheduled it. A guardian may cancel it during the delay: the proposal is then CANCELLED.
ALTER TABLE proposal ADD COLUMN timelock_operation TEXT;
ALTER TABLE proposal ADD COLUMN schedule_tx_hash   TEXT;
ALTER TABLE proposal ADD COLUMN cancelled_at       TIMESTAMPTZ;

-- Votes carry the voter's nonce (signed with them): a vote replaces the counted one only with a greater nonce.
-- NULL for votes stored before, which were signed without one.
ALTER TABLE vote ADD COLUMN nonce NUMERIC(78);
