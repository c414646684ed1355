-- Who pays for each replica: the owner of the pin that asked for it (the storage lease's owner at the marketplace;
-- the gateway only brokers the lease). Replicas are kept per (cid, payer): two accounts pinning one CID with
-- replication each pay for their own copies. Rows from before this have none (NULL): the gateway bought and paid for
-- them. They are audited as before, never witnessed for billing, and count as copies of their DAG only until the
-- DAG's paid replicas are in place (the next audit round or pin of the CID stores them); then their blocks are
-- deleted and their leases closed ('replaced-by-paid-copy'). New rows always name a payer.
ALTER TABLE replicas ADD COLUMN payer VARCHAR(42);

-- The end of the last storage period witnessed for the replica's lease (protocol's StoragePeriods): periods are
-- witnessed, once each, after an audit the replica passed, from the period containing the replica's creation (NULL:
-- none witnessed yet) to the last one ended before that audit.
ALTER TABLE replicas ADD COLUMN witnessed_until TIMESTAMPTZ;

CREATE INDEX replicas_by_cid_payer ON replicas (cid, payer, state);
