-- API tokens may expire (issue 13, item 6): a token past expires_at authenticates no more, like a
-- revoked one. NULL: no expiry (the bootstrap token, and every token made before this migration).
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMPTZ;
