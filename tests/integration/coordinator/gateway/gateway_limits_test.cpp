// The connection-layer limits of the gateway (ADR 0031): the small message limit before Hello,
// the per-address connection cap and the per-address handshake rate, over real sockets and TLS.
#include <gtest/gtest.h>

#include <boost/asio/ip/address.hpp>

#include "shared/net/peer_gate.hpp"
#include "tests/integration/coordinator/gateway/gateway_fixture.hpp"
#include "tests/support/process/process.hpp"

namespace waka::coordinator::gateway {
namespace {

namespace pb = waka::agent::v1;
using std::chrono::milliseconds;

constexpr std::uint16_t kTooBig = 1009;
constexpr std::size_t kBigFrameBytes = 100 * 1024;
const boost::asio::ip::address kLoopback = boost::asio::ip::make_address("127.0.0.1");

std::shared_ptr<net::PeerGate> GateWith(const net::AddressLimitSettings& limits) {
    return std::make_shared<net::PeerGate>("gateway", net::AllowedNetworks{}, limits);
}

TEST_F(GatewayServerTest, AFrameOverThePreHelloLimitBeforeHelloIsClosedWithTooBig) {
    ASSERT_EQ(options_.max_pre_hello_bytes, 64u * 1024);  // the default under test
    StartGateway();
    auto client = ConnectClient();
    ASSERT_TRUE(client);
    // The gateway closes as soon as it has read the frame's header, with the rest of the frame
    // unread: its kernel then answers the client's remaining bytes with a reset, which may reach
    // the client before the close frame does (seen once in CI: "write: Broken pipe", no close
    // code). Either way the connection ends at once, with 1009 when the close frame arrives first;
    // a gateway that took the frame would keep the connection open waiting for a Hello.
    const auto sent = client->SendRaw(std::string(kBigFrameBytes, 'x'));
    ASSERT_TRUE(client->WaitClosed(kWait));
    if (sent) {
        EXPECT_EQ(client->CloseCode(), kTooBig);
    } else {
        EXPECT_TRUE(client->CloseCode() == kTooBig || client->CloseCode() == 0)
            << client->CloseCode() << " " << sent.error().message;
    }
    EXPECT_TRUE(directory_.Snapshot().authenticated.empty());
}

TEST_F(GatewayServerTest, AHelloUnderThePreHelloLimitIsWelcomed) {
    StartGateway();
    auto client = ConnectClient();
    ASSERT_TRUE(client);
    auto hello = test::MakeHelloEnvelope("instance-a", FakeAgentDirectory::kCredential);
    auto* component = hello.mutable_hello()->mutable_inventory()->add_components();
    component->set_type("platform");
    component->set_name(std::string(60 * 1024, 'n'));  // big, but under 64 KiB
    component->set_version("1.0.0");
    ASSERT_TRUE(client->Send(hello));
    auto reply = client->Receive(kWait);
    ASSERT_TRUE(reply && reply->has_welcome()) << client->CloseReason();
}

TEST_F(GatewayServerTest, AfterWelcomeAFrameUpToMaxMessageBytesIsAccepted) {
    StartGateway();
    auto client = ConnectAgent("instance-a");
    ASSERT_TRUE(client);
    pb::Envelope big;
    big.set_protocol_version(1);
    big.set_seq(2);
    big.mutable_progress()->set_op_id("deploy-1");
    big.mutable_progress()->set_step(std::string(kBigFrameBytes, 'x'));
    ASSERT_GT(big.ByteSizeLong(), kBigFrameBytes);
    ASSERT_LT(big.ByteSizeLong(), options_.max_message_bytes);
    ASSERT_TRUE(client->Send(big));
    ASSERT_TRUE(directory_.WaitUntil([](const auto& c) { return c.progress.size() == 1; }))
        << "closed: " << client->CloseCode() << " " << client->CloseReason();
    EXPECT_EQ(directory_.Snapshot().progress[0].second.step.size(), kBigFrameBytes);
    EXPECT_FALSE(client->IsClosed());
}

// gateway.max_connections_per_address: the connection beyond the cap is closed at accept (the
// client's TLS handshake fails), counted; once one closes, the address may connect again.
TEST_F(GatewayServerTest, TheConnectionBeyondThePerAddressCapIsClosedUntilOneCloses) {
    net::AddressLimitSettings limits;
    limits.max_connections_per_address = 2;
    auto gate = GateWith(limits);
    options_.peer_gate = gate;
    StartGateway();
    auto first = ConnectAgent("instance-a");
    auto second = ConnectClient();
    ASSERT_TRUE(first && second);
    EXPECT_EQ(gate->Limits().ConnectionsFrom(kLoopback), 2u);

    auto refused = test::TestAgentClient::Connect(ClientOptions());
    EXPECT_FALSE(refused);
    EXPECT_EQ(gate->Refused(net::RefusalReason::kAddressLimit), 1u);
    EXPECT_EQ(gate->Refused(net::RefusalReason::kHandshakeRate), 0u);
    EXPECT_TRUE(first && !first->IsClosed());  // the others are not affected

    second->Close();
    ASSERT_TRUE(
        test::WaitFor([&] { return gate->Limits().ConnectionsFrom(kLoopback) == 1; }, kWait));
    auto again = ConnectClient();
    ASSERT_TRUE(again);
    EXPECT_EQ(gate->Refused(net::RefusalReason::kAddressLimit), 1u);
}

// gateway.handshakes_per_second_per_address: a burst of quick connections uses the bucket; the
// one beyond it is closed at accept and counted. The rate is so low that no token comes back
// during the test.
TEST_F(GatewayServerTest, TheConnectionBeyondTheHandshakeBurstIsClosedAndCounted) {
    net::AddressLimitSettings limits;
    limits.connections_per_second = 0.001;
    limits.connection_burst = 3;
    auto gate = GateWith(limits);
    options_.peer_gate = gate;
    StartGateway();
    std::vector<std::unique_ptr<test::TestAgentClient>> clients;
    for (int i = 0; i < 3; ++i) {
        clients.push_back(ConnectClient());
        ASSERT_TRUE(clients.back()) << i;
    }
    clients[0]->Close();  // closing does not give a handshake back
    auto refused = test::TestAgentClient::Connect(ClientOptions());
    EXPECT_FALSE(refused);
    EXPECT_EQ(gate->Refused(net::RefusalReason::kHandshakeRate), 1u);
    EXPECT_EQ(gate->Refused(net::RefusalReason::kAddressLimit), 0u);
    EXPECT_TRUE(directory_.Snapshot().authenticated.empty());
}

}  // namespace
}  // namespace waka::coordinator::gateway
