-- Reputation from witnessed facts: per provider and UTC hour, the evidence summed (calls gateways saw, storage audits,
-- time without heartbeats beyond the timeout, leases ended by reason). A window's figures are the sums of its hours.
CREATE FUNCTION add_counts(a BIGINT[], b BIGINT[]) RETURNS BIGINT[] LANGUAGE sql IMMUTABLE AS $$
    SELECT COALESCE(array_agg(COALESCE(x, 0) + COALESCE(y, 0) ORDER BY i), '{}')
    FROM unnest(a, b) WITH ORDINALITY AS t(x, y, i)
$$;
CREATE AGGREGATE sum_counts(BIGINT[]) (SFUNC = add_counts, STYPE = BIGINT[], INITCOND = '{}');

CREATE TABLE reputation_hours (
    provider            TEXT        NOT NULL,
    hour                TIMESTAMPTZ NOT NULL,
    calls               BIGINT      NOT NULL DEFAULT 0,
    answered            BIGINT      NOT NULL DEFAULT 0,
    function_failures   BIGINT      NOT NULL DEFAULT 0,
    agent_errors        BIGINT      NOT NULL DEFAULT 0,
    timeouts            BIGINT      NOT NULL DEFAULT 0,
    unreachable         BIGINT      NOT NULL DEFAULT 0,
    latency             BIGINT[]    NOT NULL DEFAULT '{}',
    overhead            BIGINT[]    NOT NULL DEFAULT '{}',
    cold_starts         BIGINT      NOT NULL DEFAULT 0,
    cold_start          BIGINT[]    NOT NULL DEFAULT '{}',
    audits_passed       BIGINT      NOT NULL DEFAULT 0,
    audits_failed       BIGINT      NOT NULL DEFAULT 0,
    down_millis         BIGINT      NOT NULL DEFAULT 0,
    leases_by_developer BIGINT      NOT NULL DEFAULT 0,
    leases_by_provider  BIGINT      NOT NULL DEFAULT 0,
    leases_audit_failed BIGINT      NOT NULL DEFAULT 0,
    leases_unreachable  BIGINT      NOT NULL DEFAULT 0,
    leases_other_broker BIGINT      NOT NULL DEFAULT 0,
    PRIMARY KEY (provider, hour)
);

-- every piece of evidence counted once: observation event ids, audit ids
CREATE TABLE reputation_evidence (
    id          TEXT        PRIMARY KEY,
    received_at TIMESTAMPTZ NOT NULL
);

-- the +1/-1 counter by who closed a lease gave way to the score computed from reputation_hours
ALTER TABLE providers DROP COLUMN reputation;

-- what a bid asks of a provider's reliability (null: nothing)
ALTER TABLE bids ADD COLUMN min_score INTEGER;
ALTER TABLE bids ADD COLUMN max_failure_rate DOUBLE PRECISION;
