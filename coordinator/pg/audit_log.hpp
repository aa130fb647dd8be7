#pragma once

#include "coordinator/pg/audit_key.hpp"
#include "coordinator/ports/audit_log.hpp"
#include "coordinator/ports/database_health.hpp"
#include "shared/core/clock.hpp"

namespace waka::coordinator::db {
class Database;
}

namespace waka::coordinator::pg {

// Every method is one transaction on the database pool (safe from any executor; resumes on the
// caller's); the contracts are those of the port. Entries are sealed and verified with audit_key.
class PgAuditLog final : public ports::AuditLog {
public:
    PgAuditLog(db::Database& database, const Clock& clock, const AuditKey& audit_key);

    boost::asio::awaitable<Expected<void>> Record(const domain::AuditDraft& audit) override;
    boost::asio::awaitable<Expected<std::vector<domain::AuditEntry>>> List(
        ports::AuditFilter filter) override;
    boost::asio::awaitable<Expected<ports::AuditVerification>> Verify() override;
    boost::asio::awaitable<Expected<ports::AuditExportPage>> Export(std::int64_t after_seq,
                                                                    std::size_t limit) override;
    // CheckAuditKey (audit_chain.hpp) on the pool: for start-up.
    boost::asio::awaitable<Expected<void>> CheckKey();

private:
    db::Database& database_;
    const Clock& clock_;
    const AuditKey& audit_key_;  // seals the entries appended (ADR 0028)
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
