#pragma once

#include <memory>

#include "coordinator/ports/schedule_repository.hpp"

namespace waka::coordinator::db {
class Database;
class SessionLock;
}  // namespace waka::coordinator::db

namespace waka::coordinator::pg {

// A PostgreSQL session-level advisory lock on `key` (db::SessionLock), its blocking calls run on
// the database's pool threads.
class PgLeaderLock final : public ports::LeaderLock {
public:
    PgLeaderLock(db::Database& database, long long key);
    ~PgLeaderLock() override;

    boost::asio::awaitable<Expected<bool>> TryHold() override;
    boost::asio::awaitable<void> Release() override;

private:
    db::Database& database_;
    std::unique_ptr<db::SessionLock> lock_;
};

}  // namespace waka::coordinator::pg
