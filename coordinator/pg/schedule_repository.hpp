#pragma once

#include "coordinator/pg/audit_key.hpp"
#include "coordinator/ports/schedule_repository.hpp"
#include "shared/core/clock.hpp"

namespace waka::coordinator::db {
class Database;
}

namespace waka::coordinator::pg {

// Every method is one transaction on the database pool (safe from any executor; resumes on the
// caller's); the contracts are those of the port.
class PgScheduleRepository final : public ports::ScheduleRepository {
public:
    PgScheduleRepository(db::Database& database, const Clock& clock, const AuditKey& audit_key);

    boost::asio::awaitable<Expected<std::vector<ports::WaitingDeployment>>> Waiting(
        std::size_t limit) override;
    boost::asio::awaitable<Expected<bool>> Move(const std::string& id,
                                                domain::DeploymentStatus from,
                                                domain::StatusEvent event,
                                                const std::string& reason) override;
    boost::asio::awaitable<Expected<std::vector<std::string>>> ExpireApprovals() override;
    boost::asio::awaitable<Expected<long long>> CatalogVersion() override;
    boost::asio::awaitable<Expected<std::vector<ports::UpdatableInstance>>> UpdatableInstances()
        override;
    boost::asio::awaitable<Expected<std::vector<std::string>>> InstancesWithQueuedWork() override;

private:
    db::Database& database_;
    const Clock& clock_;
    const AuditKey& audit_key_;  // seals the entries appended (ADR 0028)
};

}  // namespace waka::coordinator::pg
