#pragma once

#include "coordinator/pg/audit_key.hpp"
#include "coordinator/ports/policy_repository.hpp"
#include "shared/core/clock.hpp"

namespace waka::coordinator::db {
class Database;
}

namespace waka::coordinator::pg {

// Every method is one transaction on the database pool (safe from any executor; resumes on the
// caller's); the contracts are those of the port.
class PgPolicyRepository final : public ports::PolicyRepository {
public:
    PgPolicyRepository(db::Database& database, const Clock& clock, const AuditKey& audit_key);

    boost::asio::awaitable<Expected<domain::PolicyRecord>> Create(
        const domain::Principal& by, domain::PolicyRecord record) override;
    boost::asio::awaitable<Expected<domain::PolicyRecord>> Get(std::string id) override;
    boost::asio::awaitable<Expected<std::vector<domain::PolicyRecord>>> List(
        std::string instance_id) override;
    boost::asio::awaitable<Expected<std::optional<domain::PolicyRecord>>> Active(
        std::string instance_id) override;
    boost::asio::awaitable<Expected<domain::PolicyRecord>> Update(
        const domain::Principal& by, domain::PolicyRecord record) override;
    boost::asio::awaitable<Expected<domain::PolicyRecord>> Delete(const domain::Principal& by,
                                                                  std::string id) override;

private:
    db::Database& database_;
    const Clock& clock_;
    const AuditKey& audit_key_;  // seals the entries appended (ADR 0028)
};

}  // namespace waka::coordinator::pg
