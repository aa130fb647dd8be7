#include "coordinator/deploy/dispatcher.hpp"

#include "tests/unit/coordinator/deploy/deploy_fixture.hpp"

// Dispatch (docs/design.md §4.3, ADR 0006) over fakes: only to agents connected here, one in flight
// per instance, in creation order, and the unfinished instruction again after a reconnect.
namespace waka::coordinator::deploy::testing {
namespace {

using domain::DeploymentStatus;

class DispatcherTest : public DeployTest {};

TEST_F(DispatcherTest, QueuedDeploymentGoesToTheConnectedAgentWithEverythingItNeeds) {
    repositories_.deployments.Put(Queued("deploy-1"));
    agents_.Connect("instance-a");

    Run(dispatcher_.DispatchNext("instance-a"));

    const auto sent = agents_.Sent();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].first, "instance-a");
    const auto& instruction = sent[0].second;
    EXPECT_EQ(instruction.op_id, "deploy-1");
    EXPECT_EQ(instruction.kind, "deploy");
    ASSERT_EQ(instruction.components.size(), 1u);
    EXPECT_EQ(instruction.components[0].to_version, "2.1.0");
    EXPECT_EQ(instruction.components[0].size, 123u);
    EXPECT_EQ(instruction.components[0].download_path,
              "/agent/v1/artifacts/" + std::string(64, 'a'));
    // Due one hour after the coordinator's "now" (the injected clock).
    EXPECT_EQ(instruction.deadline_unix_seconds, 1'800'000'000 + 3600);
    EXPECT_EQ(repositories_.deployments.At("deploy-1").status, DeploymentStatus::kDeploying);
}

TEST_F(DispatcherTest, NothingIsClaimedForAnAgentConnectedElsewhere) {
    repositories_.deployments.Put(Queued("deploy-1"));

    Run(dispatcher_.DispatchNext("instance-a"));

    EXPECT_TRUE(agents_.Sent().empty());
    EXPECT_EQ(repositories_.deployments.At("deploy-1").status, DeploymentStatus::kQueued);
}

TEST_F(DispatcherTest, OneInFlightPerInstanceInCreationOrder) {
    repositories_.deployments.Put(Queued("deploy-1"));
    repositories_.deployments.Put(Queued("deploy-2"));
    repositories_.deployments.Put(Queued("deploy-other", "instance-b"));
    agents_.Connect("instance-a");

    Run(dispatcher_.DispatchNext("instance-a"));
    Run(dispatcher_.DispatchNext("instance-a"));

    ASSERT_EQ(agents_.Sent().size(), 1u);
    EXPECT_EQ(agents_.Sent()[0].second.op_id, "deploy-1");
    EXPECT_EQ(repositories_.deployments.At("deploy-2").status, DeploymentStatus::kQueued);
    EXPECT_EQ(repositories_.deployments.At("deploy-other").status, DeploymentStatus::kQueued);
}

TEST_F(DispatcherTest, ScheduledAndAwaitingDeploymentsAreNotDispatched) {
    repositories_.deployments.Put(Queued("deploy-1", "instance-a", DeploymentStatus::kScheduled));
    repositories_.deployments.Put(
        Queued("deploy-2", "instance-a", DeploymentStatus::kAwaitingApproval));
    agents_.Connect("instance-a");

    Run(dispatcher_.DispatchNext("instance-a"));

    EXPECT_TRUE(agents_.Sent().empty());
}

TEST_F(DispatcherTest, AReconnectedAgentGetsItsUnfinishedInstructionAgain) {
    repositories_.deployments.Put(Queued("deploy-1", "instance-a", DeploymentStatus::kDeploying));
    repositories_.deployments.Put(Queued("deploy-2"));
    agents_.Connect("instance-a");

    Run(dispatcher_.ResumeOrDispatch("instance-a"));

    ASSERT_EQ(agents_.Sent().size(), 1u);
    EXPECT_EQ(agents_.Sent()[0].second.op_id, "deploy-1");  // at-least-once, same op_id
    EXPECT_EQ(repositories_.deployments.At("deploy-2").status, DeploymentStatus::kQueued);
}

TEST_F(DispatcherTest, AnInstructionTheSessionCannotTakeStaysDeployingAndGoesAgain) {
    repositories_.deployments.Put(Queued("deploy-1"));
    agents_.Connect("instance-a");
    agents_.RefuseSends(true);

    Run(dispatcher_.DispatchNext("instance-a"));
    EXPECT_TRUE(agents_.Sent().empty());
    EXPECT_EQ(repositories_.deployments.At("deploy-1").status, DeploymentStatus::kDeploying);

    agents_.RefuseSends(false);  // the agent's next session
    Run(dispatcher_.ResumeOrDispatch("instance-a"));
    ASSERT_EQ(agents_.Sent().size(), 1u);
    EXPECT_EQ(agents_.Sent()[0].second.op_id, "deploy-1");
}

TEST_F(DispatcherTest, CancelIsAskedOfTheAgentOnlyWhenConnectedHere) {
    EXPECT_FALSE(dispatcher_.RequestCancel("instance-a", "deploy-1"));
    agents_.Connect("instance-a");
    EXPECT_TRUE(dispatcher_.RequestCancel("instance-a", "deploy-1"));
    ASSERT_EQ(agents_.Cancels().size(), 1u);
    EXPECT_EQ(agents_.Cancels()[0].second, "deploy-1");
}

}  // namespace
}  // namespace waka::coordinator::deploy::testing
