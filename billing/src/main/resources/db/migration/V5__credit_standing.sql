-- Credit counts everything the escrow holds against the developer (domain.Credit): why a developer is paused
-- ('not-authorized', 'below-floor'; NULL when not) and the spendable credit at the decision (negative when they owe
-- more than the escrow covers).
ALTER TABLE credit ADD COLUMN reason text, ADD COLUMN spendable numeric(80);
