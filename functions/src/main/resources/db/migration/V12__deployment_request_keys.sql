-- A developer's Idempotency-Key on POST .../deployments, scoped to the developer, with a digest of the request it
-- came with: a retry with the key gets the deployment its first request made, never a second one.
ALTER TABLE bid_intents ADD COLUMN request_key TEXT;
ALTER TABLE bid_intents ADD COLUMN request_digest TEXT;
CREATE UNIQUE INDEX bid_intents_request_key ON bid_intents (owner, request_key) WHERE request_key IS NOT NULL;
