#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>

#include "coordinator/db/conninfo.hpp"
#include "coordinator/db/database.hpp"
#include "shared/core/crypto.hpp"
#include "tests/support/pg/fresh_database.hpp"

// database.password_file (ADR 0029): the pool reads the password for every connection it opens,
// so a password rotated in PostgreSQL and in the file is used at the next reconnect. The test role
// is a member of waka_password_login, which scripts/lib/pg.sh makes give its password (scram) over
// TCP while every other test role is trusted; the first test checks that this really holds.
namespace waka::coordinator::db {
namespace {

namespace fs = std::filesystem;

class PasswordFileTest : public ::testing::Test {
protected:
    void SetUp() override {
        const std::string url = test::FreshDatabaseUrl();
        role_ = "pw_" + RandomHex(6);
        Admin(
            "DO $$ BEGIN CREATE ROLE waka_password_login NOLOGIN; "
            "EXCEPTION WHEN duplicate_object THEN NULL; END $$");
        Admin("CREATE ROLE " + role_ + " LOGIN PASSWORD 'first-password' IN ROLE " +
              "waka_password_login");
        const auto at = url.find("://postgres@");
        ASSERT_NE(at, std::string::npos) << "WAKA_TEST_PG_URL must name the postgres user";
        role_url_ = url.substr(0, at) + "://" + role_ + "@" + url.substr(at + 12);
        dir_ = fs::temp_directory_path() / ("waka-pw-" + std::to_string(::getpid()) + role_);
        fs::create_directories(dir_);
        file_ = dir_ / "database-password";
    }
    void TearDown() override { fs::remove_all(dir_); }

    static void Admin(const std::string& sql) {
        pqxx::connection admin(std::getenv("WAKA_TEST_PG_URL"));
        pqxx::nontransaction tx(admin);
        tx.exec(sql);
    }
    void SetPassword(const std::string& password) {
        pqxx::connection admin(std::getenv("WAKA_TEST_PG_URL"));
        pqxx::nontransaction tx(admin);
        tx.exec("ALTER ROLE " + role_ + " PASSWORD " + tx.quote(password));
    }
    void WriteFile(const std::string& text) { std::ofstream(file_, std::ios::trunc) << text; }

    bool Connects(const std::string& password) {
        auto conninfo = WithPassword(role_url_, password);
        EXPECT_TRUE(conninfo) << conninfo.error().message;
        try {
            pqxx::connection c(*conninfo);
            return c.is_open();
        } catch (const std::exception&) {
            return false;
        }
    }

    // The backend pid of the session that ran the call, or nullopt when the call failed.
    static std::optional<int> BackendPid(Database& database) {
        int pid = 0;
        auto status = database.WithConnection([&](pqxx::connection& c) -> Expected<void> {
            pqxx::work tx(c);
            pid = tx.exec1("SELECT pg_backend_pid()")[0].as<int>();
            return {};
        });
        return status ? std::optional(pid) : std::nullopt;
    }

    // Ends `pid`'s session and waits (up to 10 s) until the server has ended it.
    static void Terminate(int pid) {
        pqxx::connection admin(std::getenv("WAKA_TEST_PG_URL"));
        pqxx::nontransaction tx(admin);
        ASSERT_TRUE(tx.exec1("SELECT pg_terminate_backend(" + std::to_string(pid) + ", 10000)")[0]
                        .as<bool>());
    }

    // After the pool's session was ended: the first call may find it gone; the next must run on a
    // new session. Answers that session's pid, or nullopt when both calls failed.
    static std::optional<int> PidAfterReconnect(Database& database) {
        if (auto first = BackendPid(database)) {
            return first;
        }
        return BackendPid(database);
    }

    std::string role_;
    std::string role_url_;
    fs::path dir_;
    fs::path file_;
};

TEST_F(PasswordFileTest, TheTestClusterChecksThisRolesPassword) {
    EXPECT_FALSE(Connects("not-the-password"))
        << "the test PostgreSQL trusts " << role_
        << ": pg_hba.conf needs the waka_password_login line of scripts/lib/pg.sh";
    EXPECT_TRUE(Connects("first-password"));
}

TEST_F(PasswordFileTest, ARotatedPasswordIsReadAgainAtTheNextReconnect) {
    WriteFile("first-password\n");
    auto database = Database::Open({.url = role_url_, .password_file = file_, .pool_size = 1});
    ASSERT_TRUE(database) << database.error().message;
    const auto before = BackendPid(**database);
    ASSERT_TRUE(before);

    // Rotation as Vault Agent does it: the password changes in PostgreSQL, then in the file. A
    // quote and a backslash check that the password reaches libpq unharmed.
    const std::string second = "second 'pass\\word'";
    SetPassword(second);
    WriteFile(second + "\n");
    ASSERT_FALSE(Connects("first-password"));
    Terminate(*before);

    const auto after = PidAfterReconnect(**database);
    ASSERT_TRUE(after) << "the pool did not reconnect with the password from the file";
    EXPECT_NE(*after, *before);
    EXPECT_TRUE(BackendPid(**database));
}

// The same rotation with the password in the URL, read once: the reconnect fails. This is what
// the test above would see if the file were not read again.
TEST_F(PasswordFileTest, APasswordInTheUrlDoesNotSurviveTheRotation) {
    auto with_password = WithPassword(role_url_, "first-password");
    ASSERT_TRUE(with_password);
    auto database = Database::Open({.url = *with_password, .pool_size = 1});
    ASSERT_TRUE(database) << database.error().message;
    const auto before = BackendPid(**database);
    ASSERT_TRUE(before);
    SetPassword("rotated-password");
    Terminate(*before);
    EXPECT_FALSE(PidAfterReconnect(**database));
}

TEST_F(PasswordFileTest, RefusesTwoPasswordsAndBadFilesWithoutShowingThePassword) {
    WriteFile("first-password\n");
    auto with_password = WithPassword(role_url_, "first-password");
    ASSERT_TRUE(with_password);
    EXPECT_TRUE(HasPassword(*with_password));
    EXPECT_TRUE(HasPassword("postgresql://u:secret@localhost/db"));
    EXPECT_FALSE(HasPassword(role_url_));
    auto twice = Database::Open({.url = *with_password, .password_file = file_, .pool_size = 1});
    ASSERT_FALSE(twice);
    EXPECT_TRUE(twice.error().Is(Errc::kInvalidArgument)) << twice.error().message;

    auto missing =
        Database::Open({.url = role_url_, .password_file = dir_ / "absent", .pool_size = 1});
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("database.password_file"), std::string::npos);

    WriteFile("\n");
    auto empty = Database::Open({.url = role_url_, .password_file = file_, .pool_size = 1});
    ASSERT_FALSE(empty);
    EXPECT_TRUE(empty.error().Is(Errc::kInvalidArgument)) << empty.error().message;

    WriteFile("wrong-password-4711\n");
    auto wrong = Database::Open({.url = role_url_, .password_file = file_, .pool_size = 1});
    ASSERT_FALSE(wrong);
    EXPECT_TRUE(wrong.error().Is(Errc::kDatabase)) << wrong.error().message;
    EXPECT_NE(wrong.error().message.find("password authentication failed"), std::string::npos)
        << wrong.error().message;
    EXPECT_EQ(wrong.error().message.find("wrong-password-4711"), std::string::npos);
}

}  // namespace
}  // namespace waka::coordinator::db
