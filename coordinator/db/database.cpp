#include "coordinator/db/database.hpp"

#include <libpq-fe.h>

#include <condition_variable>
#include <mutex>
#include <pqxx/pqxx>
#include <set>
#include <vector>

#include "coordinator/db/conninfo.hpp"
#include "coordinator/db/migrations.hpp"
#include "shared/core/log.hpp"

namespace waka::coordinator::db {
namespace {

// Session-level advisory lock key that serialises Migrate() across coordinators ("wakamigr").
constexpr long long kMigrationLockKey = 0x77616b616d696772LL;

// Where a connection string points, for error messages. Never carries the password.
struct Target {
    std::string host = "local socket";
    std::string port = "5432";
    std::string dbname;
    std::string user;
    std::string password;  // only to scrub it out of messages
};

Target DescribeTarget(const std::string& url) {
    Target target;
    char* parse_error = nullptr;
    PQconninfoOption* options = PQconninfoParse(url.c_str(), &parse_error);
    if (options == nullptr) {
        PQfreemem(parse_error);
        return target;
    }
    for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
        if (o->val == nullptr || *o->val == '\0') {
            continue;
        }
        const std::string_view key = o->keyword;
        if (key == "host" || key == "hostaddr") {
            target.host = o->val;
        } else if (key == "port") {
            target.port = o->val;
        } else if (key == "dbname") {
            target.dbname = o->val;
        } else if (key == "user") {
            target.user = o->val;
        } else if (key == "password") {
            target.password = o->val;
        }
    }
    PQconninfoFree(options);
    return target;
}

// libpq messages span several indented lines; logs and API errors want one.
std::string OneLine(std::string text, const std::string& secret) {
    if (!secret.empty()) {
        for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret)) {
            text.replace(at, secret.size(), "***");
        }
    }
    std::string line;
    bool pending_space = false;
    for (const char c : text) {
        if (c == '\n' || c == '\r' || c == '\t') {
            pending_space = !line.empty();
            continue;
        }
        if (pending_space && c != ' ') {
            line += ' ';
        }
        pending_space = false;
        line += c;
    }
    return line;
}

// `url` with the password of `target.password_file`, read now, when one is set.
Expected<std::string> ConnectionString(const ConnectTarget& target, std::string& password) {
    if (target.password_file.empty()) {
        return target.url;
    }
    auto read = ReadPasswordFile(target.password_file);
    if (!read) {
        return read.error();
    }
    password = std::move(*read);
    return WithPassword(target.url, password);
}

// `statement_timeout_ms` 0: no limit (migrations).
Expected<std::unique_ptr<pqxx::connection>> Connect(const ConnectTarget& connect_target,
                                                    std::uint32_t statement_timeout_ms) {
    std::string file_password;
    auto conninfo = ConnectionString(connect_target, file_password);
    if (!conninfo) {
        return conninfo.error().WithContext("connect to PostgreSQL");
    }
    const std::string& url = connect_target.url;
    try {
        auto connection = std::make_unique<pqxx::connection>(*conninfo);
        // set_variable (not a plain SET) so that libpqxx re-applies them if it ever reconnects.
        connection->set_variable("TimeZone", "UTC");
        connection->set_variable("DateStyle", "ISO");
        connection->set_variable("client_min_messages", "warning");
        connection->set_variable("statement_timeout", std::to_string(statement_timeout_ms));
        return connection;
    } catch (const std::exception& e) {
        const Target target = DescribeTarget(url);
        std::string where = target.host + ":" + target.port;
        if (!target.dbname.empty()) {
            where += "/" + target.dbname;
        }
        if (!target.user.empty()) {
            where += " as " + target.user;
        }
        const std::string& password = file_password.empty() ? target.password : file_password;
        return MakeError(Errc::kDatabase, "cannot connect to PostgreSQL at " + where + ": " +
                                              OneLine(e.what(), password));
    }
}

// After these the session is gone or unusable: the connection is replaced before its next use.
bool LosesConnection(const pqxx::sql_error& e) {
    const std::string& state = e.sqlstate();
    return state.rfind("08", 0) == 0 || state.rfind("57P", 0) == 0;
}

}  // namespace

struct Database::Pool {
    ConnectTarget target;
    std::uint32_t statement_timeout_ms = 0;
    std::size_t size = 0;
    std::mutex mutex;
    std::condition_variable returned;
    std::vector<std::unique_ptr<pqxx::connection>> idle;  // null: to be (re)opened on borrow
    std::size_t in_use = 0;

    std::unique_ptr<pqxx::connection> Borrow() {
        std::unique_lock lock(mutex);
        returned.wait(lock, [this] { return !idle.empty(); });
        auto connection = std::move(idle.back());
        idle.pop_back();
        ++in_use;
        return connection;
    }

    void Return(std::unique_ptr<pqxx::connection> connection) {
        {
            std::lock_guard lock(mutex);
            idle.push_back(std::move(connection));
            --in_use;
        }
        returned.notify_one();
    }
};

Database::Database(const DatabaseOptions& options)
    : connections_(std::make_unique<Pool>()),
      max_queued_(options.max_queued),
      max_queued_setting_(options.max_queued_setting),
      pool_(options.pool_size) {
    connections_->target = {options.url, options.password_file};
    connections_->statement_timeout_ms = options.statement_timeout_ms;
    connections_->size = options.pool_size;
}

Error Database::BusyError() const {
    return MakeError(Errc::kBusy, "database busy: " + std::to_string(max_queued_) +
                                      " requests are waiting for it (" + max_queued_setting_ + ")");
}

Database::~Database() {
    // Lets queued work finish so that no borrowed connection outlives the pool.
    pool_.join();
}

Expected<std::unique_ptr<Database>> Database::Open(const DatabaseOptions& options) {
    if (options.pool_size == 0) {
        return MakeError(Errc::kInvalidArgument, "database pool_size must be at least 1");
    }
    if (options.max_queued < options.pool_size) {
        return MakeError(Errc::kInvalidArgument, "database max_queued must be at least pool_size");
    }
    if (!options.password_file.empty() && HasPassword(options.url)) {
        return MakeError(Errc::kInvalidArgument,
                         "database.url holds a password and database.password_file is set; give "
                         "the password in one place");
    }
    std::unique_ptr<Database> database(new Database(options));
    for (std::size_t i = 0; i < options.pool_size; ++i) {
        auto connection = Connect(database->connections_->target, options.statement_timeout_ms);
        if (!connection) {
            return connection.error();
        }
        database->connections_->idle.push_back(std::move(*connection));
    }
    const Target target = DescribeTarget(options.url);
    log::Info("database pool open host={} port={} dbname={} pool_size={} password_file={}",
              target.host, target.port, target.dbname, options.pool_size,
              options.password_file.empty() ? "none" : options.password_file.string());
    return database;
}

Expected<void> Database::WithConnection(
    const std::function<Expected<void>(pqxx::connection&)>& work) {
    auto connection = connections_->Borrow();
    if (connection == nullptr || !connection->is_open()) {
        auto reopened = Connect(connections_->target, connections_->statement_timeout_ms);
        if (!reopened) {
            connections_->Return(nullptr);
            return reopened.error();
        }
        connection = std::move(*reopened);
    }
    Expected<void> result;
    bool keep = true;
    try {
        result = work(*connection);
    } catch (const pqxx::unique_violation& e) {
        result = MakeError(Errc::kConflict, OneLine(e.what(), ""));
    } catch (const pqxx::foreign_key_violation& e) {
        result = MakeError(Errc::kConflict, OneLine(e.what(), ""));
    } catch (const pqxx::sql_error& e) {
        keep = !LosesConnection(e);
        result = MakeError(Errc::kDatabase, OneLine(e.what(), ""));
    } catch (const pqxx::failure& e) {
        // broken_connection, in_doubt_error and the like: the session cannot be trusted.
        keep = false;
        result = MakeError(Errc::kDatabase, OneLine(e.what(), ""));
    } catch (const std::exception& e) {
        keep = false;
        result = MakeError(Errc::kInternal, std::string("database work threw: ") + e.what());
    } catch (...) {
        keep = false;
        result = MakeError(Errc::kInternal, "database work threw a non-standard exception");
    }
    if (!keep) {
        log::Warn("database connection dropped, reopened on next use: {}", result.error().message);
        connection.reset();
    }
    connections_->Return(std::move(connection));
    return result;
}

Expected<int> Database::Migrate() {
    // A dedicated session: the advisory lock is session-level and must not stay on a pooled one.
    auto opened = Connect(connections_->target, 0);
    if (!opened) {
        return opened.error().WithContext("migrate");
    }
    pqxx::connection& connection = **opened;
    try {
        {
            pqxx::nontransaction session(connection);
            session.exec_params("SELECT pg_advisory_lock($1)", kMigrationLockKey);
            session.exec0(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INT PRIMARY KEY, name TEXT NOT NULL,"
                " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
            session.commit();
        }
        std::set<int> applied;
        {
            pqxx::work tx(connection);
            for (const auto& row : tx.exec("SELECT version FROM schema_migrations")) {
                applied.insert(row[0].as<int>());
            }
            tx.commit();
        }
        for (const Migration& migration : CompiledMigrations()) {
            if (applied.contains(migration.version)) {
                continue;
            }
            try {
                pqxx::work tx(connection);
                tx.exec0(std::string(migration.sql));
                tx.exec_params0("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                                migration.version, std::string(migration.name));
                tx.commit();
            } catch (const pqxx::sql_error& e) {
                return MakeError(Errc::kDatabase, "migration " + std::to_string(migration.version) +
                                                      " (" + std::string(migration.name) +
                                                      ") failed: " + OneLine(e.what(), ""));
            }
            applied.insert(migration.version);
            log::Info("database migration applied version={} name={}", migration.version,
                      migration.name);
        }
        const int version = applied.empty() ? 0 : *applied.rbegin();
        if (!CompiledMigrations().empty() && version > CompiledMigrations().back().version) {
            log::Warn("database schema version {} is newer than this binary knows ({})", version,
                      CompiledMigrations().back().version);
        }
        pqxx::nontransaction unlock(connection);
        unlock.exec_params("SELECT pg_advisory_unlock($1)", kMigrationLockKey);
        unlock.commit();
        return version;
    } catch (const std::exception& e) {
        // Closing the dedicated connection below releases the advisory lock.
        return MakeError(Errc::kDatabase, "migrate: " + OneLine(e.what(), ""));
    }
}

struct SessionLock::Impl {
    ConnectTarget target;
    long long key = 0;
    std::unique_ptr<pqxx::connection> session;
    bool held = false;
};

SessionLock::SessionLock(ConnectTarget target, long long key) : impl_(std::make_unique<Impl>()) {
    impl_->target = std::move(target);
    impl_->key = key;
}

SessionLock::~SessionLock() { Release(); }

Expected<bool> SessionLock::TryHold() {
    if (impl_->session == nullptr) {
        auto opened = Connect(impl_->target, 0);
        if (!opened) {
            return opened.error().WithContext("advisory lock session");
        }
        impl_->session = std::move(*opened);
        impl_->held = false;
    }
    try {
        pqxx::nontransaction tx(*impl_->session);
        if (impl_->held) {
            tx.exec("SELECT 1");  // the session, and with it the lock, is still there
            return true;
        }
        impl_->held = tx.exec_params1("SELECT pg_try_advisory_lock($1)", impl_->key)[0].as<bool>();
        return impl_->held;
    } catch (const std::exception& e) {
        // Whatever failed, the session cannot be trusted to hold the lock any more.
        impl_->session.reset();
        impl_->held = false;
        return MakeError(Errc::kDatabase, "advisory lock session lost: " + OneLine(e.what(), ""));
    }
}

void SessionLock::Release() {
    // Closing the session frees every advisory lock it held.
    impl_->session.reset();
    impl_->held = false;
}

std::unique_ptr<SessionLock> Database::NewSessionLock(long long key) const {
    return std::unique_ptr<SessionLock>(new SessionLock(connections_->target, key));
}

std::size_t Database::PoolSize() const { return connections_->size; }

std::size_t Database::InUse() const {
    std::lock_guard lock(connections_->mutex);
    return connections_->in_use;
}

}  // namespace waka::coordinator::db
