#include "agent/daemon/agent.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>

#include "agent/daemon/credential_store.hpp"
#include "agent/install/installer.hpp"
#include "agent/journal/journal.hpp"
#include "tests/unit/agent/daemon/fake_channel.hpp"
#include "tests/unit/agent/daemon/fake_runner.hpp"
#include "tests/unit/agent/install/temp_dir.hpp"

// The daemon's Agent between a fake coordinator channel and a fake (or the real, journaled)
// installer. The io_context is run on the test's thread until what a test waits for happened, and
// a test fails after kDeadline instead of hanging.
namespace waka::agent::daemon {
namespace {

using testing::FakeChannel;
using testing::FakeRunner;
using Lines = std::vector<std::string>;

constexpr auto kDeadline = std::chrono::seconds(10);
const std::string kSha(64, 'a');

model::InstructionData Instruction(const std::string& op_id, std::string kind = "deploy") {
    model::InstructionData instruction;
    instruction.operation.op_id = op_id;
    instruction.operation.kind = std::move(kind);
    instruction.operation.components.push_back(
        {"suite", "commerce", "", "1.0.0", kSha, 100, "/agent/v1/artifacts/" + kSha});
    return instruction;
}

model::ProgressEvent Step(std::string step, std::uint64_t done = 0, std::uint64_t total = 0) {
    return {"", std::move(step), "suite:commerce", done, total};
}

class AgentTest : public ::testing::Test {
protected:
    AgentTest() {
        options_.instance_id = "instance-1";
        options_.agent_version = "0.1.0-test";
        options_.state_dir = dir_.path();
        options_.credential = "cred-1";
        options_.progress_interval = std::chrono::hours(1);  // only milestones pass
    }
    void TearDown() override {
        runner_.Release();  // the Agent's destructor waits for a running operation
        agent_.reset();
    }

    Agent& Start(OperationRunner& runner) {
        agent_ = std::make_unique<Agent>(
            io_, options_, runner, [this](const std::string& c) { credentials_.push_back(c); });
        agent_->AttachChannel(channel_);
        return *agent_;
    }
    Agent& Start() { return Start(runner_); }

    void Connect() {
        channel_.established = true;
        agent_->OnEstablished({"session-1", 15, ""});
    }
    void Disconnect() {
        channel_.established = false;
        agent_->OnSessionDown();
    }

    // Runs the io_context until `done` holds; false when it did not within kDeadline or when
    // nothing was left to run that could make it hold.
    bool RunUntil(const std::function<bool()>& done) {
        const auto deadline = std::chrono::steady_clock::now() + kDeadline;
        while (!done() && std::chrono::steady_clock::now() < deadline) {
            io_.restart();
            if (io_.run_one_until(deadline) == 0 && std::chrono::steady_clock::now() < deadline) {
                break;  // out of work: no operation runs, nothing will be posted
            }
        }
        return done();
    }
    bool RunUntilResults(std::size_t n) {
        return RunUntil([&] { return channel_.results.size() >= n; });
    }

    boost::asio::io_context io_{1};
    install::testing::TempDir dir_;
    FakeChannel channel_;
    FakeRunner runner_;
    AgentOptions options_;
    std::vector<std::string> credentials_;
    std::unique_ptr<Agent> agent_;
};

TEST_F(AgentTest, InstructionIsAcknowledgedThenReportsProgressThenResultAndInventory) {
    runner_.SetProgress({Step("download", 0, 100), Step("download", 50, 100),
                         Step("download", 100, 100), Step("switch"), Step("commit")});
    Start();
    Connect();
    agent_->OnInstruction(Instruction("op-1"));
    EXPECT_EQ(channel_.sent, Lines{"ack op-1"});  // at once, before the operation runs
    ASSERT_TRUE(RunUntilResults(1));
    // 50/100 is neither a new step nor the end of one: within progress_interval it is dropped.
    EXPECT_EQ(channel_.sent, (Lines{"ack op-1", "progress op-1 download suite:commerce 0/100",
                                    "progress op-1 download suite:commerce 100/100",
                                    "progress op-1 switch suite:commerce 0/0",
                                    "progress op-1 commit suite:commerce 0/0",
                                    "result op-1 succeeded", "inventory 1"}));
    EXPECT_EQ(runner_.Executed(), Lines{"op-1"});
    EXPECT_FALSE(agent_->Busy());
}

// At-least-once delivery: the coordinator re-sends an instruction the agent finished before a
// restart; the journal's result is answered and nothing runs again.
TEST_F(AgentTest, ReSentInstructionOfAFinishedOperationIsAnsweredFromTheJournal) {
    journal::OperationRecord record;
    record.op_id = "op-done";
    record.kind = "deploy";
    record.result =
        model::OperationResult{"op-done", model::Outcome::kRolledBack, "health check failed", {}};
    record.finished_at_ms = 1;
    auto journal = journal::Journal::Open(dir_.path());
    ASSERT_TRUE(journal) << journal.error().message;
    ASSERT_TRUE(journal->Write(record));

    struct FakeFetcher final : model::ArtifactFetcher {
        Expected<void> Fetch(const model::ComponentChange&, const std::filesystem::path&,
                             const std::function<void(std::uint64_t)>&) override {
            return MakeError(Errc::kNetwork, "no coordinator in this test");
        }
    } fetcher;
    install::InstallerOptions installer_options;
    installer_options.state_dir = dir_.path();
    install::Installer installer(installer_options, fetcher);
    InstallerRunner runner(installer);
    Start(runner);
    Connect();
    agent_->OnInstruction(Instruction("op-done"));
    EXPECT_EQ(
        channel_.sent,
        (Lines{"ack op-done", "result op-done rolled_back: health check failed", "inventory 0"}));
    EXPECT_FALSE(agent_->Busy());  // answered, not queued
}

TEST_F(AgentTest, ReSentInstructionAfterItsResultIsAnsweredWithoutRunningAgain) {
    Start();
    Connect();
    agent_->OnInstruction(Instruction("op-1"));
    ASSERT_TRUE(RunUntilResults(1));
    agent_->OnInstruction(Instruction("op-1"));
    EXPECT_EQ(channel_.Lines("result"), (Lines{"result op-1 succeeded", "result op-1 succeeded"}));
    EXPECT_EQ(channel_.Lines("ack"), (Lines{"ack op-1", "ack op-1"}));
    EXPECT_EQ(runner_.Executed(), Lines{"op-1"});
}

TEST_F(AgentTest, DuplicateOfARunningOperationIsAcknowledgedButRunsOnce) {
    runner_.Hold();
    Start();
    Connect();
    agent_->OnInstruction(Instruction("op-1"));
    agent_->OnInstruction(Instruction("op-1"));
    EXPECT_EQ(channel_.sent, (Lines{"ack op-1", "ack op-1"}));
    runner_.Release();
    ASSERT_TRUE(RunUntilResults(1));
    EXPECT_FALSE(RunUntilResults(2));
    EXPECT_EQ(runner_.Executed(), Lines{"op-1"});
}

TEST_F(AgentTest, CancelOfAQueuedOperationAnswersFailedWithoutRunningIt) {
    runner_.Hold();
    Start();
    Connect();
    agent_->OnInstruction(Instruction("op-1"));
    agent_->OnInstruction(Instruction("op-2"));
    agent_->OnCancel("op-2");
    EXPECT_EQ(channel_.Lines("result"), Lines{"result op-2 failed: cancelled before it started"});
    runner_.Release();
    ASSERT_TRUE(RunUntilResults(2));
    EXPECT_EQ(channel_.results[1].op_id, "op-1");
    EXPECT_EQ(runner_.Executed(), Lines{"op-1"});
}

// The installer has no safe point to stop at but its own rollback: a running operation finishes.
TEST_F(AgentTest, CancelOfTheRunningOperationLetsItFinish) {
    runner_.Hold();
    Start();
    Connect();
    agent_->OnInstruction(Instruction("op-1"));
    agent_->OnCancel("op-1");
    EXPECT_TRUE(channel_.Lines("result").empty());
    runner_.Release();
    ASSERT_TRUE(RunUntilResults(1));
    EXPECT_EQ(channel_.Lines("result"), Lines{"result op-1 succeeded"});
}

TEST_F(AgentTest, ResultFinishedWhileDisconnectedIsSentOnTheNextSession) {
    runner_.Hold();
    Start();
    Connect();
    agent_->OnInstruction(Instruction("op-1"));
    Disconnect();
    runner_.Release();
    ASSERT_TRUE(RunUntil([&] { return !agent_->Busy(); }));
    EXPECT_TRUE(channel_.results.empty());
    EXPECT_EQ(agent_->MakeHello().in_flight_op_id, "op-1");  // still in flight for the coordinator
    Connect();
    EXPECT_EQ(channel_.Lines("result"), Lines{"result op-1 succeeded"});
    EXPECT_EQ(agent_->MakeHello().in_flight_op_id, "");
}

// A frame queued (or even written) is not yet read by the coordinator: a session that dies soon
// after carrying a result carries it again on the next one.
TEST_F(AgentTest, ResultOfASessionThatDiedSoonAfterIsSentAgain) {
    Start();
    Connect();
    agent_->OnInstruction(Instruction("op-1"));
    ASSERT_TRUE(RunUntilResults(1));
    Disconnect();
    Connect();
    EXPECT_EQ(channel_.Lines("result"), (Lines{"result op-1 succeeded", "result op-1 succeeded"}));
    Disconnect();  // the second session was established: its own sends are the ones to repeat
    Connect();
    EXPECT_EQ(channel_.Lines("result").size(), 3u);
}

TEST_F(AgentTest, InvalidInstructionIsAcknowledgedAndRefused) {
    Start();
    Connect();
    agent_->OnInstruction(Instruction("op-1", "explode"));
    ASSERT_EQ(channel_.results.size(), 1u);
    EXPECT_EQ(channel_.sent[0], "ack op-1");
    EXPECT_EQ(channel_.results[0].outcome, model::Outcome::kFailed);
    EXPECT_NE(channel_.results[0].error.find("invalid instruction: kind"), std::string::npos)
        << channel_.results[0].error;
    EXPECT_TRUE(runner_.Executed().empty());
}

TEST_F(AgentTest, InstructionWithoutAValidOpIdIsIgnored) {
    Start();
    Connect();
    agent_->OnInstruction(Instruction("../escape"));
    EXPECT_TRUE(channel_.sent.empty());
    EXPECT_FALSE(agent_->Busy());
}

// Not acknowledged: the coordinator re-sends it once the agent has room again.
TEST_F(AgentTest, InstructionBeyondAFullQueueIsNotAcknowledged) {
    options_.max_queued_operations = 1;
    runner_.Hold();
    Start();
    Connect();
    agent_->OnInstruction(Instruction("op-1"));  // runs
    agent_->OnInstruction(Instruction("op-2"));  // queued
    agent_->OnInstruction(Instruction("op-3"));  // no room
    EXPECT_EQ(channel_.Lines("ack"), (Lines{"ack op-1", "ack op-2"}));
    runner_.Release();
    ASSERT_TRUE(RunUntilResults(2));
    EXPECT_EQ(runner_.Executed(), (Lines{"op-1", "op-2"}));
}

TEST_F(AgentTest, AfterStopNewInstructionsAreNotAcknowledgedAndQueuedOnesDropped) {
    runner_.Hold();
    Start();
    Connect();
    agent_->OnInstruction(Instruction("op-1"));
    agent_->OnInstruction(Instruction("op-2"));
    agent_->Stop();
    agent_->OnInstruction(Instruction("op-3"));
    EXPECT_EQ(channel_.Lines("ack"), (Lines{"ack op-1", "ack op-2"}));
    runner_.Release();
    ASSERT_TRUE(RunUntilResults(1));
    EXPECT_FALSE(RunUntilResults(2));
    EXPECT_EQ(runner_.Executed(), Lines{"op-1"});
}

TEST_F(AgentTest, InstructionWhoseDeadlinePassedIsRefusedInsteadOfRun) {
    Start();
    Connect();
    model::InstructionData instruction = Instruction("op-1");
    instruction.deadline_unix_seconds = 1;
    agent_->OnInstruction(instruction);
    EXPECT_EQ(channel_.Lines("result"),
              Lines{"result op-1 failed: deadline passed before the agent could start it"});
    EXPECT_TRUE(runner_.Executed().empty());
}

TEST_F(AgentTest, InstallerExceptionIsReportedAsAFailedResult) {
    runner_.SetThrow("disk on fire");
    Start();
    Connect();
    agent_->OnInstruction(Instruction("op-1"));
    ASSERT_TRUE(RunUntilResults(1));
    EXPECT_EQ(channel_.Lines("result"), Lines{"result op-1 failed: internal error: disk on fire"});
    EXPECT_FALSE(agent_->Busy());
}

// What Recover() completed at start-up is reported once the first session is established.
TEST_F(AgentTest, PendingResultFromStartUpIsSentOnceEstablished) {
    Start();
    agent_->AddPendingResult({"op-crashed", model::Outcome::kRolledBack, "interrupted", {}});
    EXPECT_EQ(agent_->MakeHello().in_flight_op_id, "op-crashed");
    EXPECT_TRUE(channel_.sent.empty());
    Connect();
    EXPECT_EQ(channel_.sent, (Lines{"result op-crashed rolled_back: interrupted", "inventory 1"}));
}

TEST_F(AgentTest, EnrollmentStoresTheIssuedCredentialAndUsesItFromThenOn) {
    options_.credential.clear();
    options_.enrollment_token = "enroll-token-1";
    Start();
    EXPECT_EQ(agent_->MakeHello().credential, "enroll-token-1");
    channel_.established = true;
    agent_->OnEstablished({"session-1", 15, "cred-issued"});
    EXPECT_EQ(agent_->MakeHello().credential, "cred-issued");
    EXPECT_EQ(credentials_, Lines{"cred-issued"});
    auto stored = LoadCredential(dir_.path());
    ASSERT_TRUE(stored) << stored.error().message;
    EXPECT_EQ(stored->value_or(""), "cred-issued");
}

TEST_F(AgentTest, StoredCredentialIsUsedAndAnnouncedAtOnce) {
    Start();
    EXPECT_EQ(agent_->MakeHello().credential, "cred-1");
    EXPECT_EQ(agent_->MakeHello().instance_id, "instance-1");
    EXPECT_EQ(agent_->MakeHello().inventory.size(), 1u);
    EXPECT_EQ(credentials_, Lines{"cred-1"});
}

}  // namespace
}  // namespace waka::agent::daemon
