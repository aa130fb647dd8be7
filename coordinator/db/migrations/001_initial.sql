-- Initial schema. Migrations are numbered, applied in order under an advisory lock, each in its
-- own transaction, and recorded in schema_migrations. Never edit an applied migration: add one.

CREATE TABLE api_tokens (
    id          TEXT PRIMARY KEY,                 -- "token-<uuid>"
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'approver', 'admin')),
    token_hash  TEXT NOT NULL UNIQUE,             -- hex SHA-256 of the secret; the secret is never stored
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
);

CREATE TABLE audit_log (
    seq          BIGSERIAL PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL,
    actor        TEXT NOT NULL,                   -- token name ("token:<name>") or "agent:<instance>" or "system"
    action       TEXT NOT NULL,                   -- e.g. "deployment.create"
    target_type  TEXT NOT NULL,
    target_id    TEXT NOT NULL,
    instance_id  TEXT,
    decision     TEXT NOT NULL,                   -- allowed | refused | deferred | recorded
    reason       TEXT NOT NULL DEFAULT '',
    details      JSONB NOT NULL DEFAULT '{}'::jsonb,
    prev_hash    TEXT NOT NULL,                   -- hash of the previous entry ("" for the first)
    hash         TEXT NOT NULL                    -- SHA-256 over prev_hash and this entry's fields
);
CREATE INDEX audit_log_instance ON audit_log (instance_id, seq);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);

CREATE TABLE artifacts (
    sha256      TEXT PRIMARY KEY,
    size        BIGINT NOT NULL CHECK (size >= 0),
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE releases (
    id                 TEXT PRIMARY KEY,          -- "release-<uuid>"
    component_type     TEXT NOT NULL CHECK (component_type IN ('platform', 'suite', 'capability')),
    component_name     TEXT NOT NULL,
    version            TEXT NOT NULL,
    release_date       TIMESTAMPTZ NOT NULL,
    is_stable          BOOLEAN NOT NULL,
    is_security_patch  BOOLEAN NOT NULL,
    changelog          TEXT NOT NULL DEFAULT '',
    dependencies       JSONB NOT NULL DEFAULT '{}'::jsonb,   -- {"<type>:<name>": "<range>"}
    metadata           JSONB NOT NULL DEFAULT '{}'::jsonb,
    artifact_sha256    TEXT REFERENCES artifacts (sha256),
    created_at         TIMESTAMPTZ NOT NULL,
    UNIQUE (component_type, component_name, version)
);

CREATE TABLE instances (
    id                       TEXT PRIMARY KEY,    -- chosen by the operator
    labels                   JSONB NOT NULL DEFAULT '{}'::jsonb,
    enrollment_token_hash    TEXT,                -- NULL once used
    enrollment_expires_at    TIMESTAMPTZ,
    credential_hash          TEXT,                -- NULL until enrolled
    connection_state         TEXT NOT NULL DEFAULT 'never_connected'
                             CHECK (connection_state IN ('never_connected', 'connected', 'disconnected')),
    connected_session        TEXT,
    last_seen_at             TIMESTAMPTZ,
    agent_version            TEXT NOT NULL DEFAULT '',
    inventory                JSONB NOT NULL DEFAULT '[]'::jsonb,  -- [{"type","name","version"}]
    current_manifest_id      TEXT,
    created_at               TIMESTAMPTZ NOT NULL,
    decommissioned_at        TIMESTAMPTZ
);

CREATE TABLE manifests (
    id                TEXT PRIMARY KEY,
    instance_id       TEXT REFERENCES instances (id),   -- NULL: usable by any instance
    platform_name     TEXT NOT NULL DEFAULT 'webwaka-platform',
    platform_version  TEXT NOT NULL,
    suites            JSONB NOT NULL DEFAULT '{}'::jsonb,
    capabilities      JSONB NOT NULL DEFAULT '{}'::jsonb,
    configuration     JSONB NOT NULL DEFAULT '{}'::jsonb,
    content_hash      TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX manifests_instance ON manifests (instance_id, created_at);
CREATE INDEX manifests_content ON manifests (content_hash);

ALTER TABLE instances ADD CONSTRAINT instances_current_manifest
    FOREIGN KEY (current_manifest_id) REFERENCES manifests (id);

CREATE TABLE deployments (
    id                    TEXT PRIMARY KEY,       -- "deploy-<uuid>"
    kind                  TEXT NOT NULL CHECK (kind IN ('deploy', 'patch', 'rollback')),
    status                TEXT NOT NULL CHECK (status IN ('pending', 'awaiting_approval', 'scheduled',
                              'queued', 'deploying', 'deployed', 'failed', 'rolled_back', 'rejected',
                              'expired', 'cancelled')),
    instance_id           TEXT NOT NULL REFERENCES instances (id),
    manifest_id           TEXT NOT NULL REFERENCES manifests (id),
    previous_manifest_id  TEXT REFERENCES manifests (id),
    requested_by          TEXT NOT NULL,
    reason                TEXT NOT NULL DEFAULT '',
    force                 BOOLEAN NOT NULL DEFAULT FALSE,
    skip_validation       BOOLEAN NOT NULL DEFAULT FALSE,
    plan                  JSONB NOT NULL DEFAULT '[]'::jsonb,  -- [{"type","name","from_version","to_version","artifact_sha256","size"}]
    error_message         TEXT,
    created_at            TIMESTAMPTZ NOT NULL,
    started_at            TIMESTAMPTZ,
    completed_at          TIMESTAMPTZ,
    updated_at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX deployments_instance ON deployments (instance_id, created_at);
CREATE INDEX deployments_status ON deployments (status, created_at);
-- At most one deployment per instance is on the agent at a time.
CREATE UNIQUE INDEX deployments_one_in_flight ON deployments (instance_id) WHERE status = 'deploying';

CREATE TABLE deployment_events (
    id             BIGSERIAL PRIMARY KEY,
    deployment_id  TEXT NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    at             TIMESTAMPTZ NOT NULL,
    status         TEXT NOT NULL,      -- the status after the event
    step           TEXT NOT NULL DEFAULT '',   -- agent step for progress events
    message        TEXT NOT NULL
);
CREATE INDEX deployment_events_deployment ON deployment_events (deployment_id, id);
