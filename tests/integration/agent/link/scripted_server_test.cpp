// The link against a minimal scripted coordinator (TLS WebSocket, no gateway logic), for what the
// real gateway never does: garbage frames, a missing Welcome, a connection dropped mid-operation.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "agent/link/codec.hpp"
#include "tests/integration/agent/link/agent_under_test.hpp"
#include "tests/support/certs/test_pki.hpp"
#include "waka/agent/v1/agent.pb.h"

namespace waka::agent {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = boost::asio::ssl;
namespace pb = waka::agent::v1;
using tcp = boost::asio::ip::tcp;
using testing::AgentSettings;
using testing::AgentUnderTest;
using testing::kInstance;
using Ws = websocket::stream<beast::ssl_stream<tcp::socket>>;

constexpr auto kStepTimeout = std::chrono::seconds(10);

// One agent connection at a time; every step runs the io_context for at most kStepTimeout.
class ScriptedServer {
public:
    explicit ScriptedServer(const test::TestPki& pki) {
        tls_.use_certificate_chain_file(pki.server_cert.string());
        tls_.use_private_key_file(pki.server_key.string(), ssl::context::pem);
        acceptor_.open(tcp::v4());
        acceptor_.set_option(tcp::acceptor::reuse_address(true));
        acceptor_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
        acceptor_.listen();
    }

    [[nodiscard]] std::uint16_t Port() const { return acceptor_.local_endpoint().port(); }

    // Waits for the agent's next connection and completes TLS and the WebSocket handshake.
    [[nodiscard]] bool AcceptAgent() {
        ws_.reset();
        bool done = false;
        beast::error_code result;
        tcp::socket socket(io_);
        acceptor_.async_accept(socket, [&](beast::error_code ec) {
            result = ec;
            done = true;
        });
        if (!Wait(done) || result) {
            return false;
        }
        ws_ = std::make_unique<Ws>(std::move(socket), tls_);
        done = false;
        ws_->next_layer().async_handshake(ssl::stream_base::server, [&](beast::error_code ec) {
            result = ec;
            done = true;
        });
        if (!Wait(done) || result) {
            return false;
        }
        done = false;
        ws_->async_accept([&](beast::error_code ec) {
            result = ec;
            done = true;
        });
        return Wait(done) && !result;
    }

    // The next frame from the agent, or nullopt (closed, error or timeout).
    [[nodiscard]] std::optional<pb::Envelope> Read() {
        bool done = false;
        beast::error_code result;
        buffer_.clear();
        ws_->async_read(buffer_, [&](beast::error_code ec, std::size_t) {
            result = ec;
            done = true;
        });
        if (!Wait(done) || result) {
            last_error_ = result;
            return std::nullopt;
        }
        pb::Envelope envelope;
        if (!envelope.ParseFromString(beast::buffers_to_string(buffer_.data()))) {
            return std::nullopt;
        }
        return envelope;
    }

    // Skips heartbeats and inventories until a frame matching pred arrives.
    template <class Pred>
    [[nodiscard]] std::optional<pb::Envelope> ReadUntil(Pred pred) {
        for (int i = 0; i < 20; ++i) {
            auto envelope = Read();
            if (!envelope || pred(*envelope)) {
                return envelope;
            }
        }
        return std::nullopt;
    }

    [[nodiscard]] bool Write(const std::string& frame) {
        bool done = false;
        beast::error_code result;
        ws_->binary(true);
        ws_->async_write(boost::asio::buffer(frame), [&](beast::error_code ec, std::size_t) {
            result = ec;
            done = true;
        });
        return Wait(done) && !result;
    }

    // Drops the TCP connection without a close frame (a crashed coordinator or a cut cable).
    void Drop() {
        beast::error_code ignored;
        ws_->next_layer().next_layer().close(ignored);
        io_.restart();
        io_.poll();
        ws_.reset();
    }

    [[nodiscard]] const beast::error_code& LastError() const { return last_error_; }
    [[nodiscard]] websocket::close_reason CloseReason() const { return ws_->reason(); }

private:
    bool Wait(const bool& done) {
        io_.restart();
        const auto deadline = std::chrono::steady_clock::now() + kStepTimeout;
        while (!done && std::chrono::steady_clock::now() < deadline) {
            io_.run_one_until(deadline);
        }
        return done;
    }

    boost::asio::io_context io_;
    ssl::context tls_{ssl::context::tls_server};
    tcp::acceptor acceptor_{io_};
    std::unique_ptr<Ws> ws_;
    beast::flat_buffer buffer_;
    beast::error_code last_error_;
};

// Blocks Execute until released, then succeeds without touching the disk.
class GatedRunner final : public daemon::OperationRunner {
public:
    model::OperationResult Execute(
        const model::Operation& op,
        const std::function<void(const model::ProgressEvent&)>&) override {
        gate_.wait();
        return {op.op_id, model::Outcome::kSucceeded, "", {}};
    }
    std::optional<model::OperationResult> StoredResult(const std::string&) const override {
        return std::nullopt;
    }
    std::vector<model::InstalledComponent> Inventory() const override { return {}; }
    void Release() { release_.set_value(); }

private:
    std::promise<void> release_;
    std::shared_future<void> gate_ = release_.get_future().share();
};

model::InstructionData Instruction(const std::string& op_id) {
    model::InstructionData instruction;
    instruction.operation.op_id = op_id;
    instruction.operation.kind = "deploy";
    const std::string sha(64, 'a');
    instruction.operation.components.push_back(
        {"suite", "commerce", "", "1.0.0", sha, 100, "/agent/v1/artifacts/" + sha});
    return instruction;
}

class ScriptedServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = test::MakeTempDir("waka-agent-scripted");
        pki_ = test::MakeTestPki(dir_ / "pki");
        server_ = std::make_unique<ScriptedServer>(pki_);
        settings_.state_dir = dir_ / "state";
        settings_.ca_file = pki_.ca_cert;
        settings_.port = server_->Port();
        settings_.credential = "cred-scripted";
    }
    void TearDown() override {
        server_.reset();  // first: the agent's closing handshake then fails fast instead of waiting
        agent_.reset();
        std::filesystem::remove_all(dir_);
    }

    void StartAgent() {
        agent_ = std::make_unique<AgentUnderTest>(settings_);
        agent_->Start();
    }

    // Accepts the agent, checks its Hello and welcomes it.
    void Welcome(const std::string& expected_in_flight = "") {
        ASSERT_TRUE(server_->AcceptAgent());
        auto hello = server_->Read();
        ASSERT_TRUE(hello && hello->has_hello());
        EXPECT_EQ(hello->hello().instance_id(), kInstance);
        EXPECT_EQ(hello->hello().credential(), "cred-scripted");
        EXPECT_EQ(hello->hello().in_flight_op_id(), expected_in_flight);
        ASSERT_TRUE(server_->Write(link::EncodeWelcomeForTest({"session-1", 30, ""}, 1)));
    }

    std::filesystem::path dir_;
    test::TestPki pki_;
    std::unique_ptr<ScriptedServer> server_;
    AgentSettings settings_;
    std::unique_ptr<AgentUnderTest> agent_;
};

TEST_F(ScriptedServerTest, GarbageFromTheCoordinatorClosesTheSessionAndTheAgentReconnects) {
    StartAgent();
    Welcome();
    ASSERT_TRUE(agent_->observer().WaitEstablished(1));
    ASSERT_TRUE(server_->Write("\xff\xfe not a protobuf envelope"));
    EXPECT_FALSE(server_->Read());
    EXPECT_EQ(server_->LastError(), websocket::error::closed);
    EXPECT_EQ(server_->CloseReason().code, websocket::close_code::protocol_error);
    Welcome();  // it comes back
    EXPECT_TRUE(agent_->observer().WaitEstablished(2));
}

TEST_F(ScriptedServerTest, MissingWelcomeTimesOutAndTheAgentRetries) {
    settings_.welcome_timeout = std::chrono::milliseconds(300);
    StartAgent();
    ASSERT_TRUE(server_->AcceptAgent());
    auto hello = server_->Read();
    ASSERT_TRUE(hello && hello->has_hello());
    // No Welcome: the agent gives up on this connection by itself.
    EXPECT_FALSE(server_->Read());
    EXPECT_TRUE(agent_->observer().WaitFailed(1));
    Welcome();
    EXPECT_TRUE(agent_->observer().WaitEstablished(1));
}

TEST_F(ScriptedServerTest, ResultFinishedWhileDisconnectedIsSentAfterReconnect) {
    GatedRunner runner;
    settings_.runner = &runner;
    StartAgent();
    Welcome();
    ASSERT_TRUE(server_->Write(link::EncodeInstructionForTest(Instruction("deploy-gated"), 2)));
    auto ack = server_->ReadUntil([](const pb::Envelope& e) { return e.has_ack(); });
    ASSERT_TRUE(ack);
    EXPECT_EQ(ack->ack().op_id(), "deploy-gated");

    server_->Drop();
    runner.Release();
    // Running or finished-but-unsent, the operation is in flight from the coordinator's view.
    Welcome("deploy-gated");
    auto result = server_->ReadUntil([](const pb::Envelope& e) { return e.has_result(); });
    ASSERT_TRUE(result);
    EXPECT_EQ(result->result().op_id(), "deploy-gated");
    EXPECT_EQ(result->result().outcome(), pb::OUTCOME_SUCCEEDED);
}

TEST_F(ScriptedServerTest, StopClosesTheSessionWithGoingAway) {
    StartAgent();
    Welcome();
    ASSERT_TRUE(agent_->observer().WaitEstablished(1));
    std::thread stopper([this] { agent_->Stop(); });
    EXPECT_FALSE(server_->ReadUntil([](const pb::Envelope&) { return false; }));
    EXPECT_EQ(server_->LastError(), websocket::error::closed);
    EXPECT_EQ(server_->CloseReason().code, websocket::close_code::going_away);
    stopper.join();
}

}  // namespace
}  // namespace waka::agent
