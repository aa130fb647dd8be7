-- Anti-rollback floors (ADR 0022): per component, the highest floor the publisher signed. Only
-- ever raised (the coordinator refuses a floor that is not above the current one); the history is
-- in the audit log ("floor.raise", with the previous min_version). The statement is stored
-- verbatim and forwarded to every agent, which verifies it with its own keys.
CREATE TABLE release_floors (
    component_type  TEXT NOT NULL CHECK (component_type IN ('platform', 'suite', 'capability')),
    component_name  TEXT NOT NULL,
    min_version     TEXT NOT NULL,
    reason          TEXT NOT NULL,
    key_id          TEXT NOT NULL,
    statement       TEXT NOT NULL,
    signature       TEXT NOT NULL,              -- base64
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (component_type, component_name)
);
