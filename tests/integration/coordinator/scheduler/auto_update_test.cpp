#include "tests/integration/coordinator/scheduler/scheduler_fixture.hpp"
#include "tests/support/process/process.hpp"

// Auto-update (docs/design.md §4.1 row "auto-update"): a newer compatible release reaches
// auto_update instances in their window, becomes a proposal on manual_approval ones, and nothing on
// frozen ones; scans and restarts never create a second deployment for the same change.
namespace waka::coordinator::api::testing {
namespace {

class AutoUpdateTest : public SchedulerTest {
protected:
    void SetUp() override {
        SchedulerTest::SetUp();
        Publish("suite", "commerce", "1.0.0", R"({"platform:webwaka-platform":"^2.0.0"})");
        auto manifest = client_->Post(
            "/api/v1/manifests",
            R"({"id":"manifest-002","platform_version":"2.0.0","suites":{"commerce":"1.0.0"}})");
        ASSERT_EQ(manifest.status, 201u) << manifest.body;
        for (const char* id : {"instance-manual", "instance-frozen"}) {
            ASSERT_EQ(
                client_->Post("/api/v1/instances", R"({"id":")" + std::string(id) + "\"}").status,
                201u);
        }
        // As if manifest-002 had been deployed everywhere.
        Sql("UPDATE instances SET current_manifest_id = 'manifest-002'");
        SetPolicy(R"("policy_type":"auto_update","maintenance_windows":)" +
                  std::string(kMondayWindow));
        for (const auto& [id, type] : {std::pair{"instance-manual", "manual_approval"},
                                       std::pair{"instance-frozen", "frozen"}}) {
            auto created = client_->Post(
                "/api/v1/policies?instance_id=" + std::string(id) + "&policy_type=" + type, "");
            ASSERT_EQ(created.status, 201u) << created.body;
        }
    }

    void Publish(const std::string& type, const std::string& name, const std::string& version,
                 const std::string& dependencies = "{}", bool with_artifact = true) {
        auto created = client_->Post(
            "/api/v1/versions", R"({"component_type":")" + type + R"(","component_name":")" + name +
                                    R"(","version":")" + version + R"(","dependencies":)" +
                                    dependencies + "}");
        ASSERT_EQ(created.status, 201u) << created.body;
        if (with_artifact) {
            ASSERT_EQ(Upload(type, name, version, type + name + version).status, 201u);
        }
    }

    boost::json::array DeploymentsOf(const std::string& instance_id) {
        auto listed = client_->Get("/api/v1/deployments?instance_id=" + instance_id);
        EXPECT_EQ(listed.status, 200u) << listed.body;
        auto value = Json(listed);
        return value.is_array() ? value.as_array() : boost::json::array{};
    }

    std::string Field(const std::string& instance_id, std::string_view key) {
        auto list = DeploymentsOf(instance_id);
        return list.size() == 1 ? Str(list[0].as_object(), key)
                                : "<" + std::to_string(list.size()) + ">";
    }
};

TEST_F(AutoUpdateTest, ANewerCompatibleReleaseFollowsEachChannel) {
    Publish("platform", "webwaka-platform", "3.0.0");  // commerce 1.0.0 needs ^2.0.0
    Publish("platform", "webwaka-platform", "2.2.0-rc.1");
    Publish("platform", "webwaka-platform", "2.3.0", "{}", false);  // no artifact yet
    Publish("platform", "webwaka-platform", "2.1.0");

    auto report = Pass();
    EXPECT_EQ(report.auto_updates, 2);
    EXPECT_EQ(Field("instance-prod-01", "status"), "scheduled");  // window closed at 09:00
    EXPECT_EQ(Field("instance-manual", "status"), "awaiting_approval");
    EXPECT_EQ(Field("instance-frozen", "status"), "<0>");
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action = 'deployment.auto_update' "
                       "AND decision = 'refused' AND instance_id = 'instance-frozen'"),
              "1");

    const auto manifest_id = Field("instance-prod-01", "manifest_id");
    auto manifest = Object(client_->Get("/api/v1/manifests/" + manifest_id));
    EXPECT_EQ(Str(manifest, "platform_version"), "2.1.0");
    EXPECT_EQ(Str(manifest, "instance_id"), "instance-prod-01");
    EXPECT_EQ(boost::json::serialize(manifest.at("suites")), R"({"commerce":"1.0.0"})");
    EXPECT_EQ(Field("instance-prod-01", "requested_by"), "system");
    EXPECT_NE(Field("instance-prod-01", "reason").find("platform:webwaka-platform 2.0.0 -> 2.1.0"),
              std::string::npos);

    clock_.Set(At(10, 5));
    EXPECT_EQ(Pass().started, 1);
    EXPECT_EQ(Field("instance-prod-01", "status"), "queued");

    const auto proposal = Field("instance-manual", "id");
    auto approved = alice_->Post("/api/v1/deployments/" + proposal + "/approve", "");
    ASSERT_EQ(approved.status, 200u) << approved.body;
    EXPECT_EQ(Str(Object(approved), "status"), "queued");
}

TEST_F(AutoUpdateTest, ScansAndRestartsNeverCreateASecondDeployment) {
    Publish("platform", "webwaka-platform", "2.1.0");
    EXPECT_EQ(Pass().auto_updates, 2);
    EXPECT_EQ(Pass().auto_updates, 0);

    // Another release that changes no target, then a new scheduler (a restart): found, not redone.
    Publish("capability", "reporting", "1.0.0");
    EXPECT_EQ(Pass().auto_updates, 0);
    scheduler_ = core_->MakeScheduler(io_.get_executor(), deploy::SchedulerOptions{});
    EXPECT_TRUE(test::WaitFor([&] { return Pass().leader; }, std::chrono::seconds(10)));
    EXPECT_EQ(Count("deployments"), 2);
    EXPECT_EQ(SqlValue("SELECT count(*) FROM manifests WHERE created_by = 'system'"), "2");
}

TEST_F(AutoUpdateTest, NothingIsProposedWithoutACompatibleNewerRelease) {
    Publish("platform", "webwaka-platform", "3.0.0");
    EXPECT_EQ(Pass().auto_updates, 0);
    EXPECT_EQ(Count("deployments"), 0);
}

}  // namespace
}  // namespace waka::coordinator::api::testing
