-- Signed release statements (ADR 0020). The publisher's statement is stored verbatim (the exact
-- bytes that were signed, canonical JSON) with its Ed25519 signature in base64, and forwarded to
-- the agents, which verify both against their own keys. NULL: a release uploaded unsigned (before
-- this migration, or with release.require_signed = false); such a release is not planned while
-- signatures are required.
ALTER TABLE releases
    ADD COLUMN release_statement TEXT,
    ADD COLUMN release_signature TEXT,
    ADD COLUMN release_key_id    TEXT,
    ADD CONSTRAINT releases_statement_signed
        CHECK ((release_statement IS NULL) = (release_signature IS NULL)
               AND (release_statement IS NULL) = (release_key_id IS NULL));
