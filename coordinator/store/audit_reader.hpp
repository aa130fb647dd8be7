#pragma once

#include <boost/asio/awaitable.hpp>
#include <vector>

#include "coordinator/store/audit_store.hpp"
#include "shared/core/error.hpp"

namespace waka::coordinator::db {
class Database;
}

// Async, pool-backed reads of the audit log for the API (ListAudit / VerifyAudit each in their
// own read-only transaction), plus the health probe.
namespace waka::coordinator::store {

class AuditReader {
public:
    explicit AuditReader(db::Database& database);

    boost::asio::awaitable<Expected<std::vector<AuditEntry>>> List(AuditFilter filter);
    boost::asio::awaitable<Expected<AuditVerification>> Verify();

private:
    db::Database& database_;
};

// Runs "SELECT 1" on the pool: the database answers queries.
boost::asio::awaitable<Expected<void>> PingDatabase(db::Database& database);

}  // namespace waka::coordinator::store
