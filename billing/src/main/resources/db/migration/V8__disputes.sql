-- Disputes over charges: one per rated receipt at most, decided from the gateway's signed witness, the receipt, its
-- grant and the lease (protocol's DisputeRules). An upheld one is a credit the pair's next voucher deducts.
CREATE TABLE disputes (
    dispute_id       uuid PRIMARY KEY,
    invocation_id    uuid        NOT NULL UNIQUE,
    consumer_address text        NOT NULL,
    provider_address text        NOT NULL,
    lease_id         uuid        NOT NULL,
    charge           numeric(78) NOT NULL,
    state            text        NOT NULL CHECK (state IN ('OPEN', 'UPHELD', 'REJECTED')),
    opened_at        timestamptz NOT NULL,
    answer_by        timestamptz NOT NULL,
    -- the DisputeView.Evidence the decision reads (JSON), the provider's ProviderAnswer (JSON) once given
    evidence         text        NOT NULL,
    answer           text,
    rule             text,
    reason           text,
    decided_at       timestamptz,
    -- an upheld dispute's voucher-tree leaf (protocol's DisputeCredit) and the voucher that deducted it
    credit_leaf      text,
    credit_seq       integer
);
CREATE INDEX disputes_due ON disputes (answer_by) WHERE state = 'OPEN';
CREATE INDEX disputes_consumer ON disputes (consumer_address, opened_at);
CREATE INDEX disputes_provider ON disputes (provider_address, opened_at);
CREATE INDEX disputes_pair_credits ON disputes (consumer_address, provider_address, credit_seq) WHERE state = 'UPHELD';

-- Upheld disputes' credits per pair: a voucher pays rated - credited.
ALTER TABLE pairs ADD COLUMN credited numeric(78) NOT NULL DEFAULT 0;
