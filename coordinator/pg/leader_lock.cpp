#include "coordinator/pg/leader_lock.hpp"

#include "coordinator/db/database.hpp"

namespace waka::coordinator::pg {

PgLeaderLock::PgLeaderLock(db::Database& database, long long key)
    : database_(database), lock_(database.NewSessionLock(key)) {}

PgLeaderLock::~PgLeaderLock() = default;

// The lock session is not a pool connection; a pool thread only hosts the blocking call.
boost::asio::awaitable<Expected<bool>> PgLeaderLock::TryHold() {
    co_return co_await database_.Run(
        [this](pqxx::connection&) -> Expected<bool> { return lock_->TryHold(); });
}

boost::asio::awaitable<void> PgLeaderLock::Release() {
    (void)co_await database_.Run([this](pqxx::connection&) -> Expected<void> {
        lock_->Release();
        return {};
    });
}

}  // namespace waka::coordinator::pg
