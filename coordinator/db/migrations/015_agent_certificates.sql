-- Agent identity by certificate (issue 13, item 2; ADR 0034). Every client certificate the agent
-- CA issues is recorded here by serial, so that a Hello can be refused for a certificate that TLS
-- would still accept: revoked (decommission, or superseded once the agent used a newer one) or
-- never issued by this fleet's coordinators.
CREATE TABLE agent_certificates (
    serial          TEXT PRIMARY KEY,  -- lower-case hex, as OpenSSL prints it
    instance_id     TEXT NOT NULL REFERENCES instances (id),
    issued_at       TIMESTAMPTZ NOT NULL,
    not_after       TIMESTAMPTZ NOT NULL,
    revoked_at      TIMESTAMPTZ,
    revoked_reason  TEXT,
    CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
CREATE INDEX agent_certificates_by_instance ON agent_certificates (instance_id, issued_at);
