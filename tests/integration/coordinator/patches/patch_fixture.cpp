#include "tests/integration/coordinator/patches/patch_fixture.hpp"

#include <chrono>
#include <pqxx/pqxx>
#include <sstream>
#include <thread>

#include "tests/support/pg/migrated_database.hpp"

namespace waka::coordinator::api::testing {

void PatchRollbackTest::SetUp() {
    ApiTest::SetUp();
    AddInstance("instance-prod-01");
    for (const char* version : {"2.0.0", "2.1.0"}) {
        CreateVersion("platform", "webwaka-platform", version);
        ASSERT_EQ(
            Upload("platform", "webwaka-platform", version, std::string("platform ") + version)
                .status,
            201u);
    }
    for (const char* version : {"1.5.0", "1.5.1"}) {
        CreateVersion("suite", "commerce", version);
        ASSERT_EQ(Upload("suite", "commerce", version, std::string("commerce ") + version).status,
                  201u);
    }
    for (const auto& body :
         {R"({"id":"manifest-001","platform_version":"2.0.0","suites":{"commerce":"1.5.0"}})",
          R"({"id":"manifest-002","platform_version":"2.1.0","suites":{"commerce":"1.5.0"}})",
          R"({"id":"manifest-003","platform_version":"2.1.0"})"}) {
        auto created = client_->Post("/api/v1/manifests", body);
        ASSERT_EQ(created.status, 201u) << created.body;
    }
}

void PatchRollbackTest::AddInstance(const std::string& instance_id) {
    auto created = client_->Post("/api/v1/instances", R"({"id":")" + instance_id + R"("})");
    ASSERT_EQ(created.status, 201u) << created.body;
}

void PatchRollbackTest::Exec(const std::string& sql) {
    auto done = database_->WithConnection([&](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        tx.exec0(sql);
        tx.commit();
        return {};
    });
    ASSERT_TRUE(done) << done.error().message;
}

std::vector<domain::InstalledComponent> PatchRollbackTest::Inventory(
    const std::string& manifest_sql) {
    std::vector<domain::InstalledComponent> inventory;
    const std::string listed = SqlValue(
        "SELECT string_agg(t || ' ' || n || ' ' || v, ',') FROM (SELECT 'platform' AS t, "
        "platform_name AS n, platform_version AS v FROM manifests WHERE id = " +
        manifest_sql +
        " UNION ALL SELECT 'suite', key, value FROM manifests, jsonb_each_text(suites) WHERE id "
        "= " +
        manifest_sql + ") c");
    std::istringstream items(listed == "<null>" ? "" : listed);
    for (std::string item; std::getline(items, item, ',');) {
        std::istringstream fields(item);
        domain::InstalledComponent component;
        fields >> component.type >> component.name >> component.version;
        inventory.push_back(component);
    }
    return inventory;
}

void PatchRollbackTest::FinishOnAgent(const std::string& deployment_id,
                                      const std::string& instance_id, bool succeeded) {
    // No agent is connected in these tests: the dispatch step is played by hand, the result goes
    // through the service's real completion path.
    Exec("UPDATE deployments SET status = 'deploying', started_at = now() WHERE id = '" +
         deployment_id + "'");
    ports::AgentResult result;
    result.op_id = deployment_id;
    // What the agent reports installed: the new manifest's components, or the old ones after its
    // own rollback.
    const std::string manifest =
        succeeded ? "(SELECT manifest_id FROM deployments WHERE id = '" + deployment_id + "')"
                  : "(SELECT current_manifest_id FROM instances WHERE id = '" + instance_id + "')";
    result.inventory = Inventory(manifest);
    result.outcome = succeeded ? ports::AgentOutcome::kSucceeded : ports::AgentOutcome::kRolledBack;
    result.error = succeeded ? "" : "health check failed";
    test::RunSync(core_->sessions.OnResult(instance_id, result));
    ASSERT_EQ(SqlValue("SELECT status FROM deployments WHERE id = '" + deployment_id + "'"),
              succeeded ? "deployed" : "rolled_back");
}

std::string PatchRollbackTest::Deployed(const std::string& manifest_id,
                                        const std::string& instance_id) {
    auto created =
        client_->Post("/api/v1/deployments", R"({"manifest_id":")" + manifest_id +
                                                 R"(","instance_id":")" + instance_id + R"("})");
    EXPECT_EQ(created.status, 201u) << created.body;
    const std::string id = Str(Object(created), "id");
    FinishOnAgent(id, instance_id, true);
    return id;
}

void PatchRollbackTest::SetPolicy(const std::string& instance_id, const std::string& policy_type) {
    auto created = client_->Post(
        "/api/v1/policies?instance_id=" + instance_id + "&policy_type=" + policy_type, "");
    ASSERT_EQ(created.status, 201u) << created.body;
}

}  // namespace waka::coordinator::api::testing
