#include "coordinator/pg/audit_log.hpp"

#include <pqxx/pqxx>

#include "coordinator/db/database.hpp"
#include "coordinator/pg/audit_chain.hpp"

namespace waka::coordinator::pg {

PgAuditLog::PgAuditLog(db::Database& database, const Clock& clock, const AuditKey& audit_key)
    : database_(database), clock_(clock), audit_key_(audit_key) {}

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
            return VerifyAudit(tx, audit_key_);
        });
}

boost::asio::awaitable<Expected<ports::AuditExportPage>> PgAuditLog::Export(std::int64_t after_seq,
                                                                            std::size_t limit) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<ports::AuditExportPage> {
        // One snapshot: the chain head answered is the head of the log the page was read from.
        pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(c);
        return ExportAudit(tx, after_seq, limit);
    });
}

boost::asio::awaitable<Expected<void>> PgAuditLog::CheckKey() {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<void> {
        pqxx::read_transaction tx(c);
        return CheckAuditKey(tx, audit_key_);
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
        if (auto entry = AppendAudit(tx, audit_key_, audit, now); !entry) {
            return entry.error();
        }
        tx.commit();
        return {};
    });
}

}  // namespace waka::coordinator::pg
