#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <future>
#include <pqxx/pqxx>
#include <thread>

#include "tests/integration/coordinator/api/api_fixture.hpp"
#include "tests/support/pg/migrated_database.hpp"
#include "tests/support/process/process.hpp"

// Issue 13 item 3 (ADR 0033): with the API pool's queue full, API calls are answered 503 "database
// busy" at once, while /health answers and the agents' database work (enrollment, credential
// checks, heartbeats, on the agents' own pool) still completes. The API pool is one connection
// with a queue of one, and the test holds that one call itself, so "full" is a fact, not a race.
namespace waka::coordinator::api::testing {
namespace {

constexpr const char* kInstance = "instance-flood-01";

class DatabaseFloodTest : public ApiTest {
protected:
    void AdjustDatabaseOptions(db::DatabaseOptions& options) override {
        options.pool_size = 1;
        options.max_queued = 1;
    }

    void AdjustCoreOptions(app::CoreOptions& options) override {
        auto agents = db::Database::Open({.url = database_url_,
                                          .pool_size = 1,
                                          .max_queued = 8,
                                          .max_queued_setting = "database.agent_max_queued"});
        ASSERT_TRUE(agents) << agents.error().message;
        agent_database_ = std::move(*agents);
        options.agent_database = agent_database_.get();
    }

    // The core refers to the agents' pool, which this fixture owns: the core goes first.
    void TearDown() override {
        Release();
        ApiTest::TearDown();
        context_.reset();
        core_.reset();
    }

    // Takes the API pool's only queue slot until Release(): a call that holds its connection,
    // as a slow statement of a flood would.
    void FillApiQueue() {
        holder_ = boost::asio::co_spawn(
            hold_io_,
            [this]() -> boost::asio::awaitable<void> {
                (void)co_await database_->Run([this](pqxx::connection&) -> Expected<int> {
                    released_.wait();
                    return 1;
                });
            },
            boost::asio::use_future);
        hold_thread_ = std::thread([this] { hold_io_.run(); });
        ASSERT_TRUE(
            test::WaitFor([this] { return database_->Queued() == 1; }, std::chrono::seconds(10)));
    }

    void Release() {
        if (!hold_thread_.joinable()) {
            return;
        }
        release_.set_value();
        hold_thread_.join();
        holder_.get();
    }

    std::unique_ptr<db::Database> agent_database_;
    boost::asio::io_context hold_io_;
    std::promise<void> release_;
    std::shared_future<void> released_ = release_.get_future().share();
    std::future<void> holder_;
    std::thread hold_thread_;
};

TEST_F(DatabaseFloodTest, ApiAnswers503WhileHealthAndAgentsAreServed) {
    auto created =
        client_->Post("/api/v1/instances", std::string(R"({"id":")") + kInstance + "\"}");
    ASSERT_EQ(created.status, 201u) << created.body;
    const std::string enrollment_token = Str(Object(created), "enrollment_token");

    FillApiQueue();

    auto refused = client_->Get(std::string("/api/v1/instances/") + kInstance);
    ASSERT_EQ(refused.status, 503u) << refused.body;
    EXPECT_EQ(Str(Object(refused), "code"), "busy");
    EXPECT_NE(Str(Object(refused), "detail").find("database busy"), std::string::npos)
        << refused.body;
    EXPECT_NE(Str(Object(refused), "detail").find("database.max_queued"), std::string::npos);
    EXPECT_EQ(refused.Header("Retry-After"), "1");

    auto health = client_->Get("/health");
    ASSERT_EQ(health.status, 200u) << health.body;
    EXPECT_EQ(Str(Object(health), "status"), "healthy");

    // What the gateway calls for an agent: enrollment (a row lock and a write), then the
    // credential check of its next session and a heartbeat, all on the agents' pool.
    ports::AgentHello hello;
    hello.instance_id = kInstance;
    hello.agent_version = "1.0.0";
    hello.credential = enrollment_token;
    hello.peer = "127.0.0.1";
    auto decision = test::RunSync(core_->sessions.Authenticate(hello), std::chrono::seconds(10));
    ASSERT_TRUE(decision.accepted) << decision.reason;
    ASSERT_FALSE(decision.new_credential.empty());
    const std::string instance_id = kInstance;
    EXPECT_TRUE(test::RunSync(core_->sessions.CheckCredential(instance_id, decision.new_credential),
                              std::chrono::seconds(10)));
    test::RunSync(core_->sessions.OnHeartbeat(instance_id), std::chrono::seconds(10));
    EXPECT_EQ(database_->Queued(), 1u);  // the API pool stayed full all along

    Release();
    auto served = client_->Get(std::string("/api/v1/instances/") + kInstance);
    ASSERT_EQ(served.status, 200u) << served.body;
}

}  // namespace
}  // namespace waka::coordinator::api::testing
