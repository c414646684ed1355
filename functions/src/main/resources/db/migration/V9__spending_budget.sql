-- The spendable credit of billing's newest decision or review per developer (null: none known yet), and the shares
-- of it that gateway instances claimed to grant calls against (see SpendingBudget). A claim counts while a call it
-- granted may not be rated yet: until usable_until + the rating lag has passed billing's newest figure.
ALTER TABLE developer_credit ADD COLUMN spendable NUMERIC(78, 0);

CREATE TABLE spending_claims (
    id            BIGSERIAL PRIMARY KEY,
    address       TEXT          NOT NULL,
    amount        NUMERIC(78, 0) NOT NULL CHECK (amount >= 0),
    claimed_at    TIMESTAMPTZ   NOT NULL,
    usable_until  TIMESTAMPTZ   NOT NULL
);
CREATE INDEX spending_claims_by_address ON spending_claims (address, usable_until);
