-- Rollouts of a security patch (docs/rollouts.md, ADR 0038). A member of such a rollout gets the
-- patch applied to its own current manifest when it starts, so a rollout names a manifest or a
-- patch, never both. Patch rollouts do not claim their instances (rollout_members.active stays
-- false): a critical patch does not wait for a deploy rollout to end.

ALTER TABLE rollouts ALTER COLUMN manifest_id DROP NOT NULL;
ALTER TABLE rollouts ADD COLUMN patch_id TEXT REFERENCES security_patches (id);
ALTER TABLE rollouts ADD COLUMN enforced BOOLEAN NOT NULL DEFAULT FALSE;  -- made by enforcement
ALTER TABLE rollouts ADD CONSTRAINT rollouts_one_target
    CHECK ((manifest_id IS NULL) <> (patch_id IS NULL));
-- One unfinished rollout per patch.
CREATE UNIQUE INDEX rollouts_one_per_patch ON rollouts (patch_id)
    WHERE patch_id IS NOT NULL AND state IN ('running', 'paused', 'reverting');
