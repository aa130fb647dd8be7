#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "agent/install/operation.hpp"
#include "agent/link/endpoint.hpp"
#include "agent/link/messages.hpp"

namespace boost::asio {
class io_context;
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
};

// What the link reports to its owner (the daemon). Every call happens on the io_context's thread.
class LinkHandler {
public:
    virtual ~LinkHandler() = default;

    // Called before each connection attempt's Hello.
    virtual HelloData MakeHello() = 0;
    // The coordinator accepted the Hello; Send* works from now until OnSessionDown.
    virtual void OnEstablished(const WelcomeData& welcome) = 0;
    virtual void OnInstruction(InstructionData instruction) = 0;
    virtual void OnCancel(const std::string& op_id) = 0;
    // An established session ended (the link reconnects by itself unless stopped).
    virtual void OnSessionDown() = 0;
    // A connection attempt ended without a Welcome (unreachable, TLS refused, refused Hello...).
    virtual void OnAttemptFailed() {}
};

// Counters for logs and tests; readable from any thread.
struct LinkStats {
    std::atomic<std::uint64_t> connect_attempts{0};
    std::atomic<std::uint64_t> sessions_established{0};
    std::atomic<std::uint64_t> refusals{0};         // closed by the coordinator before Welcome
    std::atomic<std::uint64_t> failed_attempts{0};  // any attempt that ended without a Welcome
};

// The agent's one TLS WebSocket to the coordinator (DESIGN §6): resolve, connect, TLS with the
// server certificate verified against ca_file and the server name, WebSocket handshake on the URL's
// path, Hello -> Welcome within welcome_timeout, heartbeats, one writer draining a bounded queue.
// Any failure ends the session and a new attempt follows after a full-jitter backoff (reset once a
// Welcome arrives). Garbage from the coordinator closes the session with a protocol error.
//
// Threading: the io_context must be run by exactly one thread; every member function must be called
// on that thread (post to it from elsewhere). The Link must outlive the io_context's run().
class Link {
public:
    Link(boost::asio::io_context& io, LinkOptions options, LinkHandler& handler);
    ~Link();
    Link(const Link&) = delete;
    Link& operator=(const Link&) = delete;

    // Starts the connect loop. Errc::kIo when the CA file is unusable.
    [[nodiscard]] Expected<void> Start();
    // Closes the session with "going away" (after flushing the queue) and stops reconnecting; the
    // io_context runs out of link work shortly after.
    void Stop();

    [[nodiscard]] bool Established() const;
    // Queue a message on the established session. False when no session is established or the
    // queue is full (the message is dropped).
    bool SendAck(const std::string& op_id);
    bool SendProgress(const install::ProgressEvent& progress);
    bool SendResult(const install::OperationResult& result);
    bool SendInventory(const std::vector<install::InstalledComponent>& inventory);

    [[nodiscard]] const LinkStats& Stats() const;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace waka::agent::link
