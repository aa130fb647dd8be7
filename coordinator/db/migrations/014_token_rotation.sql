-- API tokens can be rotated (issue 13, item 6; ADR 0029): a new secret for the same token (same
-- id, name, role). The secret rotated away may keep authenticating for a short overlap, so that a
-- running script can switch over: its hash and the end of that overlap are kept here. Only one
-- previous secret is kept; a second rotation ends the first one's overlap at once.
ALTER TABLE api_tokens
    ADD COLUMN previous_token_hash TEXT UNIQUE,
    ADD COLUMN previous_valid_until TIMESTAMPTZ,
    ADD COLUMN rotated_at TIMESTAMPTZ,
    ADD CONSTRAINT api_tokens_previous_pair
        CHECK ((previous_token_hash IS NULL) = (previous_valid_until IS NULL));
