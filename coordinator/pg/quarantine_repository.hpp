#pragma once

#include "coordinator/pg/audit_key.hpp"
#include "coordinator/ports/quarantine_repository.hpp"
#include "shared/core/clock.hpp"

namespace waka::coordinator::db {
class Database;
}

namespace pqxx {
class transaction_base;
}  // namespace pqxx

namespace waka::coordinator::pg {

// Every method is one transaction on the database pool (safe from any executor; resumes on the
// caller's); the contracts are those of the port.
class PgQuarantineRepository final : public ports::QuarantineRepository {
public:
    PgQuarantineRepository(db::Database& database, const Clock& clock, const AuditKey& audit_key);

    boost::asio::awaitable<Expected<void>> Add(std::string instance_id,
                                               std::vector<domain::InstalledComponent> versions,
                                               std::string deployment_id,
                                               std::string reason) override;
    boost::asio::awaitable<Expected<std::vector<domain::Quarantine>>> List(
        std::string instance_id, bool include_cleared) override;
    boost::asio::awaitable<Expected<std::map<std::string, std::vector<std::string>>>> Active(
        std::string instance_id) override;
    boost::asio::awaitable<Expected<domain::Quarantine>> Clear(const domain::Principal& by,
                                                               std::string instance_id,
                                                               std::string id,
                                                               std::string reason) override;

private:
    db::Database& database_;
    const Clock& clock_;
    const AuditKey& audit_key_;  // seals the entries appended (ADR 0028)
};

// Quarantines `versions` on the instance (an active entry per version at most) with its audit
// entry, inside the caller's transaction: a finished deployment records what it removed in the
// same commit as its outcome, so nobody sees the outcome without the quarantine.
[[nodiscard]] Expected<void> InsertQuarantines(
    pqxx::transaction_base& tx, const AuditKey& audit_key, const std::string& instance_id,
    const std::vector<domain::InstalledComponent>& versions, const std::string& deployment_id,
    const std::string& reason, TimePoint now);

}  // namespace waka::coordinator::pg
