-- The nonces of sign-in messages already exchanged for a token (SignInService): the first insert of a nonce wins,
-- so a signed message gives one token across every replica sharing this database. A row is needed only until its
-- message expires (an expired message is refused before its nonce is looked at); sign-ins delete such rows as they go.
CREATE TABLE sign_in_nonces (
    nonce      TEXT        PRIMARY KEY,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sign_in_nonces_expires_at ON sign_in_nonces (expires_at);
