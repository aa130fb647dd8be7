#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <fstream>
#include <future>
#include <iterator>
#include <thread>

#include "agent/daemon/agent.hpp"
#include "agent/daemon/credential_store.hpp"
#include "agent/install/installer.hpp"
#include "agent/link/downloader.hpp"
#include "agent/link/link.hpp"
#include "coordinator/gateway/gateway_server.hpp"
#include "shared/core/crypto.hpp"
#include "tests/integration/agent/link/agent_under_test.hpp"
#include "tests/integration/agent/link/fake_directory.hpp"
#include "tests/support/bundle/bundle.hpp"
#include "tests/support/certs/test_pki.hpp"
#include "tests/support/release/test_publisher.hpp"

namespace waka::agent {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::AgentSettings;
using testing::AgentUnderTest;
using testing::FakeDirectory;
using testing::kInstance;
using testing::kWait;

class LinkGatewayTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = test::MakeTempDir("waka-agent-link");
        pki_ = test::MakeTestPki(dir_ / "pki");
        state_dir_ = dir_ / "state";
        ASSERT_TRUE(daemon::EnsureStateDir(state_dir_));
        coordinator::gateway::GatewayOptions options;
        options.address = "127.0.0.1";
        options.port = 0;
        options.cert_file = pki_.server_cert;
        options.key_file = pki_.server_key;
        options.heartbeat_seconds = 5;
        options.handshake_timeout_seconds = 5;
        server_ = std::make_unique<coordinator::gateway::GatewayServer>(io_, options);
        auto port = server_->Start(directory_);
        ASSERT_TRUE(port) << port.error().message;
        port_ = *port;
        thread_ = std::thread([this] { io_.run(); });
    }

    void TearDown() override {
        agent_.reset();
        server_->Stop();
        work_.reset();
        io_.stop();
        thread_.join();
        server_.reset();
        fs::remove_all(dir_);
    }

    AgentSettings Settings() const {
        AgentSettings s;
        s.state_dir = state_dir_;
        s.ca_file = pki_.ca_cert;
        s.release_keys_dir = dir_ / "release-keys";
        s.port = port_;
        return s;
    }

    void StartAgent(const AgentSettings& settings) {
        agent_ = std::make_unique<AgentUnderTest>(settings);
        agent_->Start();
    }

    // A real bundle served by the gateway, and an instruction installing it.
    coordinator::ports::Instruction DeployInstruction(const std::string& op_id) {
        const auto bundle = test::MakeBundle(dir_ / "bundles", "platform", "webwaka-platform",
                                             "1.0.0", {{"app/index.html", {"hello", 0644}}});
        auto sha = Sha256File(bundle);
        EXPECT_TRUE(sha);
        directory_.AddArtifact(*sha, bundle);
        coordinator::ports::Instruction instruction;
        instruction.op_id = op_id;
        instruction.kind = "deploy";
        const auto size = fs::file_size(bundle);
        publisher_.InstallPublicKey(dir_ / "release-keys");
        const auto signed_statement =
            publisher_.Sign("platform", "webwaka-platform", "1.0.0", *sha, size);
        instruction.components.push_back({"platform", "webwaka-platform", "", "1.0.0", *sha, size,
                                          "/agent/v1/artifacts/" + *sha, signed_statement.statement,
                                          signed_statement.signature});
        instruction.configuration_json = "{}";
        return instruction;
    }

    fs::path dir_;
    fs::path state_dir_;
    test::TestPki pki_;
    FakeDirectory directory_;
    test::TestPublisher publisher_;
    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
    std::unique_ptr<coordinator::gateway::GatewayServer> server_;
    std::uint16_t port_ = 0;
    std::thread thread_;
    std::unique_ptr<AgentUnderTest> agent_;
};

TEST_F(LinkGatewayTest, EnrollmentStoresA0600CredentialAndTheNextStartUsesIt) {
    auto settings = Settings();
    settings.enrollment_token = FakeDirectory::kEnrollmentToken;
    StartAgent(settings);
    ASSERT_TRUE(directory_.WaitUntil([](const auto& c) { return c.connected >= 1; }, kWait));
    ASSERT_TRUE(agent_->observer().WaitEstablished(1));
    agent_->Stop();

    auto stored = daemon::LoadCredential(state_dir_);
    ASSERT_TRUE(stored);
    ASSERT_TRUE(stored->has_value());
    EXPECT_EQ(**stored, FakeDirectory::kCredential);
    struct stat st {};
    ASSERT_EQ(::stat((state_dir_ / "credential").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);

    // A restart reads the stored credential; the (now used) token is not needed any more.
    auto restarted = Settings();
    restarted.credential = **stored;
    StartAgent(restarted);
    ASSERT_TRUE(directory_.WaitUntil([](const auto& c) { return c.connected >= 2; }, kWait));
    const auto calls = directory_.Snapshot();
    ASSERT_GE(calls.hellos.size(), 2u);
    EXPECT_EQ(calls.hellos.front().credential, FakeDirectory::kEnrollmentToken);
    EXPECT_EQ(calls.hellos.back().credential, FakeDirectory::kCredential);
    EXPECT_EQ(calls.hellos.back().instance_id, kInstance);
    EXPECT_EQ(calls.hellos.back().agent_version, "0.1.0-test");
}

TEST_F(LinkGatewayTest, RefusedCredentialIsRetriedWithBackoffWithoutCrashing) {
    auto settings = Settings();
    settings.credential = "not-a-valid-credential";
    StartAgent(settings);
    ASSERT_TRUE(agent_->observer().WaitFailed(3));
    EXPECT_GE(agent_->stats().refusals.load(), 3u);
    EXPECT_EQ(agent_->observer().Established(), 0);
    const auto calls = directory_.Snapshot();
    EXPECT_GE(calls.hellos.size(), 3u);
    EXPECT_EQ(calls.connected, 0);
}

TEST_F(LinkGatewayTest, UntrustedServerCertificateGetsNoSession) {
    const auto other = test::MakeTestPki(dir_ / "other-pki");
    auto settings = Settings();
    settings.credential = FakeDirectory::kCredential;
    settings.ca_file = other.ca_cert;
    StartAgent(settings);
    ASSERT_TRUE(agent_->observer().WaitFailed(2));
    EXPECT_EQ(agent_->observer().Established(), 0);
    EXPECT_EQ(agent_->stats().refusals.load(), 0u);
    EXPECT_TRUE(directory_.Snapshot().hellos.empty());  // the credential never left the agent
}

TEST_F(LinkGatewayTest, InstructionIsAckedDownloadedInstalledAndReported) {
    auto settings = Settings();
    settings.credential = FakeDirectory::kCredential;
    StartAgent(settings);
    ASSERT_TRUE(directory_.WaitUntil([](const auto& c) { return c.connected >= 1; }, kWait));
    ASSERT_TRUE(server_->Send(kInstance, DeployInstruction("deploy-0001")));

    ASSERT_TRUE(directory_.WaitUntil([](const auto& c) { return !c.results.empty(); }, kWait));
    const auto calls = directory_.Snapshot();
    ASSERT_EQ(calls.acks.size(), 1u);
    EXPECT_EQ(calls.acks[0], "deploy-0001");
    const auto& result = calls.results[0];
    EXPECT_EQ(result.op_id, "deploy-0001");
    EXPECT_EQ(result.outcome, coordinator::ports::AgentOutcome::kSucceeded) << result.error;
    ASSERT_EQ(result.inventory.size(), 1u);
    EXPECT_EQ(result.inventory[0].version, "1.0.0");
    EXPECT_FALSE(calls.progress.empty());
    EXPECT_FALSE(calls.download_credentials.empty());
    EXPECT_EQ(calls.download_credentials.back(), FakeDirectory::kCredential);
    EXPECT_TRUE(directory_.WaitUntil([](const auto& c) { return !c.inventories.empty(); }, kWait));
    EXPECT_TRUE(fs::exists(state_dir_ / "components"));
    EXPECT_EQ(agent_->runner().executions.load(), 1);
}

TEST_F(LinkGatewayTest, DuplicateInstructionAnswersTheStoredResultWithoutRerunning) {
    auto settings = Settings();
    settings.credential = FakeDirectory::kCredential;
    StartAgent(settings);
    ASSERT_TRUE(directory_.WaitUntil([](const auto& c) { return c.connected >= 1; }, kWait));
    const auto instruction = DeployInstruction("deploy-0002");
    ASSERT_TRUE(server_->Send(kInstance, instruction));
    ASSERT_TRUE(directory_.WaitUntil([](const auto& c) { return c.results.size() >= 1; }, kWait));

    // At-least-once delivery: the coordinator sends it again (e.g. after a lost Result).
    ASSERT_TRUE(server_->Send(kInstance, instruction));
    ASSERT_TRUE(directory_.WaitUntil([](const auto& c) { return c.results.size() >= 2; }, kWait));
    const auto calls = directory_.Snapshot();
    EXPECT_EQ(calls.acks.size(), 2u);
    EXPECT_EQ(calls.results[1].op_id, "deploy-0002");
    EXPECT_EQ(calls.results[1].outcome, calls.results[0].outcome);
    EXPECT_EQ(agent_->runner().executions.load(), 1);

    // After a restart the journal still answers it.
    agent_.reset();
    StartAgent(settings);
    ASSERT_TRUE(directory_.WaitUntil([](const auto& c) { return c.connected >= 2; }, kWait));
    ASSERT_TRUE(server_->Send(kInstance, instruction));
    ASSERT_TRUE(directory_.WaitUntil([](const auto& c) { return c.results.size() >= 3; }, kWait));
    EXPECT_EQ(agent_->runner().executions.load(), 0);
}

TEST_F(LinkGatewayTest, InvalidInstructionIsAckedAndAnsweredAsFailed) {
    auto settings = Settings();
    settings.credential = FakeDirectory::kCredential;
    StartAgent(settings);
    ASSERT_TRUE(directory_.WaitUntil([](const auto& c) { return c.connected >= 1; }, kWait));
    auto instruction = DeployInstruction("deploy-0003");
    instruction.components[0].name = "../escape";
    ASSERT_TRUE(server_->Send(kInstance, instruction));
    ASSERT_TRUE(directory_.WaitUntil([](const auto& c) { return !c.results.empty(); }, kWait));
    const auto calls = directory_.Snapshot();
    EXPECT_EQ(calls.results[0].outcome, coordinator::ports::AgentOutcome::kFailed);
    EXPECT_NE(calls.results[0].error.find("invalid instruction"), std::string::npos);
    EXPECT_EQ(agent_->runner().executions.load(), 0);
}

class DownloaderTest : public LinkGatewayTest {
protected:
    // Checks the certificate for "localhost" (SNI + DNS name) while the link tests use the IP.
    std::unique_ptr<link::HttpsArtifactFetcher> Fetcher(const std::string& credential) const {
        auto fetcher = std::make_unique<link::HttpsArtifactFetcher>(
            link::DownloaderOptions{{"127.0.0.1", port_, "/agent/v1/connect"},
                                    "localhost",
                                    pki_.ca_cert,
                                    kInstance,
                                    milliseconds(5000),
                                    milliseconds(5000)});
        fetcher->SetCredential(credential);
        return fetcher;
    }

    static std::string ReadAll(const fs::path& path) {
        std::ifstream in(path, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }

    model::ComponentChange Change(const coordinator::ports::Instruction& instruction) const {
        const auto& c = instruction.components.at(0);
        return {c.type, c.name,         c.from_version, c.to_version, c.artifact_sha256,
                c.size, c.download_path};
    }
};

TEST_F(DownloaderTest, ResumesAPartialFileWithARangeRequest) {
    const auto change = Change(DeployInstruction("unused"));
    const auto bundle = dir_ / "bundles";
    fs::path source;
    for (const auto& entry : fs::directory_iterator(bundle)) {
        source = entry.path();
    }
    const std::string full = ReadAll(source);
    ASSERT_GT(full.size(), 10u);
    // The first half is deliberately not the artifact's: only a Range request keeps it, a restart
    // from zero would replace it.
    const std::size_t half = full.size() / 2;
    const std::string marker(half, 'x');
    const auto partial = dir_ / "artifact.partial";
    std::ofstream(partial, std::ios::binary) << marker;

    std::vector<std::uint64_t> reported;
    auto fetcher = Fetcher(FakeDirectory::kCredential);
    auto fetched =
        fetcher->Fetch(change, partial, [&](std::uint64_t done) { reported.push_back(done); });
    ASSERT_TRUE(fetched) << fetched.error().message;
    EXPECT_EQ(ReadAll(partial), marker + full.substr(half));
    ASSERT_FALSE(reported.empty());
    EXPECT_EQ(reported.back(), full.size());

    // Already complete: nothing to fetch, the file is left as it is.
    EXPECT_TRUE(fetcher->Fetch(change, partial, {}));
    EXPECT_EQ(ReadAll(partial), marker + full.substr(half));
}

TEST_F(DownloaderTest, CorruptOversizedPartialIsRestartedFromZero) {
    const auto change = Change(DeployInstruction("unused"));
    const auto partial = dir_ / "artifact.partial";
    std::ofstream(partial, std::ios::binary) << std::string(change.size + 100, 'x');
    auto fetched = Fetcher(FakeDirectory::kCredential)->Fetch(change, partial, {});
    ASSERT_TRUE(fetched) << fetched.error().message;
    EXPECT_EQ(fs::file_size(partial), change.size);
    EXPECT_EQ(*Sha256File(partial), change.artifact_sha256);
}

TEST_F(DownloaderTest, WrongCredentialIsUnauthenticatedAndUnknownArtifactNotFound) {
    const auto change = Change(DeployInstruction("unused"));
    const auto partial = dir_ / "artifact.partial";
    auto refused = Fetcher("wrong")->Fetch(change, partial, {});
    ASSERT_FALSE(refused);
    EXPECT_TRUE(refused.error().Is(Errc::kUnauthenticated)) << refused.error().message;

    auto missing = change;
    missing.artifact_sha256 = std::string(64, 'f');
    missing.download_path = "/agent/v1/artifacts/" + missing.artifact_sha256;
    auto not_found = Fetcher(FakeDirectory::kCredential)->Fetch(missing, partial, {});
    ASSERT_FALSE(not_found);
    EXPECT_TRUE(not_found.error().Is(Errc::kNotFound)) << not_found.error().message;
}

TEST_F(DownloaderTest, UntrustedServerIsRefusedBeforeAnyRequest) {
    const auto change = Change(DeployInstruction("unused"));
    const auto other = test::MakeTestPki(dir_ / "other-pki");
    link::HttpsArtifactFetcher fetcher(link::DownloaderOptions{{"127.0.0.1", port_, "/"},
                                                               "",
                                                               other.ca_cert,
                                                               kInstance,
                                                               milliseconds(5000),
                                                               milliseconds(5000)});
    fetcher.SetCredential(FakeDirectory::kCredential);
    auto fetched = fetcher.Fetch(change, dir_ / "artifact.partial", {});
    ASSERT_FALSE(fetched);
    EXPECT_TRUE(fetched.error().Is(Errc::kNetwork)) << fetched.error().message;
    EXPECT_TRUE(directory_.Snapshot().download_credentials.empty());
}

}  // namespace
}  // namespace waka::agent
