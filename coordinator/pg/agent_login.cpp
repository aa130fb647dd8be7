// The agent side of PgInstanceRepository that decides a Hello: credential, enrollment token and
// client certificate (ADR 0034), each in one transaction.
#include "coordinator/pg/agent_login.hpp"

#include "coordinator/db/database.hpp"
#include "coordinator/pg/audit_chain.hpp"
#include "coordinator/pg/instance_repository.hpp"
#include "coordinator/pg/row_codec.hpp"
#include "shared/core/crypto.hpp"

namespace waka::coordinator::pg {
namespace {

// The secret check of the Hello: a credential, or a single-use enrollment token (cleared in the
// same transaction that stores the credential). nullopt: refused.
std::optional<ports::AgentAuth> CheckSecret(pqxx::work& tx, const ports::AgentLogin& login,
                                            TimePoint now) {
    auto rows = tx.exec_params(
        "SELECT credential_hash, enrollment_token_hash, decommissioned_at IS NOT NULL, "
        "enrollment_expires_at IS NOT NULL AND enrollment_expires_at < $2::timestamptz "
        "FROM instances WHERE id = $1 FOR UPDATE",
        login.instance_id, FormatRfc3339(now));
    if (rows.empty() || rows[0][2].as<bool>()) {
        return std::nullopt;
    }
    const auto credential = OptionalText(rows[0][0]);
    if (credential && ConstantTimeEquals(*credential, login.secret_hash)) {
        return ports::AgentAuth::kCredential;
    }
    const auto enrollment = OptionalText(rows[0][1]);
    const bool expired = rows[0][3].as<bool>();
    if (!enrollment || expired || !ConstantTimeEquals(*enrollment, login.secret_hash)) {
        return std::nullopt;
    }
    tx.exec_params(
        "UPDATE instances SET credential_hash = $2, enrollment_token_hash = NULL, "
        "enrollment_expires_at = NULL WHERE id = $1",
        login.instance_id, login.new_credential_hash);
    return ports::AgentAuth::kEnrolled;
}

// The presented certificate must be this instance's and not revoked; using it supersedes every
// older one (a stolen old key stops working once the agent has moved on).
bool AcceptPresented(pqxx::work& tx, const ports::AgentLogin& login, TimePoint now) {
    auto rows =
        tx.exec_params("SELECT revoked_at IS NULL, " + SqlMillis("issued_at") +
                           " FROM agent_certificates WHERE serial = $1 AND instance_id = $2",
                       *login.presented_serial, login.instance_id);
    if (rows.empty() || !rows[0][0].as<bool>()) {
        return false;
    }
    tx.exec_params(
        "UPDATE agent_certificates SET revoked_at = $3::timestamptz, revoked_reason = "
        "'superseded' WHERE instance_id = $1 AND revoked_at IS NULL AND serial <> $2 AND "
        "issued_at < (SELECT issued_at FROM agent_certificates WHERE serial = $2)",
        login.instance_id, *login.presented_serial, FormatRfc3339(now));
    return true;
}

void InsertCertificate(pqxx::work& tx, const std::string& instance_id,
                       const ports::AgentCertificateRecord& issued, TimePoint now) {
    tx.exec_params(
        "INSERT INTO agent_certificates (serial, instance_id, issued_at, not_after) "
        "VALUES ($1, $2, $3::timestamptz, $4::timestamptz)",
        issued.serial, instance_id, FormatRfc3339(now), FormatRfc3339(issued.not_after));
}

Expected<void> AuditAgent(pqxx::work& tx, const AuditKey& key, const std::string& id,
                          const char* action, std::string reason, TimePoint now) {
    domain::AuditDraft audit{"agent:" + id,     action, "instance", id, id, "allowed",
                             std::move(reason), "{}"};
    auto entry = AppendAudit(tx, key, audit, now);
    if (!entry) {
        return entry.error();
    }
    return {};
}

}  // namespace

void RevokeCertificates(pqxx::work& tx, const std::string& instance_id, TimePoint now,
                        const std::string& reason) {
    tx.exec_params(
        "UPDATE agent_certificates SET revoked_at = $2::timestamptz, revoked_reason = $3 "
        "WHERE instance_id = $1 AND revoked_at IS NULL",
        instance_id, FormatRfc3339(now), reason);
}

boost::asio::awaitable<Expected<ports::AgentAuth>> PgInstanceRepository::AuthenticateAgent(
    const ports::AgentLogin& login) {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<ports::AgentAuth> {
        pqxx::work tx(c);
        const auto auth = CheckSecret(tx, login, now);
        if (!auth) {
            return ports::AgentAuth::kRefused;
        }
        if (*auth == ports::AgentAuth::kCredential && login.credential_needs_certificate) {
            return ports::AgentAuth::kCertificateRequired;
        }
        if (login.presented_serial && !AcceptPresented(tx, login, now)) {
            return ports::AgentAuth::kCertificateRevoked;  // rolled back: the token stays unused
        }
        if (login.issued) {
            InsertCertificate(tx, login.instance_id, *login.issued, now);
        }
        if (login.issued && *auth == ports::AgentAuth::kCredential) {
            if (auto audited = AuditAgent(
                    tx, audit_key_, login.instance_id, "instance.certificate.issue",
                    "client certificate " + login.issued->serial + " issued for a credential", now);
                !audited) {
                return audited.error();
            }
        }
        if (*auth == ports::AgentAuth::kEnrolled) {
            std::string reason = "enrollment token exchanged for a credential";
            if (login.issued) {
                reason += " and client certificate " + login.issued->serial;
            }
            if (auto audited = AuditAgent(tx, audit_key_, login.instance_id, "instance.enroll",
                                          std::move(reason), now);
                !audited) {
                return audited.error();
            }
        }
        tx.commit();
        return *auth;
    });
}

boost::asio::awaitable<Expected<void>> PgInstanceRepository::RecordCertificate(
    const std::string& instance_id, const ports::AgentCertificateRecord& issued,
    TimePoint not_renewed_since) {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        auto active = tx.exec_params(
            "SELECT 1 FROM instances WHERE id = $1 AND decommissioned_at IS NULL FOR UPDATE",
            instance_id);
        if (active.empty()) {
            return MakeError(Errc::kNotFound, "Instance " + instance_id + " not found");
        }
        auto recent = tx.exec_params(
            "SELECT 1 FROM agent_certificates WHERE instance_id = $1 AND issued_at > "
            "$2::timestamptz LIMIT 1",
            instance_id, FormatRfc3339(not_renewed_since));
        if (!recent.empty()) {
            return MakeError(Errc::kConflict, "a certificate was issued to instance " +
                                                  instance_id + " moments ago; renew later");
        }
        InsertCertificate(tx, instance_id, issued, now);
        if (auto audited = AuditAgent(tx, audit_key_, instance_id, "instance.certificate.renew",
                                      "client certificate " + issued.serial + " issued", now);
            !audited) {
            return audited.error();
        }
        tx.commit();
        return {};
    });
}

}  // namespace waka::coordinator::pg
