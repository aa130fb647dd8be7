#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "agent/link/endpoint.hpp"
#include "agent/model/channel.hpp"
#include "agent/model/operation.hpp"

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}  // namespace ssl
}  // namespace boost::asio

namespace waka::agent::link {

struct LinkOptions {
    Endpoint endpoint;
    std::string server_name;  // name the server certificate must carry; empty: endpoint.host
    std::filesystem::path ca_file;
    std::chrono::milliseconds connect_timeout{10'000};  // resolve+connect, TLS, WebSocket each
    std::chrono::milliseconds welcome_timeout{10'000};  // Hello sent -> Welcome received
    std::uint32_t heartbeat_seconds_default = 15;       // until a Welcome says otherwise
    std::uint32_t reconnect_initial_ms = 500;
    std::uint32_t reconnect_max_ms = 30'000;
    std::uint64_t backoff_seed = 0;  // 0: random
    std::size_t max_queued_messages = 1024;
    std::size_t max_message_bytes = 4 << 20;
    // The client certificate and key (ADR 0034), presented once the file exists; read again for
    // every connection attempt, so a renewed certificate is used from the next one.
    std::filesystem::path identity_file;
    // The address connections are made from (an IP literal); empty: the system's choice. The load
    // tool (tests/bench/swarm) spreads its links over 127.0.0.x with it.
    std::string local_address;
    // A TLS context to share instead of one loaded from ca_file per link (the load tool runs
    // thousands of links); identity_file is not used with it.
    std::shared_ptr<boost::asio::ssl::context> tls_context;
};

// Counters for logs and tests; readable from any thread.
struct LinkStats {
    std::atomic<std::uint64_t> connect_attempts{0};
    std::atomic<std::uint64_t> sessions_established{0};
    std::atomic<std::uint64_t> refusals{0};         // closed by the coordinator before Welcome
    std::atomic<std::uint64_t> failed_attempts{0};  // any attempt that ended without a Welcome
};

// The agent's one TLS WebSocket to the coordinator (docs/design.md §6): resolve, connect, TLS with
// the server certificate verified against ca_file and the server name, WebSocket handshake on the
// URL's path, Hello -> Welcome within welcome_timeout, heartbeats, one writer draining a bounded
// queue. Any failure ends the session and a new attempt follows after a full-jitter backoff (reset
// once a Welcome arrives). Garbage from the coordinator closes the session with a protocol error.
//
// Threading: the io_context must be run by exactly one thread; every member function must be called
// on that thread (post to it from elsewhere). The Link must outlive the io_context's run().
class Link final : public model::AgentChannel {
public:
    Link(boost::asio::io_context& io, LinkOptions options, model::ChannelHandler& handler);
    ~Link() override;
    Link(const Link&) = delete;
    Link& operator=(const Link&) = delete;

    // Starts the connect loop. Errc::kIo when the CA file is unusable.
    [[nodiscard]] Expected<void> Start();
    // Closes the session with "going away" (after flushing the queue) and stops reconnecting; the
    // io_context runs out of link work shortly after.
    void Stop();

    // model::AgentChannel
    [[nodiscard]] bool Established() const override;
    // Queue a message on the established session. False when no session is established or the
    // queue is full (the message is dropped).
    bool SendAck(const std::string& op_id) override;
    bool SendProgress(const model::ProgressEvent& progress) override;
    bool SendResult(const model::OperationResult& result) override;
    bool SendInventory(const std::vector<model::InstalledComponent>& inventory) override;
    bool SendCertificateRequest(const std::string& request_pem) override;

    [[nodiscard]] const LinkStats& Stats() const;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace waka::agent::link
