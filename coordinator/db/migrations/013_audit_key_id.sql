-- Audit entries sealed with a key kept outside the database (issue 13, item 7; ADR 0028): key_id
-- names the audit key whose HMAC-SHA256 is in hash. '' (every entry written before this migration,
-- and entries written while no audit.key_file is set) means hash is the unkeyed SHA-256 of v1.
-- Adding a column with a constant default rewrites no row, so the append-only trigger of 011 is not
-- involved and every existing hash stays as it was.
ALTER TABLE audit_log ADD COLUMN key_id TEXT NOT NULL DEFAULT '';
