-- Fleet rollouts (docs/rollouts.md, ADR 0035): one change to many instances in phases. A member's
-- deployment is an ordinary deployment linked to its rollout; the member's status is derived from
-- that deployment's (pg/rollout_repository.cpp), never stored twice.

CREATE TABLE rollouts (
    id                 TEXT PRIMARY KEY,                 -- "rollout-<uuid>"
    state              TEXT NOT NULL CHECK (state IN ('running', 'paused', 'succeeded', 'aborted',
                                                      'reverting', 'reverted')),
    manifest_id        TEXT NOT NULL REFERENCES manifests (id),
    selector           TEXT NOT NULL DEFAULT '',         -- canonical form (domain/selector.hpp)
    instance_ids       JSONB NOT NULL DEFAULT '[]'::jsonb,  -- explicit members besides the selector
    strategy           JSONB NOT NULL,
    reason             TEXT NOT NULL DEFAULT '',
    current_phase      INTEGER NOT NULL DEFAULT 0 CHECK (current_phase >= 0),
    phase_started_at   TIMESTAMPTZ NOT NULL,
    phase_finished_at  TIMESTAMPTZ,                      -- the current phase's, once it finished
    state_reason       TEXT NOT NULL DEFAULT '',         -- why it paused, reverted, finished
    created_by         TEXT NOT NULL,
    created_role       TEXT NOT NULL,                    -- the creator's role, for the members
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    finished_at        TIMESTAMPTZ
);
CREATE INDEX rollouts_listing ON rollouts (created_at, id);
CREATE INDEX rollouts_active ON rollouts (state) WHERE state IN ('running', 'reverting');

CREATE TABLE rollout_members (
    rollout_id            TEXT NOT NULL REFERENCES rollouts (id) ON DELETE CASCADE,
    instance_id           TEXT NOT NULL REFERENCES instances (id),
    phase                 INTEGER NOT NULL CHECK (phase >= 0),
    position              INTEGER NOT NULL,              -- start order within the rollout
    state                 TEXT NOT NULL DEFAULT 'pending'
                          CHECK (state IN ('pending', 'started', 'skipped', 'cancelled')),
    skip_reason           TEXT,
    previous_manifest_id  TEXT REFERENCES manifests (id), -- what it ran when the rollout began
    deployment_id         TEXT REFERENCES deployments (id),
    revert_deployment_id  TEXT REFERENCES deployments (id),
    revert_error          TEXT,
    -- True while the rollout is not finished: an instance is in at most one active rollout.
    active                BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (rollout_id, instance_id)
);
CREATE UNIQUE INDEX rollout_members_position ON rollout_members (rollout_id, position);
CREATE UNIQUE INDEX rollout_members_one_active ON rollout_members (instance_id) WHERE active;
CREATE INDEX rollout_members_deployment ON rollout_members (deployment_id);

CREATE TABLE rollout_events (
    id          BIGSERIAL PRIMARY KEY,
    rollout_id  TEXT NOT NULL REFERENCES rollouts (id) ON DELETE CASCADE,
    at          TIMESTAMPTZ NOT NULL,
    state       TEXT NOT NULL,                           -- the state after the event
    phase       INTEGER NOT NULL,
    message     TEXT NOT NULL
);
CREATE INDEX rollout_events_rollout ON rollout_events (rollout_id, id);

ALTER TABLE deployments ADD COLUMN rollout_id TEXT REFERENCES rollouts (id);
CREATE INDEX deployments_rollout ON deployments (rollout_id) WHERE rollout_id IS NOT NULL;
