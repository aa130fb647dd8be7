#pragma once

#include <string>
#include <vector>

#include "coordinator/ports/agent_events.hpp"
#include "tests/integration/coordinator/api/api_fixture.hpp"

// The runbook's world for rollbacks and patches: instance-prod-01, platform 2.0.0 and 2.1.0 and
// suite:commerce 1.5.0 and 1.5.1 with artifacts; manifest-001 (2.0.0 + commerce 1.5.0),
// manifest-002 (2.1.0 + commerce 1.5.0), manifest-003 (2.1.0, never deployed).
namespace waka::coordinator::api::testing {

class PatchRollbackTest : public ApiTest {
protected:
    void SetUp() override;
    // These tests are about what each channel decides for a patch, not about pacing (the rollout
    // tests'): enforcement sends to every affected instance at once, and no scheduler runs here.
    void AdjustCoreOptions(app::CoreOptions& options) override {
        options.patches.enforcement.max_concurrency = domain::Amount{true, 100};
    }

    // POST /deployments of the manifest, then the agent's "succeeded" result through the
    // deployment service (as the gateway delivers it): answers the deployment id.
    std::string Deployed(const std::string& manifest_id,
                         const std::string& instance_id = "instance-prod-01");
    // Delivers the agent's result for a queued deployment (moved to deploying first, as a
    // dispatch would). succeeded false: the agent rolled itself back.
    void FinishOnAgent(const std::string& deployment_id, const std::string& instance_id,
                       bool succeeded);
    // The components of the manifest selected by `manifest_sql` (a scalar subquery).
    std::vector<domain::InstalledComponent> Inventory(const std::string& manifest_sql);
    void SetPolicy(const std::string& instance_id, const std::string& policy_type);
    void AddInstance(const std::string& instance_id);
    void Exec(const std::string& sql);
};

}  // namespace waka::coordinator::api::testing
