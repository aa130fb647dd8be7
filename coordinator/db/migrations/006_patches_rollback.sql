-- Security patches (DESIGN §3), the deployments that apply them, and versions quarantined on an
-- instance after a rollback or a failed deployment (DESIGN §4.1).

-- The patch catalog. patched_version must be a registered release of the same component.
CREATE TABLE security_patches (
    id                 TEXT PRIMARY KEY,             -- patch_id, chosen by the publisher ("patch-001")
    cve_ids            JSONB NOT NULL DEFAULT '[]'::jsonb,
    component_type     TEXT NOT NULL CHECK (component_type IN ('platform', 'suite', 'capability')),
    component_name     TEXT NOT NULL,
    affected_versions  TEXT NOT NULL,                -- a SemVer range (npm syntax)
    patched_version    TEXT NOT NULL,
    severity           TEXT NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low')),
    description        TEXT NOT NULL DEFAULT '',
    release_date       TIMESTAMPTZ NOT NULL,
    metadata           JSONB NOT NULL DEFAULT '{}'::jsonb,
    created_by         TEXT NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (component_type, component_name, patched_version)
        REFERENCES releases (component_type, component_name, version)
);
CREATE INDEX security_patches_component ON security_patches (component_type, component_name);
CREATE INDEX security_patches_listing ON security_patches (release_date, id);

-- Which deployment (of kind patch) applies which patch to which instance.
CREATE TABLE patch_deployments (
    deployment_id  TEXT PRIMARY KEY REFERENCES deployments (id) ON DELETE CASCADE,
    patch_id       TEXT NOT NULL REFERENCES security_patches (id),
    instance_id    TEXT NOT NULL REFERENCES instances (id),
    enforced       BOOLEAN NOT NULL DEFAULT FALSE   -- made by enforcement, not asked by an operator
);
CREATE INDEX patch_deployments_patch ON patch_deployments (patch_id, instance_id);
CREATE INDEX patch_deployments_instance ON patch_deployments (instance_id, patch_id);

-- Versions that auto-update must not bring back to an instance until an operator clears them.
CREATE TABLE quarantines (
    id              TEXT PRIMARY KEY,                -- "quarantine-<uuid>"
    instance_id     TEXT NOT NULL REFERENCES instances (id),
    component_type  TEXT NOT NULL,
    component_name  TEXT NOT NULL,
    version         TEXT NOT NULL,
    deployment_id   TEXT REFERENCES deployments (id), -- the rollback or failed deployment that removed it
    reason          TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    cleared_at      TIMESTAMPTZ,
    cleared_by      TEXT,
    clear_reason    TEXT
);
CREATE UNIQUE INDEX quarantines_one_active
    ON quarantines (instance_id, component_type, component_name, version) WHERE cleared_at IS NULL;
