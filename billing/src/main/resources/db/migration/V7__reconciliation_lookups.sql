-- Anti-entropy (POST /api/v1/usage/tree-nodes) reads, per lease, the receipts billing holds without having rated
-- them: those waiting for their witness and those quarantined after their provider's attestation was verified.
CREATE INDEX awaiting_witness_lease ON awaiting_witness (lease_id);
CREATE INDEX quarantine_lease ON quarantine (lease_id) WHERE lease_id IS NOT NULL;
