#include "coordinator/deploy/agent_sessions.hpp"

#include "coordinator/deploy/deployment_service.hpp"
#include "coordinator/deploy/evaluation.hpp"
#include "coordinator/deploy/patch_service.hpp"
#include "coordinator/deploy/policy_decider.hpp"
#include "coordinator/deploy/resolution_service.hpp"
#include "shared/core/crypto.hpp"
#include "tests/unit/coordinator/deploy/deploy_fixture.hpp"

// What the coordinator does with what agents say (docs/design.md §6), over fakes: results end the
// deployment once and free the instance for the next one, versions undone are quarantined,
// progress is kept live with one event per step, enrollment trades a token for a credential.
namespace waka::coordinator::deploy::testing {
namespace {

using domain::DeploymentStatus;

class AgentSessionsTest : public DeployTest {
protected:
    ports::AgentResult Result(const std::string& op_id, ports::AgentOutcome outcome,
                              std::string error = "") {
        ports::AgentResult result;
        result.op_id = op_id;
        result.outcome = outcome;
        result.error = std::move(error);
        result.inventory = {{"platform", "webwaka-platform", "2.1.0"}};
        return result;
    }

    ResolutionService resolution_{repositories_.ports, clock_};
    PolicyDecider decider_{repositories_.policies, clock_};
    Evaluation evaluation_{resolution_, decider_, repositories_.audit, clock_};
    DeploymentService deployments_{repositories_.deployments, evaluation_, dispatcher_,
                                   background_};
    ApprovalService approvals_{repositories_.ports, clock_, deployments_, dispatcher_};
    RolloutService rollouts_{repositories_.ports, resolution_, deployments_, approvals_, clock_};
    PatchService patches_{repositories_.ports, evaluation_, deployments_, rollouts_, background_};
    ProgressBoard progress_;
    AgentSessions sessions_{
        repositories_.ports,     dispatcher_, progress_, patches_, background_, clock_,
        "/nonexistent/artifacts"};
};

TEST_F(AgentSessionsTest, SuccessEndsTheDeploymentAndSendsTheNextQueuedOne) {
    repositories_.deployments.Put(Queued("deploy-1", "instance-a", DeploymentStatus::kDeploying));
    repositories_.deployments.Put(Queued("deploy-2"));
    agents_.Connect("instance-a");

    Run(sessions_.OnResult("instance-a", Result("deploy-1", ports::AgentOutcome::kSucceeded)));

    EXPECT_EQ(repositories_.deployments.At("deploy-1").status, DeploymentStatus::kDeployed);
    EXPECT_EQ(repositories_.deployments.current_manifests.at("instance-a"), "manifest-deploy-1");
    EXPECT_EQ(repositories_.deployments.inventories.at("instance-a").at(0).version, "2.1.0");
    ASSERT_EQ(agents_.Sent().size(), 1u);
    EXPECT_EQ(agents_.Sent()[0].second.op_id, "deploy-2");
    EXPECT_EQ(repositories_.deployments.At("deploy-2").status, DeploymentStatus::kDeploying);
}

// What it removed is quarantined by Complete in the same transaction (PostgreSQL; the patches and
// rollback e2e tests read the quarantine right after the outcome), not by a second call from here.
TEST_F(AgentSessionsTest, AnUndoneDeploymentIsRecordedAsRolledBack) {
    repositories_.deployments.Put(Queued("deploy-1", "instance-a", DeploymentStatus::kDeploying));

    Run(sessions_.OnResult(
        "instance-a", Result("deploy-1", ports::AgentOutcome::kRolledBack, "health check failed")));

    EXPECT_EQ(repositories_.deployments.At("deploy-1").status, DeploymentStatus::kRolledBack);
    EXPECT_FALSE(repositories_.deployments.current_manifests.contains("instance-a"));
    EXPECT_EQ(repositories_.deployments.At("deploy-1").error_message, "health check failed");
    EXPECT_TRUE(repositories_.quarantines.added.empty()) << "quarantined outside Complete";
}

TEST_F(AgentSessionsTest, AFailureIsRecordedAsFailed) {
    repositories_.deployments.Put(Queued("deploy-1", "instance-a", DeploymentStatus::kDeploying));

    Run(sessions_.OnResult("instance-a", Result("deploy-1", ports::AgentOutcome::kFailed, "disk")));

    EXPECT_EQ(repositories_.deployments.At("deploy-1").status, DeploymentStatus::kFailed);
    EXPECT_EQ(repositories_.deployments.At("deploy-1").error_message, "disk");
}

TEST_F(AgentSessionsTest, AReDeliveredResultChangesNothing) {
    repositories_.deployments.Put(Queued("deploy-1", "instance-a", DeploymentStatus::kDeploying));
    Run(sessions_.OnResult("instance-a", Result("deploy-1", ports::AgentOutcome::kRolledBack)));
    const auto events = repositories_.deployments.At("deploy-1").events.size();

    // At-least-once delivery: the agent answers its stored result again, even a different one.
    Run(sessions_.OnResult("instance-a", Result("deploy-1", ports::AgentOutcome::kSucceeded)));

    EXPECT_EQ(repositories_.deployments.At("deploy-1").status, DeploymentStatus::kRolledBack);
    EXPECT_EQ(repositories_.deployments.At("deploy-1").events.size(), events);
}

TEST_F(AgentSessionsTest, AResultForAnotherInstancesDeploymentIsIgnored) {
    repositories_.deployments.Put(Queued("deploy-1", "instance-a", DeploymentStatus::kDeploying));

    Run(sessions_.OnResult("instance-b", Result("deploy-1", ports::AgentOutcome::kSucceeded)));

    EXPECT_EQ(repositories_.deployments.At("deploy-1").status, DeploymentStatus::kDeploying);
}

TEST_F(AgentSessionsTest, ProgressIsLiveWithOneEventPerStepAndForgottenOnTheResult) {
    repositories_.deployments.Put(Queued("deploy-1", "instance-a", DeploymentStatus::kDeploying));
    auto report = [](std::string step, std::uint64_t done) {
        return ports::AgentProgress{"deploy-1", std::move(step), "platform:webwaka-platform", done,
                                    1000};
    };
    Run(sessions_.OnProgress("instance-a", report("download", 10)));
    Run(sessions_.OnProgress("instance-a", report("download", 500)));
    Run(sessions_.OnProgress("instance-a", report("activate", 1000)));

    const auto& events = repositories_.deployments.At("deploy-1").events;
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].message, "download platform:webwaka-platform (1000 bytes)");
    EXPECT_EQ(events[1].step, "activate");
    auto live = progress_.Latest("deploy-1");
    ASSERT_TRUE(live);
    EXPECT_EQ(live->bytes_done, 1000u);

    Run(sessions_.OnResult("instance-a", Result("deploy-1", ports::AgentOutcome::kSucceeded)));
    EXPECT_FALSE(progress_.Latest("deploy-1"));
}

TEST_F(AgentSessionsTest, EnrollmentTradesTheTokenForACredentialOnce) {
    repositories_.instances.agents["instance-a"] = {"", Sha256Hex("enroll-token")};
    ports::AgentHello hello;
    hello.instance_id = "instance-a";
    hello.credential = "enroll-token";

    auto first = Run(sessions_.Authenticate(hello));
    ASSERT_TRUE(first.accepted) << first.reason;
    ASSERT_EQ(first.new_credential.rfind("cred_", 0), 0u);
    // Only the credential's digest is kept; the token no longer works.
    EXPECT_EQ(repositories_.instances.agents["instance-a"].credential_hash,
              Sha256Hex(first.new_credential));
    auto again = Run(sessions_.Authenticate(hello));
    EXPECT_FALSE(again.accepted);
    EXPECT_EQ(again.reason, "unknown instance or invalid credential");

    hello.credential = first.new_credential;
    auto with_credential = Run(sessions_.Authenticate(hello));
    EXPECT_TRUE(with_credential.accepted);
    EXPECT_TRUE(with_credential.new_credential.empty());
}

TEST_F(AgentSessionsTest, AHelloWithABadIdOrNoCredentialIsRefusedWithoutALookup) {
    ports::AgentHello hello;
    hello.instance_id = "../etc";
    hello.credential = "x";
    EXPECT_FALSE(Run(sessions_.Authenticate(hello)).accepted);
    hello.instance_id = "instance-a";
    hello.credential = "";
    EXPECT_FALSE(Run(sessions_.Authenticate(hello)).accepted);
}

TEST_F(AgentSessionsTest, ConnectingResendsTheUnfinishedInstructionAndCatchesUpInTheBackground) {
    repositories_.deployments.Put(Queued("deploy-1", "instance-a", DeploymentStatus::kDeploying));
    agents_.Connect("instance-a");
    ports::AgentHello hello;
    hello.instance_id = "instance-a";

    Run(sessions_.OnConnected(hello, "session-1"));
    Drain();

    EXPECT_EQ(repositories_.instances.calls.at(0), "connected instance-a session-1");
    ASSERT_EQ(agents_.Sent().size(), 1u);
    EXPECT_EQ(agents_.Sent()[0].second.op_id, "deploy-1");
    EXPECT_EQ(background_.Running(), 0u);  // the catch-up ran (over an empty catalog) and ended
}

TEST_F(AgentSessionsTest, HeartbeatsAreWrittenTogetherAtMostEveryThirtySeconds) {
    Run(sessions_.OnHeartbeat("instance-a"));
    Drain();
    Run(sessions_.OnHeartbeat("instance-c"));
    Run(sessions_.OnHeartbeat("instance-b"));
    Run(sessions_.OnHeartbeat("instance-c"));
    Drain();
    EXPECT_EQ(repositories_.instances.calls, (std::vector<std::string>{"seen instance-a"}));

    clock_.Advance(std::chrono::seconds(31));
    Run(sessions_.OnHeartbeat("instance-a"));
    Drain();
    EXPECT_EQ(
        repositories_.instances.calls,
        (std::vector<std::string>{"seen instance-a", "seen instance-a instance-b instance-c"}));
    EXPECT_EQ(background_.Running(), 0u);
}

TEST_F(AgentSessionsTest, ArtifactsAreServedOnlyByDigestAndWhenRegistered) {
    EXPECT_TRUE(Run(sessions_.ArtifactPath("../../etc/passwd")).error().Is(Errc::kInvalidArgument));
    const std::string sha(64, 'b');
    EXPECT_TRUE(Run(sessions_.ArtifactPath(sha)).error().Is(Errc::kNotFound));
    repositories_.catalog.artifacts.insert(sha);
    // Registered, but the file is not on this coordinator's disk.
    EXPECT_TRUE(Run(sessions_.ArtifactPath(sha)).error().Is(Errc::kNotFound));
}

// The rule itself is one SQL query (tests/integration/coordinator/deploy/artifact_access_test.cpp);
// here: what never reaches the repository, and that the instance asked about is the one passed.
TEST_F(AgentSessionsTest, DownloadsAreAllowedOnlyForTheInstancesDeploymentInFlight) {
    const std::string sha(64, 'a');  // planned by Queued()
    repositories_.deployments.Put(Queued("deploy-1", "instance-a", DeploymentStatus::kDeploying));
    repositories_.deployments.Put(Queued("deploy-2", "instance-b"));

    EXPECT_TRUE(*Run(sessions_.MayDownload("instance-a", sha)));
    EXPECT_FALSE(*Run(sessions_.MayDownload("instance-b", sha)));  // queued, not dispatched
    EXPECT_FALSE(*Run(sessions_.MayDownload("instance-a", std::string(64, 'b'))));
    EXPECT_FALSE(*Run(sessions_.MayDownload("instance-a", "../../etc/passwd")));
    EXPECT_FALSE(*Run(sessions_.MayDownload("", sha)));
}

}  // namespace
}  // namespace waka::coordinator::deploy::testing
