#include "coordinator/pg/audit_log.hpp"

#include <pqxx/pqxx>

#include "coordinator/db/database.hpp"
#include "coordinator/pg/audit_chain.hpp"

namespace waka::coordinator::pg {

PgAuditLog::PgAuditLog(db::Database& database, const Clock& clock)
    : database_(database), clock_(clock) {}

boost::asio::awaitable<Expected<std::vector<domain::AuditEntry>>> PgAuditLog::List(
    ports::AuditFilter filter) {
    co_return co_await database_.Run(
        [&](pqxx::connection& c) -> Expected<std::vector<domain::AuditEntry>> {
            pqxx::read_transaction tx(c);
            return ListAudit(tx, filter);
        });
}

boost::asio::awaitable<Expected<ports::AuditVerification>> PgAuditLog::Verify() {
    co_return co_await database_.Run(
        [&](pqxx::connection& c) -> Expected<ports::AuditVerification> {
            // Repeatable read: the whole chain is checked in one snapshot while appends go on.
            pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(c);
            return VerifyAudit(tx);
        });
}

PgDatabaseHealth::PgDatabaseHealth(db::Database& database) : database_(database) {}

std::size_t PgDatabaseHealth::PoolSize() const { return database_.PoolSize(); }

std::size_t PgDatabaseHealth::InUse() const { return database_.InUse(); }

boost::asio::awaitable<Expected<void>> PgDatabaseHealth::Ping() {
    co_return co_await database_.Run([](pqxx::connection& c) -> Expected<void> {
        pqxx::nontransaction tx(c);
        tx.exec("SELECT 1");
        return {};
    });
}

boost::asio::awaitable<Expected<void>> PgAuditLog::Record(const domain::AuditDraft& audit) {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        if (auto entry = AppendAudit(tx, audit, now); !entry) {
            return entry.error();
        }
        tx.commit();
        return {};
    });
}

}  // namespace waka::coordinator::pg
