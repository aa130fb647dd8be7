-- The audit log is append-only (issue 13, item 7): an UPDATE, DELETE or TRUNCATE on it fails,
-- whoever the session's role is. A superuser can still bypass triggers on purpose
-- (session_replication_role = replica); the hash chain (VerifyAudit) is what then shows the
-- change. Entries are only ever added by AppendAudit.
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
