#include "coordinator/store/audit_reader.hpp"

#include <pqxx/pqxx>

#include "coordinator/db/database.hpp"

namespace waka::coordinator::store {

AuditReader::AuditReader(db::Database& database) : database_(database) {}

boost::asio::awaitable<Expected<std::vector<AuditEntry>>> AuditReader::List(AuditFilter filter) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<std::vector<AuditEntry>> {
        pqxx::read_transaction tx(c);
        return ListAudit(tx, filter);
    });
}

boost::asio::awaitable<Expected<AuditVerification>> AuditReader::Verify() {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<AuditVerification> {
        // Repeatable read: the whole chain is checked in one snapshot while appends go on.
        pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(c);
        return VerifyAudit(tx);
    });
}

boost::asio::awaitable<Expected<void>> PingDatabase(db::Database& database) {
    co_return co_await database.Run([](pqxx::connection& c) -> Expected<void> {
        pqxx::nontransaction tx(c);
        tx.exec("SELECT 1");
        return {};
    });
}

}  // namespace waka::coordinator::store
