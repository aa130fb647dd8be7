-- Version pins (DESIGN §3 "Pin", §4.2): per instance and component, an exact version or a range
-- that every resolution for the instance must satisfy.

-- One row per pin. The active pin of an instance's component is the one with removed_at NULL (at
-- most one, enforced below). A new pin on the same component replaces it: the old row gets
-- removed_at and superseded_by. DELETE sets removed_at without a successor. Rows stay for history.
-- An expired pin (expires_at <= now) stays active in this table but no longer applies: the
-- resolver drops it when it loads the instance's pins, comparing instants in UTC.
CREATE TABLE pins (
    id              TEXT PRIMARY KEY,              -- "pin-<uuid>"
    instance_id     TEXT NOT NULL REFERENCES instances (id),
    component_type  TEXT NOT NULL CHECK (component_type IN ('platform', 'suite', 'capability')),
    component_name  TEXT NOT NULL,
    pinned_version  TEXT NOT NULL,                 -- exact version or range, validated on the way in
    reason          TEXT NOT NULL DEFAULT '',
    expires_at      TIMESTAMPTZ,                   -- NULL: until removed
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    removed_at      TIMESTAMPTZ,
    removed_by      TEXT,
    superseded_by   TEXT REFERENCES pins (id)
);
CREATE UNIQUE INDEX pins_one_active_per_component ON pins (instance_id, component_type, component_name)
    WHERE removed_at IS NULL;
CREATE INDEX pins_by_instance ON pins (instance_id, created_at);
