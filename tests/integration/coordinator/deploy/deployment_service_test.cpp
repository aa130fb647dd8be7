#include "coordinator/deploy/deployment_service.hpp"

#include "tests/integration/coordinator/deploy/deployment_service_fixture.hpp"

namespace waka::coordinator::deploy {
namespace {
using testing::DeploymentServiceTest;
using testing::kEnrollmentToken;
namespace asio = boost::asio;
namespace v1 = waka::agent::v1;
using namespace std::chrono_literals;

TEST_F(DeploymentServiceTest, EnrollmentIssuesACredentialOnceAndStoresOnlyItsDigest) {
    auto agent = ConnectAgent();
    const auto credential = Enroll(*agent);
    ASSERT_FALSE(credential.empty());
    EXPECT_EQ(SqlValue("SELECT credential_hash FROM instances"), Sha256Hex(credential));
    EXPECT_EQ(SqlValue("SELECT enrollment_token_hash FROM instances"), "<null>");

    auto replay = ConnectAgent();
    ASSERT_TRUE(replay->Send(test::MakeHelloEnvelope("instance-prod-01", kEnrollmentToken)));
    EXPECT_TRUE(replay->WaitClosed(5s));
    EXPECT_NE(replay->CloseReason().find("invalid credential"), std::string::npos)
        << replay->CloseReason();
}

TEST_F(DeploymentServiceTest, DeploymentIsDispatchedAndFollowsTheAgentToDeployed) {
    auto agent = ConnectAgent();
    ASSERT_FALSE(Enroll(*agent).empty());
    ASSERT_TRUE(test::WaitFor([&] { return gateway_->IsConnected("instance-prod-01"); }, 5s));

    auto created = Await(service_->Create(operator_, Request()));
    ASSERT_TRUE(created) << created.error().message;
    ASSERT_EQ(created->deployment.plan.size(), 3u);
    auto instruction = NextInstruction(*agent);
    ASSERT_TRUE(instruction);
    EXPECT_EQ(instruction->op_id(), created->deployment.id);
    ASSERT_EQ(instruction->components_size(), 3);
    EXPECT_EQ(instruction->components(0).type(), "platform");
    EXPECT_EQ(instruction->components(0).download_path(), "/agent/v1/artifacts/" + sha_);
    // The publisher's statement travels verbatim, for the agent to verify with its own keys.
    EXPECT_EQ(instruction->components(0).release_statement(), statements_["platform"].statement);
    EXPECT_EQ(instruction->components(0).release_signature(), statements_["platform"].signature);
    EXPECT_EQ(instruction->components(1).release_statement(), statements_["suite"].statement);
    EXPECT_NE(instruction->configuration_json().find("acme"), std::string::npos);

    v1::Envelope ack;
    ack.set_protocol_version(1);
    ack.mutable_ack()->set_op_id(instruction->op_id());
    ASSERT_TRUE(agent->Send(ack));
    v1::Envelope result;
    result.set_protocol_version(1);
    result.mutable_result()->set_op_id(instruction->op_id());
    result.mutable_result()->set_outcome(v1::OUTCOME_SUCCEEDED);
    auto* item = result.mutable_result()->mutable_inventory()->add_components();
    item->set_type("platform");
    item->set_name("webwaka-platform");
    item->set_version("2.0.0");
    ASSERT_TRUE(agent->Send(result));

    auto deployed = WaitStatus(created->deployment.id, "deployed");
    EXPECT_EQ(domain::ToString(deployed.status), "deployed");
    EXPECT_TRUE(deployed.completed_at.has_value());
    EXPECT_EQ(SqlValue("SELECT current_manifest_id FROM instances"), "manifest-001");
    EXPECT_NE(SqlValue("SELECT inventory::text FROM instances").find("webwaka-platform"),
              std::string::npos);
    EXPECT_EQ(SqlValue("SELECT count(*) FROM deployment_events WHERE step = 'ack'"), "1");

    // A re-delivered result changes nothing.
    ASSERT_TRUE(agent->Send(result));
    ASSERT_TRUE(agent->Send(ack));
    EXPECT_TRUE(test::WaitFor(
        [&] {
            return SqlValue("SELECT count(*) FROM deployment_events WHERE step = 'ack'") == "2";
        },
        5s));
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action = 'deployment.complete'"), "1");
}

TEST_F(DeploymentServiceTest, UnfinishedInstructionIsSentAgainAfterReconnect) {
    auto agent = ConnectAgent();
    const auto credential = Enroll(*agent);
    ASSERT_TRUE(test::WaitFor([&] { return gateway_->IsConnected("instance-prod-01"); }, 5s));
    auto created = Await(service_->Create(operator_, Request()));
    ASSERT_TRUE(created) << created.error().message;
    ASSERT_TRUE(NextInstruction(*agent));
    agent->Close();
    ASSERT_TRUE(test::WaitFor([&] { return !gateway_->IsConnected("instance-prod-01"); }, 5s));

    auto again = ConnectAgent();
    ASSERT_TRUE(again->Send(test::MakeHelloEnvelope("instance-prod-01", credential)));
    auto resent = NextInstruction(*again);
    ASSERT_TRUE(resent);
    EXPECT_EQ(resent->op_id(), created->deployment.id);
    EXPECT_EQ(domain::ToString(Await(service_->Get(created->deployment.id))->status), "deploying");
}

TEST_F(DeploymentServiceTest, SecondDeploymentWaitsUntilTheFirstFinishes) {
    auto agent = ConnectAgent();
    ASSERT_FALSE(Enroll(*agent).empty());
    ASSERT_TRUE(test::WaitFor([&] { return gateway_->IsConnected("instance-prod-01"); }, 5s));
    auto first = Await(service_->Create(operator_, Request()));
    auto second = Await(service_->Create(operator_, Request()));
    ASSERT_TRUE(first && second);
    auto instruction = NextInstruction(*agent);
    ASSERT_TRUE(instruction);
    EXPECT_EQ(instruction->op_id(), first->deployment.id);
    EXPECT_EQ(domain::ToString(Await(service_->Get(second->deployment.id))->status), "queued");

    v1::Envelope result;
    result.set_protocol_version(1);
    result.mutable_result()->set_op_id(first->deployment.id);
    result.mutable_result()->set_outcome(v1::OUTCOME_ROLLED_BACK);
    result.mutable_result()->set_error("health-check failed");
    ASSERT_TRUE(agent->Send(result));
    auto next = NextInstruction(*agent);
    ASSERT_TRUE(next);
    EXPECT_EQ(next->op_id(), second->deployment.id);
    EXPECT_EQ(domain::ToString(Await(service_->Get(first->deployment.id))->status), "rolled_back");
    EXPECT_EQ(SqlValue("SELECT current_manifest_id FROM instances"), "<null>");
}

// The agent's byte counters are kept in memory while it runs (the event history keeps one entry per
// step) and dropped with its result.
TEST_F(DeploymentServiceTest, LatestProgressWithBytesIsHeldUntilTheResult) {
    auto agent = ConnectAgent();
    ASSERT_FALSE(Enroll(*agent).empty());
    ASSERT_TRUE(test::WaitFor([&] { return gateway_->IsConnected("instance-prod-01"); }, 5s));
    auto created = Await(service_->Create(operator_, Request()));
    ASSERT_TRUE(created) << created.error().message;
    auto instruction = NextInstruction(*agent);
    ASSERT_TRUE(instruction);
    const std::string id = instruction->op_id();
    EXPECT_FALSE(core_->progress.Latest(id));

    for (const std::uint64_t done : {1024u, 4096u}) {
        v1::Envelope progress;
        progress.set_protocol_version(1);
        progress.mutable_progress()->set_op_id(id);
        progress.mutable_progress()->set_step("download");
        progress.mutable_progress()->set_component("platform:webwaka-platform");
        progress.mutable_progress()->set_bytes_done(done);
        progress.mutable_progress()->set_bytes_total(8192);
        ASSERT_TRUE(agent->Send(progress));
    }
    ASSERT_TRUE(test::WaitFor(
        [&] {
            auto live = core_->progress.Latest(id);
            return live && live->bytes_done == 4096;
        },
        5s));
    auto live = core_->progress.Latest(id);
    ASSERT_TRUE(live);
    EXPECT_EQ(live->step, "download");
    EXPECT_EQ(live->component, "platform:webwaka-platform");
    EXPECT_EQ(live->bytes_total, 8192u);
    EXPECT_EQ(SqlValue("SELECT count(*) FROM deployment_events WHERE step = 'download'"), "1");

    v1::Envelope result;
    result.set_protocol_version(1);
    result.mutable_result()->set_op_id(id);
    result.mutable_result()->set_outcome(v1::OUTCOME_SUCCEEDED);
    ASSERT_TRUE(agent->Send(result));
    WaitStatus(id, "deployed");
    EXPECT_FALSE(core_->progress.Latest(id));
}

// created_at is stored to the millisecond: deployments created within the same one go out in the
// order they were created, not in the order of their (random) ids.
TEST_F(DeploymentServiceTest, DeploymentsCreatedInTheSameMillisecondGoOutInCreationOrder) {
    auto older = Request();
    older.id = "deploy-zz-created-first";
    auto newer = Request();
    newer.id = "deploy-aa-created-second";
    ASSERT_TRUE(Await(service_->Create(operator_, older)));
    ASSERT_TRUE(Await(service_->Create(operator_, newer)));
    Sql("UPDATE deployments SET created_at = '2026-11-27T03:00:00.123Z'");

    auto agent = ConnectAgent();
    ASSERT_FALSE(Enroll(*agent).empty());
    auto instruction = NextInstruction(*agent);
    ASSERT_TRUE(instruction);
    EXPECT_EQ(instruction->op_id(), older.id);
}

TEST_F(DeploymentServiceTest, RefusedRequestsStoreNothing) {
    auto request = Request();
    request.manifest_id = "manifest-unknown";
    auto unknown_manifest = Await(service_->Create(operator_, request));
    ASSERT_FALSE(unknown_manifest);
    EXPECT_TRUE(unknown_manifest.error().Is(Errc::kNotFound));

    request = Request();
    request.instance_id = "instance-unknown";
    auto unknown_instance = Await(service_->Create(operator_, request));
    ASSERT_FALSE(unknown_instance);
    EXPECT_TRUE(unknown_instance.error().Is(Errc::kNotFound));

    Sql("UPDATE releases SET artifact_sha256 = NULL WHERE component_name = 'commerce'");
    auto no_artifact = Await(service_->Create(operator_, Request()));
    ASSERT_FALSE(no_artifact);
    EXPECT_TRUE(no_artifact.error().Is(Errc::kInvalidArgument));
    EXPECT_NE(no_artifact.error().message.find("suite:commerce 1.5.0 has no uploaded artifact"),
              std::string::npos);

    Sql("UPDATE releases SET artifact_sha256 = '" + sha_ + "' WHERE component_name = 'commerce'");
    Sql("UPDATE releases SET release_statement = NULL, release_signature = NULL, "
        "release_key_id = NULL WHERE component_name = 'reporting'");
    auto unsigned_release = Await(service_->Create(operator_, Request()));
    ASSERT_FALSE(unsigned_release);
    EXPECT_TRUE(unsigned_release.error().Is(Errc::kInvalidArgument));
    EXPECT_NE(unsigned_release.error().message.find(
                  "capability:reporting 1.0.0 has no signed release statement"),
              std::string::npos)
        << unsigned_release.error().message;

    EXPECT_EQ(SqlValue("SELECT count(*) FROM deployments"), "0");
    EXPECT_EQ(SqlValue("SELECT count(*) FROM deployment_events"), "0");
}

TEST_F(DeploymentServiceTest, DryRunAnswersThePlanAndStoresOnlyAnAuditEntry) {
    auto request = Request();
    request.dry_run = true;
    auto planned = Await(service_->Create(operator_, request));
    ASSERT_TRUE(planned) << planned.error().message;
    EXPECT_TRUE(planned->dry_run);
    EXPECT_EQ(planned->deployment.plan.size(), 3u);
    EXPECT_EQ(SqlValue("SELECT count(*) FROM deployments"), "0");
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action = 'deployment.dry_run'"), "1");
}

// Cancel of a deployment the agent holds: the agent is asked (Cancel {op_id}) and the deployment
// stays deploying until its result; without the agent's session here the answer is a conflict.
TEST_F(DeploymentServiceTest, CancelOfARunningDeploymentAsksTheAgent) {
    auto agent = ConnectAgent();
    ASSERT_FALSE(Enroll(*agent).empty());
    ASSERT_TRUE(test::WaitFor([&] { return gateway_->IsConnected("instance-prod-01"); }, 5s));
    auto created = Await(service_->Create(operator_, Request()));
    ASSERT_TRUE(created) << created.error().message;
    ASSERT_TRUE(NextInstruction(*agent));
    ASSERT_EQ(domain::ToString(WaitStatus(created->deployment.id, "deploying").status),
              "deploying");

    ApprovalService& approvals = core_->approvals;
    const std::string id = created->deployment.id;
    const std::string comment = "wrong manifest";
    auto asked = Await(approvals.Cancel(operator_, id, comment));
    ASSERT_TRUE(asked) << asked.error().message;
    EXPECT_TRUE(asked->cancel_requested);
    EXPECT_EQ(domain::ToString(asked->deployment.status), "deploying");
    EXPECT_NE(asked->deployment.events.back().message.find("cancel requested by token:ops"),
              std::string::npos);
    std::optional<v1::Envelope> cancel;
    for (int i = 0; i < 10 && !(cancel && cancel->has_cancel()); ++i) {
        cancel = agent->Receive(5s);
    }
    ASSERT_TRUE(cancel && cancel->has_cancel());
    EXPECT_EQ(cancel->cancel().op_id(), id);

    agent->Close();
    ASSERT_TRUE(test::WaitFor([&] { return !gateway_->IsConnected("instance-prod-01"); }, 5s));
    auto unreachable = Await(approvals.Cancel(operator_, id, comment));
    ASSERT_FALSE(unreachable);
    EXPECT_TRUE(unreachable.error().Is(Errc::kConflict)) << unreachable.error().message;
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action = 'deployment.cancel'"), "1");
}

// Coordinators do not notify each other: a deployment queued elsewhere (another coordinator's
// scheduler or an approval there) reaches the agent held here on this coordinator's next pass,
// even though this one does not hold the scheduler lock.
TEST_F(DeploymentServiceTest, WorkQueuedByAnotherCoordinatorIsDispatchedOnTheNextPass) {
    auto agent = ConnectAgent();
    ASSERT_FALSE(Enroll(*agent).empty());
    ASSERT_TRUE(test::WaitFor([&] { return gateway_->IsConnected("instance-prod-01"); }, 5s));
    auto leader_elsewhere = database_->NewSessionLock(kScheduleLockKey);
    auto held = leader_elsewhere->TryHold();
    ASSERT_TRUE(held && *held);
    Sql("INSERT INTO deployments (id, kind, status, instance_id, manifest_id, requested_by, "
        "created_at, updated_at) VALUES ('deploy-queued-elsewhere', 'deploy', 'queued', "
        "'instance-prod-01', 'manifest-001', 'token:ops', now(), now())");

    auto scheduler_owner = core_->MakeScheduler(io_.get_executor(), SchedulerOptions{});
    Scheduler& scheduler = *scheduler_owner;
    auto report = Await(scheduler.RunOnce());
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_FALSE(report->leader);
    auto instruction = NextInstruction(*agent);
    ASSERT_TRUE(instruction);
    EXPECT_EQ(instruction->op_id(), "deploy-queued-elsewhere");
    EXPECT_EQ(SqlValue("SELECT status FROM deployments WHERE id = 'deploy-queued-elsewhere'"),
              "deploying");
}

}  // namespace
}  // namespace waka::coordinator::deploy
