#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "shared/core/error.hpp"
#include "waka/agent/v1/agent.pb.h"

// Test-only clients of the agent gateway: a TLS WebSocket speaking protobuf Envelopes, and an HTTPS
// client for artifact downloads. Both verify the server certificate against ca_file (SNI + host
// name check), like the real agent must.
namespace waka::test {

struct AgentClientOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    std::filesystem::path ca_file;
    std::string server_name = "localhost";  // SNI and the name checked in the certificate
    std::string target = "/agent/v1/connect";
    std::chrono::milliseconds timeout{5000};  // bound of Connect, Send and Close
};

// Owns one io_context thread. A background read loop queues every received message; Receive()
// waits on that queue. Thread-safe for one test thread plus the internal thread.
class TestAgentClient {
public:
    // TCP connect, TLS handshake (verified), WebSocket handshake. The error message tells which
    // step failed ("TLS handshake: certificate verify failed ...").
    [[nodiscard]] static Expected<std::unique_ptr<TestAgentClient>> Connect(
        const AgentClientOptions& options);
    ~TestAgentClient();
    TestAgentClient(const TestAgentClient&) = delete;
    TestAgentClient& operator=(const TestAgentClient&) = delete;

    [[nodiscard]] Expected<void> Send(const waka::agent::v1::Envelope& envelope);
    // A binary (or text) frame with arbitrary bytes, for garbage and size tests.
    [[nodiscard]] Expected<void> SendRaw(std::string_view bytes, bool binary = true);
    // The next message, or nullopt after timeout or once the connection is closed and drained.
    // Messages that are not Envelopes are returned as an Envelope with nothing set, and counted.
    [[nodiscard]] std::optional<waka::agent::v1::Envelope> Receive(
        std::chrono::milliseconds timeout);
    // Waits until the server closed the connection (or it failed); true if it did within timeout.
    [[nodiscard]] bool WaitClosed(std::chrono::milliseconds timeout);
    [[nodiscard]] bool IsClosed() const;
    // The WebSocket close frame the server sent (0 / empty when the connection just dropped).
    [[nodiscard]] std::uint16_t CloseCode() const;
    [[nodiscard]] std::string CloseReason() const;
    // Why the read loop ended ("websocket: The WebSocket stream was gracefully closed", ...).
    [[nodiscard]] std::string CloseError() const;
    // Sends a normal close and waits (bounded) for the server's answer. Idempotent.
    void Close();

    struct State;

private:
    explicit TestAgentClient(std::shared_ptr<State> state);
    std::shared_ptr<State> state_;
};

// A Hello Envelope with protocol_version (default 1) and seq 1.
[[nodiscard]] waka::agent::v1::Envelope MakeHelloEnvelope(const std::string& instance_id,
                                                          const std::string& credential,
                                                          std::uint32_t protocol_version = 1);

struct HttpsResponse {
    unsigned status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
};

// One verified TLS connection to the gateway; requests reuse it (keep-alive). Synchronous, with a
// deadline on every request.
class TestHttpsClient {
public:
    [[nodiscard]] static Expected<std::unique_ptr<TestHttpsClient>> Connect(
        const AgentClientOptions& options);
    ~TestHttpsClient();
    TestHttpsClient(const TestHttpsClient&) = delete;
    TestHttpsClient& operator=(const TestHttpsClient&) = delete;

    // Fails when the connection was closed or the deadline passed.
    [[nodiscard]] Expected<HttpsResponse> Request(
        const std::string& method, const std::string& target,
        const std::map<std::string, std::string>& headers = {});

    struct State;

private:
    explicit TestHttpsClient(std::shared_ptr<State> state);
    std::shared_ptr<State> state_;
};

}  // namespace waka::test
