#include <cstdlib>
#include <pqxx/pqxx>

#include "tests/integration/coordinator/api/api_fixture.hpp"

// GET /metrics behind a viewer token with its fleet figures cached (ADR 0026), and GET /health
// naming the failed check without the database's error text.
namespace waka::coordinator::api::testing {
namespace {

using namespace std::chrono_literals;

class MetricsHealthTest : public ApiTest {
protected:
    void AddQueuedDeployment(const std::string& id) {
        Exec("INSERT INTO instances (id, created_at) VALUES ('i-" + id +
             "', now()) ON CONFLICT DO NOTHING");
        Exec(
            "INSERT INTO manifests (id, platform_version, content_hash, created_by, created_at) "
            "VALUES ('m-1', '1.0.0', 'h', 'test', now()) ON CONFLICT DO NOTHING");
        Exec(
            "INSERT INTO deployments (id, status, kind, instance_id, manifest_id, requested_by, "
            "created_at, updated_at) VALUES ('" +
            id + "', 'queued', 'deploy', 'i-" + id + "', 'm-1', 'test', now(), now())");
    }

    // The value of "waka_deployments{status=\"queued\"}" in a scrape by `client`.
    static std::string Queued(test::HttpClient& client) {
        auto scrape = client.Get("/metrics");
        EXPECT_EQ(scrape.status, 200u) << scrape.body;
        const std::string series = "\nwaka_deployments{status=\"queued\"} ";
        const auto at = scrape.body.find(series);
        if (at == std::string::npos) {
            ADD_FAILURE() << scrape.body;
            return "";
        }
        const auto start = at + series.size();
        return scrape.body.substr(start, scrape.body.find('\n', start) - start);
    }
};

TEST_F(MetricsHealthTest, MetricsNeedAViewerToken) {
    auto missing = ClientWith("").Get("/metrics");
    EXPECT_EQ(missing.status, 401u);
    EXPECT_EQ(missing.Header("WWW-Authenticate"), "Bearer");
    EXPECT_EQ(Str(Object(missing), "code"), "unauthenticated");
    EXPECT_EQ(ClientWith("waka_not-a-real-token").Get("/metrics").status, 401u);
    auto viewer = ClientWith(MakeToken("prometheus", "viewer"));
    auto scrape = viewer.Get("/metrics");
    ASSERT_EQ(scrape.status, 200u) << scrape.body;
    EXPECT_NE(scrape.body.find("\n# TYPE waka_deployments gauge\n"), std::string::npos);
    EXPECT_EQ(ClientWith(MakeToken("publisher-1", "publisher")).Get("/metrics").status, 200u);
}

TEST_F(MetricsHealthTest, FleetFiguresAreServedFromTheCacheInsideTheWindow) {
    ASSERT_EQ(context_->metrics_cache_seconds, 15u);  // the default
    auto viewer = ClientWith(MakeToken("prometheus", "viewer"));
    EXPECT_EQ(Queued(viewer), "0");
    AddQueuedDeployment("d-1");
    EXPECT_EQ(Queued(viewer), "0");  // inside the window: no database work, the cached figure
    clock_.Advance(16s);
    EXPECT_EQ(Queued(viewer), "1");  // the window has passed: read again
    AddQueuedDeployment("d-2");
    EXPECT_EQ(Queued(viewer), "1");
    context_->metrics_cache_seconds = 0;
    EXPECT_EQ(Queued(viewer), "2");  // 0: every scrape reads the database
    AddQueuedDeployment("d-3");
    EXPECT_EQ(Queued(viewer), "3");
}

TEST_F(MetricsHealthTest, HealthNamesTheFailedCheckWithoutTheDatabaseErrorText) {
    const std::string name = SqlValue("SELECT current_database()");
    const std::string user = SqlValue("SELECT current_user");
    // From the cluster's maintenance database: refuse new sessions to this test's database, then
    // end the pool's, so that every reconnect fails.
    const char* admin_url = std::getenv("WAKA_TEST_PG_URL");
    ASSERT_NE(admin_url, nullptr);
    pqxx::connection admin(admin_url);
    pqxx::nontransaction tx(admin);
    tx.exec("ALTER DATABASE " + tx.quote_name(name) + " ALLOW_CONNECTIONS false");
    tx.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = " +
            tx.quote(name));

    auto anonymous = ClientWith("");
    for (int i = 0; i < 2; ++i) {
        auto health = anonymous.Get("/health");
        EXPECT_EQ(health.status, 503u) << health.body;
        auto body = Object(health);
        EXPECT_EQ(body.size(), 2u) << health.body;
        EXPECT_EQ(Str(body, "status"), "unhealthy");
        ASSERT_TRUE(body.contains("checks") && body.at("checks").is_object()) << health.body;
        const auto& checks = body.at("checks").as_object();
        EXPECT_EQ(checks.size(), 1u) << health.body;
        EXPECT_EQ(Str(checks, "database"), "unreachable");
        for (const std::string& internal : {name, user, std::string("127.0.0.1"),
                                            std::string("localhost"), std::string("port")}) {
            EXPECT_EQ(health.body.find(internal), std::string::npos) << health.body;
        }
    }

    tx.exec("ALTER DATABASE " + tx.quote_name(name) + " ALLOW_CONNECTIONS true");
    auto healthy = anonymous.Get("/health");
    EXPECT_EQ(healthy.status, 200u) << healthy.body;
    EXPECT_EQ(Str(Object(healthy), "status"), "healthy");
}

}  // namespace
}  // namespace waka::coordinator::api::testing
