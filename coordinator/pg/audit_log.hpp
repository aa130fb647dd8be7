#pragma once

#include "coordinator/ports/audit_log.hpp"
#include "coordinator/ports/database_health.hpp"
#include "shared/core/clock.hpp"

namespace waka::coordinator::db {
class Database;
}

namespace waka::coordinator::pg {

// Every method is one transaction on the database pool (safe from any executor; resumes on the
// caller's); the contracts are those of the port.
class PgAuditLog final : public ports::AuditLog {
public:
    PgAuditLog(db::Database& database, const Clock& clock);

    boost::asio::awaitable<Expected<void>> Record(const domain::AuditDraft& audit) override;
    boost::asio::awaitable<Expected<std::vector<domain::AuditEntry>>> List(
        ports::AuditFilter filter) override;
    boost::asio::awaitable<Expected<ports::AuditVerification>> Verify() override;

private:
    db::Database& database_;
    const Clock& clock_;
};

// Pings on the pool; pool figures from db::Database.
class PgDatabaseHealth final : public ports::DatabaseHealth {
public:
    explicit PgDatabaseHealth(db::Database& database);

    boost::asio::awaitable<Expected<void>> Ping() override;
    [[nodiscard]] std::size_t PoolSize() const override;
    [[nodiscard]] std::size_t InUse() const override;  // connections borrowed right now

private:
    db::Database& database_;
};

}  // namespace waka::coordinator::pg
