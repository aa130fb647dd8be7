#pragma once

#include "coordinator/pg/audit_key.hpp"
#include "coordinator/ports/instance_repository.hpp"
#include "shared/core/clock.hpp"

namespace waka::coordinator::db {
class Database;
}

namespace waka::coordinator::pg {

// Every method is one transaction on the database pool (safe from any executor; resumes on the
// caller's); the contracts are those of the port.
class PgInstanceRepository final : public ports::InstanceRepository {
public:
    PgInstanceRepository(db::Database& database, const Clock& clock, const AuditKey& audit_key);

    boost::asio::awaitable<Expected<domain::Instance>> Create(const domain::Principal& by,
                                                              ports::NewInstance instance) override;
    boost::asio::awaitable<Expected<domain::Instance>> Get(std::string id) override;
    boost::asio::awaitable<Expected<std::vector<domain::Instance>>> List(
        ports::InstanceFilter filter) override;
    boost::asio::awaitable<Expected<domain::Instance>> Decommission(const domain::Principal& by,
                                                                    std::string id) override;
    boost::asio::awaitable<Expected<domain::Instance>> ReplaceLabels(
        const domain::Principal& by, std::string id,
        std::map<std::string, std::string> labels) override;
    // In agent_login.cpp, with the certificate checks.
    boost::asio::awaitable<Expected<ports::AgentAuth>> AuthenticateAgent(
        const ports::AgentLogin& login) override;
    boost::asio::awaitable<Expected<void>> RecordCertificate(
        const std::string& instance_id, const ports::AgentCertificateRecord& issued,
        TimePoint not_renewed_since) override;
    boost::asio::awaitable<Expected<bool>> CheckCredential(
        const std::string& instance_id, const std::string& credential_hash) override;
    boost::asio::awaitable<Expected<void>> RecordConnected(
        const std::string& instance_id, const std::string& session_id,
        const std::string& agent_version,
        const std::vector<domain::InstalledComponent>& inventory) override;
    boost::asio::awaitable<Expected<void>> RecordDisconnected(
        const std::string& instance_id, const std::string& session_id) override;
    boost::asio::awaitable<Expected<void>> RecordSeen(
        const std::vector<std::string>& instance_ids) override;
    boost::asio::awaitable<Expected<void>> RecordInventory(
        const std::string& instance_id,
        const std::vector<domain::InstalledComponent>& inventory) override;

private:
    db::Database& database_;
    const Clock& clock_;
    const AuditKey& audit_key_;  // seals the entries appended (ADR 0028)
};

}  // namespace waka::coordinator::pg
