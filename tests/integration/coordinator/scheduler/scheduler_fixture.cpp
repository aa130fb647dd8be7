#include "tests/integration/coordinator/scheduler/scheduler_fixture.hpp"

#include <pqxx/pqxx>

#include "tests/support/pg/migrated_database.hpp"

namespace waka::coordinator::api::testing {

void SchedulerTest::SetUp() {
    ApiTest::SetUp();
    clock_.Set(At(9));
    scheduler_ = core_->MakeScheduler(io_.get_executor(), deploy::SchedulerOptions{});
    ops_ = std::make_unique<test::HttpClient>(ClientWith(MakeToken("ops", "operator")));
    alice_ = std::make_unique<test::HttpClient>(ClientWith(MakeToken("alice", "approver")));
    bob_ = std::make_unique<test::HttpClient>(ClientWith(MakeToken("bob", "approver")));
    SeedCatalog();
}

void SchedulerTest::TearDown() {
    scheduler_.reset();
    ApiTest::TearDown();
}

void SchedulerTest::SeedCatalog() {
    ASSERT_EQ(client_->Post("/api/v1/instances", R"({"id":"instance-prod-01"})").status, 201u);
    CreateVersion("platform", "webwaka-platform", "2.0.0");
    ASSERT_EQ(Upload("platform", "webwaka-platform", "2.0.0", "platform 2.0.0").status, 201u);
    auto manifest =
        client_->Post("/api/v1/manifests", R"({"id":"manifest-001","platform_version":"2.0.0"})");
    ASSERT_EQ(manifest.status, 201u) << manifest.body;
}

void SchedulerTest::SetPolicy(const std::string& json_members) {
    auto created = client_->Post("/api/v1/policies",
                                 R"({"instance_id":"instance-prod-01",)" + json_members + "}");
    ASSERT_EQ(created.status, 201u) << created.body;
}

boost::json::object SchedulerTest::Deploy(test::HttpClient& client) {
    auto created =
        client.Post("/api/v1/deployments",
                    R"({"manifest_id":"manifest-001","instance_id":"instance-prod-01"})");
    EXPECT_EQ(created.status, 201u) << created.body;
    return Object(created);
}

boost::json::object SchedulerTest::GetDeployment(const std::string& id) {
    auto found = client_->Get("/api/v1/deployments/" + id);
    EXPECT_EQ(found.status, 200u) << found.body;
    return Object(found);
}

std::string SchedulerTest::StatusOf(const std::string& id) {
    return Str(GetDeployment(id), "status");
}

deploy::PassReport SchedulerTest::Pass(deploy::Scheduler& scheduler) {
    auto report = test::RunSync(scheduler.RunOnce());
    EXPECT_TRUE(report) << report.error().message;
    return report ? *report : deploy::PassReport{};
}

void SchedulerTest::Sql(const std::string& statement) {
    auto done = database_->WithConnection([&](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        tx.exec(statement);
        tx.commit();
        return {};
    });
    ASSERT_TRUE(done) << done.error().message;
}

}  // namespace waka::coordinator::api::testing
