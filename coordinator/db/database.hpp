#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>

#include "shared/core/error.hpp"

// libpqxx 6.4 spells pqxx::connection as an alias of a template, so a plain `class connection;`
// would clash with <pqxx/pqxx>; these repeat its declarations exactly.
namespace pqxx {
class connect_direct;
template <typename CONNECTPOLICY>
class basic_connection_base;
using connection = basic_connection_base<connect_direct>;
}  // namespace pqxx

namespace waka::coordinator::db {

// Where and how to connect: `url` is a libpq connection string or postgresql:// URL; when
// `password_file` is set, the password is that file's content, read again for every connection
// opened (so a rotated password is picked up at the next reconnect), and `url` holds none.
struct ConnectTarget {
    std::string url;  // never logged: may hold a password
    std::filesystem::path password_file;
};

// A PostgreSQL session-level advisory lock held on a connection of its own, outside the pool:
// leadership among coordinators sharing one database. PostgreSQL frees the lock when that session
// ends (Release, destruction, a crash, a lost connection). Blocking calls: run them off the I/O
// threads. Not thread-safe: one owner.
class SessionLock {
public:
    ~SessionLock();
    SessionLock(const SessionLock&) = delete;
    SessionLock& operator=(const SessionLock&) = delete;

    // True when this session holds the lock now: takes it when free (pg_try_advisory_lock), or,
    // when already held, checks that the session is still alive. A lost session answers false
    // (or an error) once and reconnects on the next call.
    [[nodiscard]] Expected<bool> TryHold();
    // Gives the lock up (closes the session). Safe to call when not held.
    void Release();

private:
    friend class Database;
    SessionLock(ConnectTarget target, long long key);
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

struct DatabaseOptions {
    std::string url;  // libpq connection string or postgresql:// URL; never logged
    // Optional: a file holding the password (see ConnectTarget); `url` must then hold none.
    std::filesystem::path password_file;
    std::size_t pool_size = 4;  // connections = DB threads
    // Longest one statement of the pool may run (PostgreSQL's statement_timeout; 0: no limit).
    // Migrations run on a session of their own, without this limit.
    std::uint32_t statement_timeout_ms = 30'000;
    // Run() calls waiting for or holding a connection at once; one more is refused at once
    // (kBusy "database busy"), so that a flood answers 503 instead of queueing without end.
    std::size_t max_queued = 1024;
    // The setting that bounds max_queued, named in the busy error (one per pool).
    std::string max_queued_setting = "database.max_queued";
};

// A fixed pool of libpqxx connections, each used by one DB thread at a time. libpqxx blocks, so
// every query runs on the pool's threads, never on an I/O thread: async callers use Run(), which
// resumes them on their own executor afterwards. A broken connection is reopened on next use
// (reading password_file again): the call that finds a session gone fails, the next reconnects.
// libpqxx exceptions never escape: they become Errc::kDatabase (or kConflict for unique and
// foreign-key violations) with the server's message.
class Database {
public:
    // Connects pool_size connections; fails with a clear error if PostgreSQL is unreachable, the
    // password file is unreadable, or both the URL and password_file give a password.
    [[nodiscard]] static Expected<std::unique_ptr<Database>> Open(const DatabaseOptions& options);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // Applies the numbered migrations (coordinator/db/migrations/NNN_*.sql, compiled in) that are
    // not yet recorded in schema_migrations, under a PostgreSQL advisory lock so that concurrent
    // coordinators apply each exactly once. Blocking: call at start-up.
    [[nodiscard]] Expected<int> Migrate();  // answers the schema version now in place

    // Blocking: borrows a connection for the duration of `work` on the calling thread. `work`
    // may throw libpqxx exceptions; they are translated into Error. For tests and start-up.
    [[nodiscard]] Expected<void> WithConnection(
        const std::function<Expected<void>(pqxx::connection&)>& work);

    // Async: runs `work(connection)` on a DB thread and answers its Expected result on the
    // caller's executor. `work` returns Expected<T>.
    template <class Work>
    auto Run(Work work) -> boost::asio::awaitable<std::invoke_result_t<Work, pqxx::connection&>> {
        using Result = std::invoke_result_t<Work, pqxx::connection&>;
        if (queued_.fetch_add(1) >= max_queued_) {
            queued_.fetch_sub(1);
            co_return BusyError();
        }
        const QueueSlot slot{queued_};
        co_return co_await boost::asio::co_spawn(
            pool_.get_executor(),
            [this, work = std::move(work)]() mutable -> boost::asio::awaitable<Result> {
                Result result = MakeError(Errc::kInternal, "database work did not run");
                auto status = WithConnection([&](pqxx::connection& c) -> Expected<void> {
                    result = work(c);
                    return {};
                });
                if (!status) {
                    co_return status.error();
                }
                co_return result;
            },
            boost::asio::use_awaitable);
    }

    // An advisory lock on `key` over a dedicated connection to the same database (not connected
    // until its first TryHold).
    [[nodiscard]] std::unique_ptr<SessionLock> NewSessionLock(long long key) const;

    [[nodiscard]] std::size_t PoolSize() const;
    [[nodiscard]] std::size_t InUse() const;  // connections borrowed right now (metrics)
    [[nodiscard]] std::size_t Queued() const { return queued_.load(); }  // Run() calls now

private:
    // Gives a Run() slot back when the call ends, however it ends.
    struct QueueSlot {
        std::atomic<std::size_t>& count;
        ~QueueSlot() { count.fetch_sub(1); }
    };
    [[nodiscard]] Error BusyError() const;
    explicit Database(const DatabaseOptions& options);
    struct Pool;
    std::unique_ptr<Pool> connections_;
    std::size_t max_queued_;
    std::string max_queued_setting_;
    std::atomic<std::size_t> queued_{0};
    boost::asio::thread_pool pool_;
};

}  // namespace waka::coordinator::db
