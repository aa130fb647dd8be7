#pragma once

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include "coordinator/gateway/gateway_server.hpp"
#include "tests/integration/coordinator/gateway/fake_agent_directory.hpp"
#include "tests/support/agent_client/agent_client.hpp"
#include "tests/support/certs/test_pki.hpp"

// The gateway on 127.0.0.1 port 0 with a fresh test PKI and a FakeAgentDirectory, shared by the
// test files of gateway_integration_test.
namespace waka::coordinator::gateway {

inline constexpr std::chrono::milliseconds kWait{5000};

class GatewayServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = test::MakeTempDir("waka-gateway-test");
        pki_ = test::MakeTestPki(dir_ / "pki");
        options_.address = "127.0.0.1";
        options_.port = 0;
        options_.cert_file = pki_.server_cert;
        options_.key_file = pki_.server_key;
        options_.heartbeat_seconds = 7;
        options_.handshake_timeout_seconds = 5;
        options_.idle_timeout_seconds = 30;
    }

    void TearDown() override {
        if (server_) {
            server_->Stop();
        }
        work_.reset();
        io_.stop();
        for (auto& t : threads_) {
            t.join();
        }
        server_.reset();
        std::filesystem::remove_all(dir_);
    }

    // Starts the gateway on two I/O threads, as in production (one io_context, several threads).
    void StartGateway() {
        server_ = std::make_unique<GatewayServer>(io_, options_);
        auto port = server_->Start(directory_);
        ASSERT_TRUE(port) << port.error().message;
        port_ = *port;
        for (int i = 0; i < 2; ++i) {
            threads_.emplace_back([this] { io_.run(); });
        }
    }

    test::AgentClientOptions ClientOptions(const std::filesystem::path& ca = {}) const {
        test::AgentClientOptions o;
        o.port = port_;
        o.ca_file = ca.empty() ? pki_.ca_cert : ca;
        o.timeout = kWait;
        return o;
    }

    std::unique_ptr<test::TestAgentClient> ConnectClient() {
        auto client = test::TestAgentClient::Connect(ClientOptions());
        EXPECT_TRUE(client) << client.error().message;
        return client ? std::move(*client) : nullptr;
    }

    // Connects, says hello with the valid credential and returns once Welcome arrived.
    std::unique_ptr<test::TestAgentClient> ConnectAgent(
        const std::string& instance_id, waka::agent::v1::Welcome* welcome = nullptr) {
        auto client = ConnectClient();
        if (!client) {
            return nullptr;
        }
        EXPECT_TRUE(
            client->Send(test::MakeHelloEnvelope(instance_id, FakeAgentDirectory::kCredential)));
        auto reply = client->Receive(kWait);
        EXPECT_TRUE(reply && reply->has_welcome())
            << "no welcome; close reason: " << client->CloseReason();
        if (reply && welcome) {
            *welcome = reply->welcome();
        }
        return client;
    }

    static bool Connected(const FakeAgentDirectory::Calls& c, std::size_t n) {
        return c.connected.size() >= n;
    }

    std::filesystem::path dir_;
    test::TestPki pki_;
    GatewayOptions options_;
    FakeAgentDirectory directory_;
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
        io_.get_executor()};
    std::vector<std::thread> threads_;
    std::unique_ptr<GatewayServer> server_;
    std::uint16_t port_ = 0;
};

}  // namespace waka::coordinator::gateway
