-- A storage gateway places storage bids for the accounts whose pins it replicates: the account pays (owner), the
-- gateway (broker) reads the bid, cancels it and closes its leases. NULL for a bid its owner placed.
ALTER TABLE bids ADD COLUMN broker TEXT;
ALTER TABLE leases ADD COLUMN broker TEXT;
