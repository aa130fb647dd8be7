-- Update-channel policies (DESIGN §3, §4.1) and approval decisions on deployments.

-- One row per policy version. The active policy of an instance is the one with superseded_at
-- NULL (at most one, enforced below); creating a new one supersedes it, deleting one supersedes
-- it without a successor. Superseded rows stay for history.
CREATE TABLE policies (
    id                      TEXT PRIMARY KEY,      -- "policy-<uuid>"
    instance_id             TEXT NOT NULL REFERENCES instances (id),
    policy_type             TEXT NOT NULL CHECK (policy_type IN ('auto_update', 'manual_approval', 'frozen')),
    enabled                 BOOLEAN NOT NULL DEFAULT TRUE,
    description             TEXT NOT NULL DEFAULT '',
    maintenance_windows     JSONB NOT NULL DEFAULT '[]'::jsonb,
    approval                JSONB NOT NULL
                            DEFAULT '{"required_approvals": 1, "approver_roles": ["approver", "admin"], "timeout_hours": 72}'::jsonb,
    allow_security_patches  BOOLEAN NOT NULL DEFAULT TRUE,
    created_by              TEXT NOT NULL,
    created_at              TIMESTAMPTZ NOT NULL,
    updated_at              TIMESTAMPTZ NOT NULL,
    superseded_at           TIMESTAMPTZ
);
CREATE UNIQUE INDEX policies_one_active_per_instance ON policies (instance_id)
    WHERE superseded_at IS NULL;
CREATE INDEX policies_by_instance ON policies (instance_id, created_at);

-- One decision per approver per deployment.
CREATE TABLE approvals (
    id             BIGSERIAL PRIMARY KEY,
    deployment_id  TEXT NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    approver       TEXT NOT NULL,                  -- the actor ("token:<name>")
    decision       TEXT NOT NULL CHECK (decision IN ('approve', 'reject')),
    comment        TEXT NOT NULL DEFAULT '',
    at             TIMESTAMPTZ NOT NULL,
    UNIQUE (deployment_id, approver)
);
