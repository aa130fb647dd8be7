#include "coordinator/db/database.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <future>
#include <pqxx/pqxx>
#include <thread>

#include "coordinator/db/migrations.hpp"
#include "coordinator/db/sql_time.hpp"
#include "tests/support/pg/fresh_database.hpp"
#include "tests/support/process/process.hpp"

namespace waka::coordinator::db {
namespace {

std::unique_ptr<Database> OpenOrFail(const std::string& url, std::size_t pool_size = 2) {
    auto database = Database::Open({.url = url, .pool_size = pool_size});
    if (!database) {
        ADD_FAILURE() << database.error().message;
        throw std::runtime_error(database.error().message);
    }
    return std::move(*database);
}

int LatestCompiledVersion() { return CompiledMigrations().back().version; }

std::int64_t Scalar(Database& database, const std::string& sql) {
    std::int64_t value = -1;
    auto status = database.WithConnection([&](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        value = tx.exec1(sql)[0].as<std::int64_t>();
        return {};
    });
    EXPECT_TRUE(status) << status.error().message;
    return value;
}

TEST(Migrations, AreCompiledInIncreasingOrder) {
    const auto migrations = CompiledMigrations();
    ASSERT_FALSE(migrations.empty());
    EXPECT_EQ(migrations.front().version, 1);
    EXPECT_EQ(migrations.front().name, "initial");
    EXPECT_NE(migrations.front().sql.find("CREATE TABLE audit_log"), std::string_view::npos);
    for (std::size_t i = 1; i < migrations.size(); ++i) {
        EXPECT_GT(migrations[i].version, migrations[i - 1].version);
    }
}

TEST(Migrate, AppliesOnceAndSecondRunIsANoOp) {
    auto database = OpenOrFail(test::FreshDatabaseUrl());
    auto first = database->Migrate();
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ(*first, LatestCompiledVersion());
    auto second = database->Migrate();
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_EQ(*second, *first);
    EXPECT_EQ(Scalar(*database, "SELECT count(*) FROM schema_migrations"),
              static_cast<std::int64_t>(CompiledMigrations().size()));
    EXPECT_EQ(Scalar(*database, "SELECT count(*) FROM audit_log"), 0);
}

TEST(Migrate, TwoCoordinatorsMigratingConcurrentlyApplyEachMigrationOnce) {
    const std::string url = test::FreshDatabaseUrl();
    auto a = OpenOrFail(url, 1);
    auto b = OpenOrFail(url, 1);
    Expected<int> result_a = 0;
    Expected<int> result_b = 0;
    std::thread thread_a([&] { result_a = a->Migrate(); });
    std::thread thread_b([&] { result_b = b->Migrate(); });
    thread_a.join();
    thread_b.join();
    ASSERT_TRUE(result_a) << result_a.error().message;
    ASSERT_TRUE(result_b) << result_b.error().message;
    EXPECT_EQ(*result_a, LatestCompiledVersion());
    EXPECT_EQ(*result_b, LatestCompiledVersion());
    EXPECT_EQ(Scalar(*a, "SELECT count(*) FROM schema_migrations"),
              static_cast<std::int64_t>(CompiledMigrations().size()));
    EXPECT_EQ(Scalar(*a, "SELECT count(DISTINCT version) FROM schema_migrations"),
              static_cast<std::int64_t>(CompiledMigrations().size()));
}

TEST(Migrate, AppliesEveryMissingVersionNotOnlyThoseAboveTheHighest) {
    auto database = OpenOrFail(test::FreshDatabaseUrl());
    // A newer coordinator recorded version 999 before this one ever ran migration 1.
    auto seeded = database->WithConnection([](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        tx.exec0(
            "CREATE TABLE schema_migrations (version INT PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at TIMESTAMPTZ NOT NULL DEFAULT now());"
            "INSERT INTO schema_migrations (version, name) VALUES (999, 'future')");
        tx.commit();
        return {};
    });
    ASSERT_TRUE(seeded) << seeded.error().message;
    auto version = database->Migrate();
    ASSERT_TRUE(version) << version.error().message;
    EXPECT_EQ(*version, 999);
    EXPECT_EQ(Scalar(*database, "SELECT count(*) FROM schema_migrations"),
              static_cast<std::int64_t>(CompiledMigrations().size()) + 1);
    EXPECT_EQ(Scalar(*database, "SELECT count(*) FROM api_tokens"), 0);
}

TEST(Open, UnreachableServerFailsNamingHostAndPortButNotPassword) {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    auto database =
        Database::Open({.url = "postgresql://waka:s3cret-pass@127.0.0.1:1/waka?connect_timeout=5",
                        .pool_size = 1});
    ASSERT_FALSE(database);
    EXPECT_TRUE(database.error().Is(Errc::kDatabase));
    EXPECT_NE(database.error().message.find("127.0.0.1:1"), std::string::npos)
        << database.error().message;
    EXPECT_EQ(database.error().message.find("s3cret-pass"), std::string::npos)
        << database.error().message;
}

TEST(Open, ZeroPoolSizeIsRefused) {
    auto database = Database::Open({.url = "postgresql://127.0.0.1:1/x", .pool_size = 0});
    ASSERT_FALSE(database);
    EXPECT_TRUE(database.error().Is(Errc::kInvalidArgument));
}

TEST(WithConnection, UniqueViolationMapsToConflictWithServerMessage) {
    auto database = OpenOrFail(test::FreshDatabaseUrl());
    ASSERT_TRUE(database->Migrate());
    auto insert = [&](const std::string& id) {
        return database->WithConnection([&](pqxx::connection& c) -> Expected<void> {
            pqxx::work tx(c);
            tx.exec_params0(
                "INSERT INTO artifacts (sha256, size, created_at) VALUES ($1, 1, now())", id);
            tx.commit();
            return {};
        });
    };
    ASSERT_TRUE(insert("abc"));
    auto again = insert("abc");
    ASSERT_FALSE(again);
    EXPECT_TRUE(again.error().Is(Errc::kConflict));
    EXPECT_NE(again.error().message.find("artifacts_pkey"), std::string::npos)
        << again.error().message;
    EXPECT_EQ(database->InUse(), 0u);
}

TEST(WithConnection, ForeignKeyViolationMapsToConflict) {
    auto database = OpenOrFail(test::FreshDatabaseUrl());
    ASSERT_TRUE(database->Migrate());
    auto status = database->WithConnection([&](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        tx.exec0(
            "INSERT INTO releases (id, component_type, component_name, version, release_date,"
            " is_stable, is_security_patch, artifact_sha256, created_at) VALUES ('r', 'suite',"
            " 'commerce', '1.0.0', now(), true, false, 'missing', now())");
        tx.commit();
        return {};
    });
    ASSERT_FALSE(status);
    EXPECT_TRUE(status.error().Is(Errc::kConflict)) << status.error().message;
}

TEST(WithConnection, SyntaxErrorMapsToDatabaseAndOtherExceptionsToInternal) {
    auto database = OpenOrFail(test::FreshDatabaseUrl());
    auto syntax = database->WithConnection([](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        tx.exec("SELEKT 1");
        return {};
    });
    ASSERT_FALSE(syntax);
    EXPECT_TRUE(syntax.error().Is(Errc::kDatabase));
    EXPECT_NE(syntax.error().message.find("SELEKT"), std::string::npos) << syntax.error().message;
    auto thrown = database->WithConnection(
        [](pqxx::connection&) -> Expected<void> { throw std::logic_error("boom"); });
    ASSERT_FALSE(thrown);
    EXPECT_TRUE(thrown.error().Is(Errc::kInternal));
    // The returned error of the work itself passes through unchanged.
    auto refused = database->WithConnection([](pqxx::connection&) -> Expected<void> {
        return MakeError(Errc::kNotFound, "no such thing");
    });
    ASSERT_FALSE(refused);
    EXPECT_TRUE(refused.error().Is(Errc::kNotFound));
    EXPECT_EQ(Scalar(*database, "SELECT 7"), 7);
}

TEST(Pool, RecoversAfterItsConnectionsAreTerminated) {
    const std::string url = test::FreshDatabaseUrl();
    constexpr std::size_t kPoolSize = 3;
    auto database = OpenOrFail(url, kPoolSize);
    auto admin = OpenOrFail(url, 1);
    const auto killed = Scalar(*admin,
                               "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                               " WHERE datname = current_database() AND pid <> pg_backend_pid()");
    EXPECT_EQ(killed, static_cast<std::int64_t>(kPoolSize));

    // Each dead connection may fail the one call that discovers it (kDatabase), never more.
    std::size_t failures = 0;
    for (std::size_t i = 0; i < 3 * kPoolSize; ++i) {
        std::int64_t value = 0;
        auto status = database->WithConnection([&](pqxx::connection& c) -> Expected<void> {
            pqxx::work tx(c);
            value = tx.exec1("SELECT 42")[0].as<std::int64_t>();
            return {};
        });
        if (!status) {
            EXPECT_TRUE(status.error().Is(Errc::kDatabase)) << status.error().message;
            ++failures;
        } else {
            EXPECT_EQ(value, 42);
        }
    }
    EXPECT_LE(failures, kPoolSize);
    for (std::size_t i = 0; i < kPoolSize; ++i) {
        EXPECT_EQ(Scalar(*database, "SELECT 1"), 1);
    }
    EXPECT_EQ(database->InUse(), 0u);
    EXPECT_EQ(database->PoolSize(), kPoolSize);
}

TEST(Run, RunsOnADatabaseThreadAndResumesOnTheCallersExecutor) {
    auto database = OpenOrFail(test::FreshDatabaseUrl(), 2);
    boost::asio::io_context io;
    std::thread::id io_thread;
    std::thread::id db_thread;
    std::thread::id resumed_on;
    Expected<std::int64_t> answer = 0;
    auto future = boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
            io_thread = std::this_thread::get_id();
            answer = co_await database->Run([&](pqxx::connection& c) -> Expected<std::int64_t> {
                db_thread = std::this_thread::get_id();
                pqxx::work tx(c);
                return tx.exec1("SELECT 6 * 7")[0].as<std::int64_t>();
            });
            resumed_on = std::this_thread::get_id();
        },
        boost::asio::use_future);
    io.run();
    future.get();
    ASSERT_TRUE(answer) << answer.error().message;
    EXPECT_EQ(*answer, 42);
    EXPECT_NE(db_thread, io_thread);
    EXPECT_EQ(resumed_on, io_thread);
}

TEST(Run, TranslatesExceptionsIntoErrors) {
    auto database = OpenOrFail(test::FreshDatabaseUrl(), 1);
    boost::asio::io_context io;
    Expected<int> answer = 0;
    auto future = boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
            answer = co_await database->Run([](pqxx::connection& c) -> Expected<int> {
                pqxx::work tx(c);
                tx.exec("SELECT * FROM no_such_table");
                return 1;
            });
        },
        boost::asio::use_future);
    io.run();
    future.get();
    ASSERT_FALSE(answer);
    EXPECT_TRUE(answer.error().Is(Errc::kDatabase));
}

TEST(Pool, AStatementOverTheTimeoutIsCancelledAndTheConnectionStaysUsable) {
    auto opened = Database::Open(
        {.url = test::FreshDatabaseUrl(), .pool_size = 1, .statement_timeout_ms = 50});
    ASSERT_TRUE(opened) << opened.error().message;
    auto& database = **opened;
    auto slow = database.WithConnection([](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        tx.exec("SELECT pg_sleep(5)");
        return {};
    });
    ASSERT_FALSE(slow);
    EXPECT_TRUE(slow.error().Is(Errc::kDatabase));
    EXPECT_NE(slow.error().message.find("statement timeout"), std::string::npos)
        << slow.error().message;
    EXPECT_EQ(Scalar(database, "SELECT 1"), 1);
}

// A full queue answers at once instead of growing: the one call over max_queued is refused while
// the others wait, and the queue takes calls again once they are done.
TEST(Run, CallsOverMaxQueuedAreRefusedAtOnce) {
    auto opened =
        Database::Open({.url = test::FreshDatabaseUrl(), .pool_size = 1, .max_queued = 1});
    ASSERT_TRUE(opened) << opened.error().message;
    auto& database = **opened;
    boost::asio::io_context io;
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    Expected<int> held = 0;
    Expected<int> refused = 0;
    auto holder = boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
            held = co_await database.Run([&](pqxx::connection&) -> Expected<int> {
                released.wait();
                return 1;
            });
        },
        boost::asio::use_future);
    std::thread runner([&] { io.run(); });
    ASSERT_TRUE(test::WaitFor([&] { return database.Queued() == 1; }, std::chrono::seconds(5)));
    boost::asio::io_context other;
    auto second = boost::asio::co_spawn(
        other,
        [&]() -> boost::asio::awaitable<void> {
            refused = co_await database.Run([](pqxx::connection&) -> Expected<int> { return 2; });
        },
        boost::asio::use_future);
    other.run();
    second.get();
    release.set_value();
    runner.join();
    holder.get();
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("database busy"), std::string::npos);
    ASSERT_TRUE(held) << held.error().message;
    EXPECT_EQ(database.Queued(), 0u);
}

TEST(SqlTime, RoundTripsThroughTimestamptzWithMicroseconds) {
    auto database = OpenOrFail(test::FreshDatabaseUrl(), 1);
    const auto t = *ParseRfc3339("2026-11-26T14:58:33.123456Z");
    std::string printed;
    auto status = database->WithConnection([&](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        printed = tx.exec_params1("SELECT $1::timestamptz", ToSqlTimestamp(t))[0].as<std::string>();
        return {};
    });
    ASSERT_TRUE(status) << status.error().message;
    EXPECT_EQ(printed, "2026-11-26 14:58:33.123456+00");
    EXPECT_EQ(ParseSqlTimestamp(printed), t);
    EXPECT_EQ(ParseSqlTimestamp("2026-11-26 14:58:33+00"), *ParseRfc3339("2026-11-26T14:58:33Z"));
}

}  // namespace
}  // namespace waka::coordinator::db
