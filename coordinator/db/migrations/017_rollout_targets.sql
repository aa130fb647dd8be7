-- The targets a rollout may have (docs/rollouts.md, ADR 0038): a manifest every member gets, a
-- security patch each member gets applied to its own current manifest, or constraints compiled
-- per member against its own pins and quarantine. Exactly one. Patch rollouts do not claim their
-- instances (rollout_members.active stays false): a critical patch does not wait for a deploy
-- rollout to end.

ALTER TABLE rollouts ALTER COLUMN manifest_id DROP NOT NULL;
ALTER TABLE rollouts ADD COLUMN patch_id TEXT REFERENCES security_patches (id);
ALTER TABLE rollouts ADD COLUMN enforced BOOLEAN NOT NULL DEFAULT FALSE;  -- made by enforcement
ALTER TABLE rollouts ADD COLUMN constraints JSONB;  -- domain::CompileTargetToJson
ALTER TABLE rollouts ADD CONSTRAINT rollouts_one_target
    CHECK (num_nonnulls(manifest_id, patch_id, constraints) = 1);
-- One unfinished rollout per patch.
CREATE UNIQUE INDEX rollouts_one_per_patch ON rollouts (patch_id)
    WHERE patch_id IS NOT NULL AND state IN ('running', 'paused', 'reverting');
