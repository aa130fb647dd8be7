#include "coordinator/gateway/gateway_server.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "shared/net/peer_gate.hpp"
#include "tests/integration/coordinator/gateway/gateway_fixture.hpp"

namespace waka::coordinator::gateway {
namespace {

namespace pb = waka::agent::v1;
using std::chrono::milliseconds;
using std::chrono::seconds;
using test::TestAgentClient;

constexpr std::uint16_t kPolicyError = 1008;
constexpr std::uint16_t kProtocolError = 1002;
constexpr std::uint16_t kGoingAway = 1001;
constexpr std::uint16_t kTooBig = 1009;

TEST_F(GatewayServerTest, HelloWithValidCredentialIsWelcomedAndConnected) {
    StartGateway();
    auto client = ConnectClient();
    ASSERT_TRUE(client);
    auto hello = test::MakeHelloEnvelope("instance-a", FakeAgentDirectory::kCredential);
    auto* component = hello.mutable_hello()->mutable_inventory()->add_components();
    component->set_type("platform");
    component->set_name("webwaka-platform");
    component->set_version("2.0.3");
    hello.mutable_hello()->set_in_flight_op_id("deploy-1");
    ASSERT_TRUE(client->Send(hello));

    auto reply = client->Receive(kWait);
    ASSERT_TRUE(reply);
    ASSERT_TRUE(reply->has_welcome());
    EXPECT_EQ(reply->protocol_version(), kProtocolVersion);
    EXPECT_EQ(reply->seq(), 1u);
    EXPECT_TRUE(reply->welcome().session_id().starts_with("session-"));
    EXPECT_EQ(reply->welcome().heartbeat_seconds(), 7u);
    EXPECT_TRUE(reply->welcome().credential().empty());

    ASSERT_TRUE(directory_.WaitUntil([](const auto& c) { return Connected(c, 1); }));
    const auto calls = directory_.Snapshot();
    const auto& [seen, session_id] = calls.connected.front();
    EXPECT_EQ(session_id, reply->welcome().session_id());
    EXPECT_EQ(seen.instance_id, "instance-a");
    EXPECT_EQ(seen.agent_version, "0.1.0-test");
    EXPECT_EQ(seen.in_flight_op_id, "deploy-1");
    ASSERT_EQ(seen.inventory.size(), 1u);
    EXPECT_EQ(seen.inventory[0].name, "webwaka-platform");
    EXPECT_EQ(seen.inventory[0].version, "2.0.3");
    EXPECT_TRUE(seen.peer.starts_with("127.0.0.1:")) << seen.peer;
    EXPECT_TRUE(server_->IsConnected("instance-a"));
    EXPECT_EQ(server_->ConnectedCount(), 1u);
}

TEST_F(GatewayServerTest, EnrollmentTokenIsAnsweredWithNewCredential) {
    StartGateway();
    auto client = ConnectClient();
    ASSERT_TRUE(client);
    ASSERT_TRUE(client->Send(
        test::MakeHelloEnvelope("instance-new", FakeAgentDirectory::kEnrollmentToken)));
    auto reply = client->Receive(kWait);
    ASSERT_TRUE(reply && reply->has_welcome());
    EXPECT_EQ(reply->welcome().credential(), FakeAgentDirectory::kIssuedCredential);
}

TEST_F(GatewayServerTest, InstructionAndCancelReachTheAgentWithAllFields) {
    StartGateway();
    auto client = ConnectAgent("instance-a");
    ASSERT_TRUE(client);
    ASSERT_TRUE(directory_.WaitUntil([](const auto& c) { return Connected(c, 1); }));

    ports::Instruction instruction;
    instruction.op_id = "deploy-42";
    instruction.kind = "deploy";
    instruction.deadline_unix_seconds = 1'900'000'000;
    instruction.configuration_json = R"({"tenant":"acme"})";
    instruction.components.push_back(
        ports::ComponentChange{"suite", "commerce", "1.5.0", "1.6.0", std::string(64, 'a'), 12345,
                               "/agent/v1/artifacts/" + std::string(64, 'a')});
    instruction.components.push_back(
        ports::ComponentChange{"capability", "reporting", "0.9.0", "", "", 0, ""});
    EXPECT_TRUE(server_->Send("instance-a", instruction));
    EXPECT_TRUE(server_->SendCancel("instance-a", "deploy-41"));
    EXPECT_FALSE(server_->Send("instance-unknown", instruction));

    auto first = client->Receive(kWait);
    ASSERT_TRUE(first && first->has_instruction());
    EXPECT_EQ(first->protocol_version(), kProtocolVersion);
    EXPECT_EQ(first->seq(), 2u);  // Welcome was 1
    const auto& got = first->instruction();
    EXPECT_EQ(got.op_id(), "deploy-42");
    EXPECT_EQ(got.kind(), "deploy");
    EXPECT_EQ(got.deadline_unix_seconds(), 1'900'000'000);
    EXPECT_EQ(got.configuration_json(), R"({"tenant":"acme"})");
    ASSERT_EQ(got.components_size(), 2);
    EXPECT_EQ(got.components(0).type(), "suite");
    EXPECT_EQ(got.components(0).name(), "commerce");
    EXPECT_EQ(got.components(0).from_version(), "1.5.0");
    EXPECT_EQ(got.components(0).to_version(), "1.6.0");
    EXPECT_EQ(got.components(0).artifact_sha256(), std::string(64, 'a'));
    EXPECT_EQ(got.components(0).size(), 12345u);
    EXPECT_EQ(got.components(0).download_path(), "/agent/v1/artifacts/" + std::string(64, 'a'));
    EXPECT_EQ(got.components(1).to_version(), "");

    auto second = client->Receive(kWait);
    ASSERT_TRUE(second && second->has_cancel());
    EXPECT_EQ(second->seq(), 3u);
    EXPECT_EQ(second->cancel().op_id(), "deploy-41");
}

TEST_F(GatewayServerTest, AgentMessagesReachTheDirectoryIntact) {
    StartGateway();
    auto client = ConnectAgent("instance-a");
    ASSERT_TRUE(client);

    pb::Envelope heartbeat;
    heartbeat.set_protocol_version(1);
    heartbeat.mutable_heartbeat()->set_uptime_seconds(99);
    ASSERT_TRUE(client->Send(heartbeat));

    pb::Envelope inventory;
    inventory.set_protocol_version(1);
    auto* c = inventory.mutable_inventory()->add_components();
    c->set_type("suite");
    c->set_name("commerce");
    c->set_version("1.6.0");
    ASSERT_TRUE(client->Send(inventory));

    pb::Envelope ack;
    ack.set_protocol_version(1);
    ack.mutable_ack()->set_op_id("deploy-42");
    ASSERT_TRUE(client->Send(ack));

    pb::Envelope progress;
    progress.set_protocol_version(1);
    auto* p = progress.mutable_progress();
    p->set_op_id("deploy-42");
    p->set_step("download");
    p->set_component("suite:commerce");
    p->set_bytes_done(100);
    p->set_bytes_total(1000);
    ASSERT_TRUE(client->Send(progress));

    pb::Envelope result;
    result.set_protocol_version(1);
    auto* r = result.mutable_result();
    r->set_op_id("deploy-42");
    r->set_outcome(pb::OUTCOME_ROLLED_BACK);
    r->set_error("health check failed");
    *r->mutable_inventory() = inventory.inventory();
    ASSERT_TRUE(client->Send(result));

    ASSERT_TRUE(directory_.WaitUntil([](const auto& calls) { return !calls.results.empty(); }));
    const auto calls = directory_.Snapshot();
    ASSERT_EQ(calls.heartbeats.size(), 1u);
    EXPECT_EQ(calls.heartbeats[0], "instance-a");
    ASSERT_EQ(calls.inventories.size(), 1u);
    EXPECT_EQ(calls.inventories[0].first, "instance-a");
    ASSERT_EQ(calls.inventories[0].second.size(), 1u);
    EXPECT_EQ(calls.inventories[0].second[0].type, "suite");
    EXPECT_EQ(calls.inventories[0].second[0].name, "commerce");
    EXPECT_EQ(calls.inventories[0].second[0].version, "1.6.0");
    ASSERT_EQ(calls.acks.size(), 1u);
    EXPECT_EQ(calls.acks[0], std::make_pair(std::string("instance-a"), std::string("deploy-42")));
    ASSERT_EQ(calls.progress.size(), 1u);
    EXPECT_EQ(calls.progress[0].second.op_id, "deploy-42");
    EXPECT_EQ(calls.progress[0].second.step, "download");
    EXPECT_EQ(calls.progress[0].second.component, "suite:commerce");
    EXPECT_EQ(calls.progress[0].second.bytes_done, 100u);
    EXPECT_EQ(calls.progress[0].second.bytes_total, 1000u);
    ASSERT_EQ(calls.results.size(), 1u);
    EXPECT_EQ(calls.results[0].first, "instance-a");
    EXPECT_EQ(calls.results[0].second.op_id, "deploy-42");
    EXPECT_EQ(calls.results[0].second.outcome, ports::AgentOutcome::kRolledBack);
    EXPECT_EQ(calls.results[0].second.error, "health check failed");
    ASSERT_EQ(calls.results[0].second.inventory.size(), 1u);
    EXPECT_EQ(calls.results[0].second.inventory[0].version, "1.6.0");
    EXPECT_FALSE(client->IsClosed());
}

TEST_F(GatewayServerTest, WrongCredentialIsClosedWithReasonAndNeverConnected) {
    StartGateway();
    auto client = ConnectClient();
    ASSERT_TRUE(client);
    ASSERT_TRUE(client->Send(test::MakeHelloEnvelope("instance-a", "wrong-credential")));
    ASSERT_TRUE(client->WaitClosed(kWait));
    EXPECT_EQ(client->CloseCode(), kPolicyError);
    EXPECT_EQ(client->CloseReason(), "unknown credential for instance instance-a");
    EXPECT_FALSE(client->Receive(milliseconds(0)));  // no Welcome was sent
    const auto calls = directory_.Snapshot();
    EXPECT_EQ(calls.authenticated.size(), 1u);
    EXPECT_TRUE(calls.connected.empty());
    EXPECT_TRUE(calls.disconnected.empty());
    EXPECT_FALSE(server_->IsConnected("instance-a"));
}

// gateway.allowed_networks: a peer from elsewhere is closed before the TLS handshake, counted,
// and never reaches the directory; one from inside connects as usual.
TEST_F(GatewayServerTest, APeerOutsideTheAllowedNetworksIsClosedBeforeTls) {
    auto networks = net::AllowedNetworks::Parse("127.0.0.2");
    ASSERT_TRUE(networks);
    auto gate = std::make_shared<net::PeerGate>("gateway", *networks);
    options_.peer_gate = gate;
    StartGateway();
    auto refused = test::TestAgentClient::Connect(ClientOptions());  // from 127.0.0.1
    EXPECT_FALSE(refused);
    EXPECT_EQ(gate->Refused(net::RefusalReason::kNetwork), 1u);
    EXPECT_TRUE(directory_.Snapshot().authenticated.empty());
}

TEST_F(GatewayServerTest, APeerInsideTheAllowedNetworksConnects) {
    auto networks = net::AllowedNetworks::Parse("10.0.0.0/8, 127.0.0.0/8");
    ASSERT_TRUE(networks);
    auto gate = std::make_shared<net::PeerGate>("gateway", *networks);
    options_.peer_gate = gate;
    StartGateway();
    auto client = ConnectAgent("instance-a");
    ASSERT_TRUE(client);
    EXPECT_EQ(gate->Refused(net::RefusalReason::kNetwork), 0u);
}

TEST_F(GatewayServerTest, WrongProtocolVersionGetsErrorThenCloseReason) {
    StartGateway();
    auto client = ConnectClient();
    ASSERT_TRUE(client);
    ASSERT_TRUE(client->Send(test::MakeHelloEnvelope("instance-a", FakeAgentDirectory::kCredential,
                                                     /*protocol_version=*/2)));
    auto reply = client->Receive(kWait);
    ASSERT_TRUE(reply);
    ASSERT_TRUE(reply->has_error());
    EXPECT_EQ(reply->error().code(), "unsupported_protocol_version");
    ASSERT_TRUE(client->WaitClosed(kWait));
    EXPECT_EQ(client->CloseCode(), kPolicyError);
    EXPECT_EQ(client->CloseReason(), "unsupported protocol version 2; this coordinator speaks 1");
    EXPECT_TRUE(directory_.Snapshot().authenticated.empty());
}

TEST_F(GatewayServerTest, GarbageFrameClosesOnlyThatConnection) {
    StartGateway();
    auto bystander = ConnectAgent("instance-bystander");
    ASSERT_TRUE(bystander);
    auto client = ConnectAgent("instance-a");
    ASSERT_TRUE(client);
    // Field 1 with wire type 7 does not exist: no protobuf parser accepts this.
    ASSERT_TRUE(client->SendRaw(std::string("\x0f\x01garbage", 9)));
    ASSERT_TRUE(client->WaitClosed(kWait));
    EXPECT_EQ(client->CloseCode(), kProtocolError);
    EXPECT_EQ(client->CloseReason(), "malformed envelope");
    ASSERT_TRUE(directory_.WaitUntil([](const auto& c) { return c.disconnected.size() == 1; }));
    EXPECT_EQ(directory_.Snapshot().disconnected[0].first, "instance-a");

    auto next = ConnectAgent("instance-b");
    ASSERT_TRUE(next);
    EXPECT_TRUE(server_->IsConnected("instance-b"));
    EXPECT_TRUE(server_->IsConnected("instance-bystander"));
    EXPECT_FALSE(bystander->IsClosed());
}

TEST_F(GatewayServerTest, GarbageBeforeHelloIsRefused) {
    StartGateway();
    auto client = ConnectClient();
    ASSERT_TRUE(client);
    ASSERT_TRUE(client->SendRaw(std::string("\x0f\x01garbage", 9)));
    ASSERT_TRUE(client->WaitClosed(kWait));
    EXPECT_EQ(client->CloseCode(), kProtocolError);
    EXPECT_EQ(client->CloseReason(), "malformed envelope");
}

TEST_F(GatewayServerTest, FirstMessageOtherThanHelloIsRefused) {
    StartGateway();
    auto client = ConnectClient();
    ASSERT_TRUE(client);
    pb::Envelope heartbeat;
    heartbeat.set_protocol_version(1);
    heartbeat.mutable_heartbeat();
    ASSERT_TRUE(client->Send(heartbeat));
    ASSERT_TRUE(client->WaitClosed(kWait));
    EXPECT_EQ(client->CloseCode(), kProtocolError);
    EXPECT_EQ(client->CloseReason(), "expected hello, got heartbeat");
}

TEST_F(GatewayServerTest, CoordinatorMessageOrSecondHelloFromAgentIsAProtocolError) {
    StartGateway();
    auto client = ConnectAgent("instance-a");
    ASSERT_TRUE(client);
    pb::Envelope welcome;
    welcome.set_protocol_version(1);
    welcome.mutable_welcome()->set_session_id("forged");
    ASSERT_TRUE(client->Send(welcome));
    ASSERT_TRUE(client->WaitClosed(kWait));
    EXPECT_EQ(client->CloseCode(), kProtocolError);
    EXPECT_EQ(client->CloseReason(), "unexpected coordinator message from agent");

    auto again = ConnectAgent("instance-b");
    ASSERT_TRUE(again);
    ASSERT_TRUE(
        again->Send(test::MakeHelloEnvelope("instance-b", FakeAgentDirectory::kCredential)));
    ASSERT_TRUE(again->WaitClosed(kWait));
    EXPECT_EQ(again->CloseReason(), "unexpected hello from agent");
}

TEST_F(GatewayServerTest, TextFrameIsRefused) {
    StartGateway();
    auto client = ConnectAgent("instance-a");
    ASSERT_TRUE(client);
    ASSERT_TRUE(client->SendRaw("{\"hello\":1}", /*binary=*/false));
    ASSERT_TRUE(client->WaitClosed(kWait));
    EXPECT_EQ(client->CloseReason(), "text frames are not supported");
}

TEST_F(GatewayServerTest, FrameOverMaxMessageBytesIsClosed) {
    options_.max_message_bytes = 1024;
    StartGateway();
    auto client = ConnectAgent("instance-a");
    ASSERT_TRUE(client);
    pb::Envelope big;
    big.set_protocol_version(1);
    big.mutable_progress()->set_step(std::string(4096, 'x'));
    ASSERT_TRUE(client->Send(big));
    ASSERT_TRUE(client->WaitClosed(kWait));
    EXPECT_EQ(client->CloseCode(), kTooBig);
    EXPECT_TRUE(directory_.Snapshot().progress.empty());
    ASSERT_TRUE(directory_.WaitUntil([](const auto& c) { return c.disconnected.size() == 1; }));
}

TEST_F(GatewayServerTest, ClientThatNeverSaysHelloIsClosedAfterTheDeadline) {
    options_.handshake_timeout_seconds = 1;
    StartGateway();
    auto client = ConnectClient();
    ASSERT_TRUE(client);
    ASSERT_TRUE(client->WaitClosed(kWait));
    EXPECT_EQ(client->CloseCode(), kPolicyError);
    EXPECT_EQ(client->CloseReason(), "no hello within 1 s");
    EXPECT_TRUE(directory_.Snapshot().authenticated.empty());
}

TEST_F(GatewayServerTest, SilentAgentIsClosedAfterIdleTimeout) {
    options_.idle_timeout_seconds = 1;
    StartGateway();
    auto client = ConnectAgent("instance-a");
    ASSERT_TRUE(client);
    ASSERT_TRUE(client->WaitClosed(kWait));
    EXPECT_EQ(client->CloseCode(), kPolicyError);
    EXPECT_EQ(client->CloseReason(), "idle timeout: no frame for 1 s");
    ASSERT_TRUE(directory_.WaitUntil([](const auto& c) { return c.disconnected.size() == 1; }));
    EXPECT_FALSE(server_->IsConnected("instance-a"));
}

TEST_F(GatewayServerTest, ClientTrustingAnotherCaFailsItsHandshakeAndServerSurvives) {
    StartGateway();
    const auto other = test::MakeTestPki(dir_ / "other-pki");
    auto refused = TestAgentClient::Connect(ClientOptions(other.ca_cert));
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("TLS handshake"), std::string::npos)
        << refused.error().message;
    EXPECT_NE(refused.error().message.find("certificate verify failed"), std::string::npos)
        << refused.error().message;

    auto client = ConnectAgent("instance-a");
    ASSERT_TRUE(client);
}

TEST_F(GatewayServerTest, ClientExpectingAnotherServerNameFailsItsHandshake) {
    StartGateway();
    auto options = ClientOptions();
    options.server_name = "coordinator.example.org";
    auto refused = TestAgentClient::Connect(options);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("TLS handshake"), std::string::npos)
        << refused.error().message;
}

TEST_F(GatewayServerTest, SecondSessionForSameInstanceReplacesTheFirst) {
    StartGateway();
    pb::Welcome first_welcome;
    auto first = ConnectAgent("instance-a", &first_welcome);
    ASSERT_TRUE(first);
    pb::Welcome second_welcome;
    auto second = ConnectAgent("instance-a", &second_welcome);
    ASSERT_TRUE(second);
    EXPECT_NE(first_welcome.session_id(), second_welcome.session_id());

    ASSERT_TRUE(first->WaitClosed(kWait));
    EXPECT_EQ(first->CloseCode(), kPolicyError);
    EXPECT_EQ(first->CloseReason(), "replaced by a newer session");
    ASSERT_TRUE(directory_.WaitUntil([](const auto& c) { return c.disconnected.size() == 1; }));
    EXPECT_EQ(directory_.Snapshot().disconnected[0].second, first_welcome.session_id());
    EXPECT_TRUE(server_->IsConnected("instance-a"));
    EXPECT_EQ(server_->ConnectedCount(), 1u);

    EXPECT_TRUE(server_->SendCancel("instance-a", "deploy-7"));
    auto cancel = second->Receive(kWait);
    ASSERT_TRUE(cancel && cancel->has_cancel());
    EXPECT_EQ(cancel->cancel().op_id(), "deploy-7");
}

TEST_F(GatewayServerTest, OutboundQueueOverflowClosesTheSession) {
    options_.max_queued_messages = 2;
    StartGateway();
    auto client = ConnectAgent("instance-a");
    ASSERT_TRUE(client);
    ports::Instruction big;
    big.op_id = "deploy-big";
    big.kind = "deploy";
    big.configuration_json = std::string(256 * 1024, 'c');
    // Posted faster than a 256 KiB TLS write completes: the bounded queue must overflow.
    for (int i = 0; i < 64; ++i) {
        (void)server_->Send("instance-a", big);
    }
    ASSERT_TRUE(client->WaitClosed(kWait));
    EXPECT_EQ(client->CloseCode(), kPolicyError);
    EXPECT_EQ(client->CloseReason(), "outbound queue overflow");
    ASSERT_TRUE(directory_.WaitUntil([](const auto& c) { return c.disconnected.size() == 1; }));
}

TEST_F(GatewayServerTest, StopClosesSessionsWithReason) {
    StartGateway();
    auto client = ConnectAgent("instance-a");
    ASSERT_TRUE(client);
    server_->Stop();
    ASSERT_TRUE(client->WaitClosed(kWait));
    EXPECT_EQ(client->CloseCode(), kGoingAway);
    EXPECT_EQ(client->CloseReason(), "coordinator shutting down");
    ASSERT_TRUE(directory_.WaitUntil([](const auto& c) { return c.disconnected.size() == 1; }));
    EXPECT_EQ(server_->ConnectedCount(), 0u);
    auto late = TestAgentClient::Connect(ClientOptions());
    EXPECT_FALSE(late);
}

TEST_F(GatewayServerTest, StartFailsClearlyWithoutUsableCertificate) {
    options_.cert_file = dir_ / "missing.pem";
    GatewayServer missing(io_, options_);
    auto started = missing.Start(directory_);
    ASSERT_FALSE(started);
    EXPECT_TRUE(started.error().Is(Errc::kInvalidArgument));
    EXPECT_NE(started.error().message.find("missing.pem"), std::string::npos);

    std::ofstream(dir_ / "garbage.pem") << "not a certificate\n";
    options_.cert_file = dir_ / "garbage.pem";
    GatewayServer garbage(io_, options_);
    started = garbage.Start(directory_);
    ASSERT_FALSE(started);
    EXPECT_NE(started.error().message.find("garbage.pem"), std::string::npos)
        << started.error().message;

    options_.cert_file = pki_.server_cert;
    options_.key_file = test::MakeTestPki(dir_ / "other").server_key;
    GatewayServer mismatched(io_, options_);
    started = mismatched.Start(directory_);
    ASSERT_FALSE(started);
    EXPECT_NE(started.error().message.find("does not match"), std::string::npos)
        << started.error().message;
}

}  // namespace
}  // namespace waka::coordinator::gateway
