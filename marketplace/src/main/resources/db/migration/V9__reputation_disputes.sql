-- Disputes over a provider's charges that billing decided (DisputeDecided on billing.disputes.v1), per provider and
-- UTC hour of the decision: upheld ones count against the provider, rejected ones for it. Plain counts, summed with
-- SUM and added in place like the other counts (add_counts/sum_counts add the histograms' bucket arrays only).
ALTER TABLE reputation_hours
    ADD COLUMN disputes_upheld   BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN disputes_rejected BIGINT NOT NULL DEFAULT 0;
