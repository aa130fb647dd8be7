#pragma once

#include <string>

#include "tests/integration/coordinator/scheduler/scheduler_fixture.hpp"
#include "tests/support/pg/migrated_database.hpp"

// The world of the rollout tests (rollout_test.cpp, patch_rollout_test.cpp): platform 2.0.0
// (manifest-001) and 2.1.0 (manifest-002) with artifacts, a fleet of labelled instances, and
// agents played through the deployment repository, so every outcome is chosen by the test.
namespace waka::coordinator::api::testing {

class RolloutTest : public SchedulerTest {
protected:
    void SetUp() override {
        SchedulerTest::SetUp();
        deploy::SchedulerOptions options;
        options.auto_update = false;
        scheduler_ = core_->MakeScheduler(io_.get_executor(), options);
        CreateVersion("platform", "webwaka-platform", "2.1.0");
        ASSERT_EQ(Upload("platform", "webwaka-platform", "2.1.0", "platform 2.1.0").status, 201u);
        auto manifest = client_->Post("/api/v1/manifests",
                                      R"({"id":"manifest-002","platform_version":"2.1.0"})");
        ASSERT_EQ(manifest.status, 201u) << manifest.body;
    }

    // prod-1..prod-n labelled env=prod, region alternating lagos/abuja; dev-1 env=dev.
    void Fleet(int prod) {
        for (int i = 1; i <= prod; ++i) {
            const std::string region = i % 2 == 0 ? "abuja" : "lagos";
            auto created =
                client_->Post("/api/v1/instances", R"({"id":"prod-)" + std::to_string(i) +
                                                       R"(","labels":{"env":"prod","region":")" +
                                                       region + R"("}})");
            ASSERT_EQ(created.status, 201u) << created.body;
        }
        ASSERT_EQ(
            client_->Post("/api/v1/instances", R"({"id":"dev-1","labels":{"env":"dev"}})").status,
            201u);
    }

    test::HttpResult Create(const std::string& body, test::HttpClient* as = nullptr) {
        return (as != nullptr ? *as : *ops_).Post("/api/v1/rollouts", body);
    }

    std::string CreateOk(const std::string& body) {
        auto created = Create(body);
        EXPECT_EQ(created.status, 201u) << created.body;
        return Str(Object(created), "id");
    }

    boost::json::object Get(const std::string& id) {
        auto found = client_->Get("/api/v1/rollouts/" + id);
        EXPECT_EQ(found.status, 200u) << found.body;
        return Object(found);
    }

    static std::int64_t PhaseCount(const boost::json::object& rollout, std::size_t phase,
                                   std::string_view status) {
        return rollout.at("phases").as_array().at(phase).as_object().at(status).as_int64();
    }

    // The agent of `instance` takes its next queued deployment and reports `outcome`; answers the
    // deployment's id.
    std::string AgentFinishes(const std::string& instance, domain::StatusEvent outcome,
                              const std::string& version) {
        auto& deployments = core_->Repositories().deployments;
        auto claimed = test::RunSync(deployments.ClaimNext(instance));
        EXPECT_TRUE(claimed && *claimed) << instance << ": nothing to claim";
        if (!claimed || !*claimed) {
            return "";
        }
        const std::string id = (*claimed)->deployment.id;
        std::vector<domain::InstalledComponent> inventory{
            {"platform", "webwaka-platform", version}};
        auto done = test::RunSync(deployments.Complete(
            id, instance, outcome,
            outcome == domain::StatusEvent::kAgentSucceeded ? "" : "health check failed",
            inventory));
        EXPECT_TRUE(done && *done) << instance;
        return id;
    }

    // Every prod instance on manifest-001 through a first rollout that succeeds.
    void EveryoneOnManifest001(int prod) {
        const auto id = CreateOk(R"({"manifest_id":"manifest-001","selector":"env=prod"})");
        Pass();
        for (int i = 1; i <= prod; ++i) {
            AgentFinishes("prod-" + std::to_string(i), domain::StatusEvent::kAgentSucceeded,
                          "2.0.0");
        }
        Pass();
        ASSERT_EQ(Str(Get(id), "state"), "succeeded");
    }
};

}  // namespace waka::coordinator::api::testing
