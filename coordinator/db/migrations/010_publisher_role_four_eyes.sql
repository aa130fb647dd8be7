-- Who may decide what (ADR 0023): the publisher role, and four-eyes that the requester cannot
-- switch off.

-- The publisher registers releases, uploads artifacts, registers patches and raises floors; it
-- does not deploy. The constraint of 001 is named by PostgreSQL's default.
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_role_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_role_check
    CHECK (role IN ('viewer', 'operator', 'approver', 'admin', 'publisher'));

-- An approver is an identity, and the identity is the token's name ("token:<name>"): two active
-- tokens of one name would be one approver with two secrets. A name already held by several
-- active tokens stops this migration with the names to revoke first, rather than revoking
-- anyone's token here.
DO $$
DECLARE
    duplicated TEXT;
BEGIN
    SELECT string_agg(name, ', ' ORDER BY name) INTO duplicated FROM (
        SELECT name FROM api_tokens WHERE revoked_at IS NULL GROUP BY name HAVING count(*) > 1
    ) AS d;
    IF duplicated IS NOT NULL THEN
        RAISE EXCEPTION 'several active API tokens share a name (%): revoke all but one of each '
                        'and restart', duplicated;
    END IF;
END $$;
CREATE UNIQUE INDEX api_tokens_one_active_name ON api_tokens (name) WHERE revoked_at IS NULL;

-- The approval rule in force when a deployment was created, kept with it; its approvals are
-- judged by this copy. NULL: the deployment never needed approval.
ALTER TABLE deployments ADD COLUMN approval_rule JSONB;

-- Only approver and admin may approve. Policies that named other roles keep the approver roles
-- among them, or the default ["approver", "admin"] when none is left.
UPDATE policies SET approval = jsonb_set(approval, '{approver_roles}', COALESCE(
    (SELECT jsonb_agg(r) FROM jsonb_array_elements_text(approval->'approver_roles') AS r
     WHERE r IN ('approver', 'admin')),
    '["approver", "admin"]'::jsonb))
WHERE EXISTS (SELECT 1 FROM jsonb_array_elements_text(approval->'approver_roles') AS r
              WHERE r NOT IN ('approver', 'admin'));

-- Deployments already awaiting approval keep the rule of the policy in force now (the default
-- when the instance has no enabled policy).
UPDATE deployments d SET approval_rule = COALESCE(
    (SELECT p.approval FROM policies p WHERE p.instance_id = d.instance_id
     AND p.superseded_at IS NULL AND p.enabled),
    '{"required_approvals": 1, "approver_roles": ["approver", "admin"], "timeout_hours": 72}'::jsonb)
WHERE d.status = 'awaiting_approval';
