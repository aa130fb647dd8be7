// Listening and connection bookkeeping; serving a connection (all of Beast) is in connection.cpp.
#include "coordinator/http/server.hpp"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "coordinator/http/connection.hpp"
#include "shared/core/log.hpp"
#include "shared/net/peer_gate.hpp"

namespace waka::coordinator::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
// Connections over max_connections still get their 503; beyond this many at once they are dropped.
constexpr std::size_t kMaxRefusingConnections = 64;
constexpr std::chrono::milliseconds kAcceptRetryDelay{50};

class ServerCore : public ConnectionOwner, public std::enable_shared_from_this<ServerCore> {
public:
    ServerCore(asio::io_context& io, ServerOptions options, Handler handler)
        : io_(io),
          options_(std::move(options)),
          handler_(std::move(handler)),
          uploads_(options_.max_concurrent_uploads),
          acceptor_(asio::make_strand(io)) {}

    [[nodiscard]] Expected<std::uint16_t> Start();
    void Stop();

    [[nodiscard]] const ServerOptions& Options() const override { return options_; }
    [[nodiscard]] const Handler& RequestHandler() const override { return handler_; }
    [[nodiscard]] bool Stopping() const override { return stopping_.load(); }
    [[nodiscard]] UploadSlots& Uploads() override { return uploads_; }
    void ConnectionClosed(std::uint64_t id, bool refused) override;

private:
    [[nodiscard]] Expected<void> Listen();
    static asio::awaitable<void> AsyncAccept(std::shared_ptr<ServerCore> self);
    void Admit(tcp::socket socket);
    void StopOnStrand();

    asio::io_context& io_;
    const ServerOptions options_;
    const Handler handler_;
    UploadSlots uploads_;
    tcp::acceptor acceptor_;  // used on its own strand once accepting
    std::atomic<bool> stopping_{false};

    std::mutex mutex_;  // guards the members below
    std::uint64_t next_connection_id_ = 0;
    std::size_t counted_connections_ = 0;
    std::size_t refusing_connections_ = 0;
    struct Tracked {
        std::weak_ptr<Connection> connection;
        net::ConnectionSlot slot;  // the peer's place in the per-address cap, until closed
    };
    std::unordered_map<std::uint64_t, Tracked> connections_;
};

Expected<std::uint16_t> ServerCore::Start() {
    if (options_.spool_body && !options_.spool_dir.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(options_.spool_dir, ec);
        if (ec) {
            return MakeError(Errc::kIo, "create spool directory " + options_.spool_dir.string() +
                                            ": " + ec.message());
        }
    }
    if (auto listening = Listen(); !listening) {
        return listening.error();
    }
    boost::system::error_code ec;
    const std::uint16_t port = acceptor_.local_endpoint(ec).port();
    asio::co_spawn(acceptor_.get_executor(), AsyncAccept(shared_from_this()), asio::detached);
    log::Info("http server listening address={} port={} tls={}", options_.address, port,
              options_.tls ? "on" : "off");
    return port;
}

Expected<void> ServerCore::Listen() {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(options_.address, ec);
    if (ec) {
        return MakeError(Errc::kInvalidArgument,
                         "invalid listen address '" + options_.address + "'");
    }
    const tcp::endpoint endpoint(address, options_.port);
    const std::string where = options_.address + ":" + std::to_string(options_.port);
    if (acceptor_.open(endpoint.protocol(), ec); ec) {
        return MakeError(Errc::kIo, "open listening socket: " + ec.message());
    }
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (acceptor_.bind(endpoint, ec); ec) {
        return MakeError(Errc::kIo, "bind " + where + ": " + ec.message());
    }
    if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec) {
        return MakeError(Errc::kIo, "listen on " + where + ": " + ec.message());
    }
    return {};
}

asio::awaitable<void> ServerCore::AsyncAccept(std::shared_ptr<ServerCore> self) {
    asio::steady_timer retry_timer(self->acceptor_.get_executor());
    while (self->acceptor_.is_open()) {
        // Each connection gets its own strand: the io_context runs on several threads.
        auto [ec, socket] =
            co_await self->acceptor_.async_accept(asio::make_strand(self->io_), kNoThrow);
        if (ec == asio::error::operation_aborted || !self->acceptor_.is_open()) {
            break;
        }
        if (ec) {
            // Usually out of file descriptors: wait a little instead of spinning.
            log::Warn("http accept failed error={}", ec.message());
            retry_timer.expires_after(kAcceptRetryDelay);
            co_await retry_timer.async_wait(kNoThrow);
            continue;
        }
        self->Admit(tcp::socket(std::move(socket)));
    }
}

void ServerCore::Admit(tcp::socket socket) {
    if (stopping_) {
        return;  // accepted just before Stop(): the socket closes here
    }
    net::ConnectionSlot slot;
    if (options_.peer_gate) {
        boost::system::error_code ec;
        const tcp::endpoint peer = socket.remote_endpoint(ec);
        auto admitted = ec ? std::nullopt : options_.peer_gate->Admit(peer.address());
        if (!admitted) {
            return;  // gone already, or refused (network, address limit): closed here
        }
        slot = std::move(*admitted);
    }
    // Taken per connection: a reload (SIGHUP) applies to the next one.
    const std::shared_ptr<asio::ssl::context> tls = options_.tls ? options_.tls() : nullptr;
    std::shared_ptr<Connection> connection;
    {
        std::lock_guard lock(mutex_);
        const bool refuse = counted_connections_ >= options_.max_connections;
        if (refuse && refusing_connections_ >= kMaxRefusingConnections) {
            return;
        }
        (refuse ? refusing_connections_ : counted_connections_) += 1;
        const std::uint64_t id = next_connection_id_++;
        connection = MakeConnection(shared_from_this(), std::move(socket), tls.get(), id, refuse);
        // Registered before it starts, so ConnectionClosed always finds it.
        connections_.emplace(id, Tracked{connection, std::move(slot)});
    }
    connection->Start();
}

void ServerCore::ConnectionClosed(std::uint64_t id, bool refused) {
    std::lock_guard lock(mutex_);
    connections_.erase(id);
    (refused ? refusing_connections_ : counted_connections_) -= 1;
}

void ServerCore::Stop() {
    stopping_ = true;
    // The acceptor belongs to its strand; closing it there also orders this after any accept.
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] { self->StopOnStrand(); });
}

void ServerCore::StopOnStrand() {
    boost::system::error_code ec;
    acceptor_.close(ec);
    std::vector<std::shared_ptr<Connection>> live;
    {
        std::lock_guard lock(mutex_);
        for (auto& [id, tracked] : connections_) {
            if (auto connection = tracked.connection.lock()) {
                live.push_back(std::move(connection));
            }
        }
    }
    for (auto& connection : live) {
        connection->RequestStop();
    }
}

}  // namespace

struct Server::Impl final : ServerCore {
    using ServerCore::ServerCore;
};

Server::Server(boost::asio::io_context& io, ServerOptions options, Handler handler)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(handler))) {}

Server::~Server() { impl_->Stop(); }

Expected<std::uint16_t> Server::Start() { return impl_->Start(); }

void Server::Stop() { impl_->Stop(); }

}  // namespace waka::coordinator::http
