-- Storage leases are rated too: their held storage, one receipt per lease and storage period (protocol's
-- StoragePeriods), at the provider's GiB-month price. Leases recorded before stay compute leases.
ALTER TABLE leases ADD COLUMN kind varchar(8) NOT NULL DEFAULT 'COMPUTE', ADD COLUMN storage_gib bigint,
    ADD COLUMN per_gib_month numeric(78) NOT NULL DEFAULT 0;
