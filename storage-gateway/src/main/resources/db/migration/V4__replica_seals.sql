-- Each replica's seal key: 32 random bytes (AES-256) the gateway generates when it records the replica. The
-- replica's blocks are stored on the provider encrypted under it (domain.replica.Seal) and audited over those
-- sealed bytes, which the provider cannot make from the public content. The key never leaves the gateway.
-- Rows from before sealing have none (NULL): their providers hold plain blocks. They are audited the old way until
-- the audit round's repair has stored a sealed copy in their place, then their blocks are deleted and their leases
-- closed ('replaced-by-sealed-copy'); new rows always carry a key.
ALTER TABLE replicas ADD COLUMN seal_key BYTEA CHECK (seal_key IS NULL OR octet_length(seal_key) = 32);
