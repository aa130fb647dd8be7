// The gateway's listener, and GatewayServer, its public face: the listener accepts, the session
// registry knows the sessions, and connection.cpp (the one Beast translation unit) serves each
// connection.
#include "coordinator/gateway/listener.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <optional>

#include "coordinator/gateway/connection.hpp"
#include "coordinator/gateway/gateway_context.hpp"
#include "coordinator/gateway/gateway_server.hpp"
#include "shared/core/log.hpp"
#include "shared/net/peer_gate.hpp"

namespace waka::coordinator::gateway {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

}  // namespace

Listener::Listener(asio::io_context& io, std::shared_ptr<GatewayContext> context)
    : io_(io), context_(std::move(context)), acceptor_(asio::make_strand(io)) {}

Expected<void> Listener::Listen() {
    const GatewayOptions& options = context_->options;
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(options.address, ec);
    if (ec) {
        return MakeError(Errc::kInvalidArgument,
                         "gateway address '" + options.address + "' is not an IP address");
    }
    const tcp::endpoint endpoint(address, options.port);
    const std::string where = options.address + ":" + std::to_string(options.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) {
        acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
        acceptor_.bind(endpoint, ec);
    }
    if (!ec) {
        acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        return MakeError(Errc::kNetwork, "gateway cannot listen on " + where + ": " + ec.message());
    }
    return {};
}

Expected<std::uint16_t> Listener::Start(ports::AgentEvents& directory) {
    if (started_.exchange(true)) {
        return MakeError(Errc::kConflict, "gateway already started");
    }
    context_->directory = &directory;
    const GatewayOptions& options = context_->options;
    if (options.max_message_bytes == 0 || options.max_pre_hello_bytes == 0 ||
        options.max_queued_messages == 0 || options.handshake_timeout_seconds == 0 ||
        options.idle_timeout_seconds == 0) {
        return MakeError(Errc::kInvalidArgument,
                         "gateway limits and timeouts must be greater than zero");
    }
    if (auto loaded = context_->tls.Reload(); !loaded) {
        return loaded.error();
    }
    if (auto listening = Listen(); !listening) {
        return listening.error();
    }
    const std::uint16_t port = acceptor_.local_endpoint().port();
    log::Info("agent gateway listening address={} port={}", options.address, port);
    asio::co_spawn(acceptor_.get_executor(), AsyncAccept(shared_from_this()), asio::detached);
    return port;
}

asio::awaitable<void> Listener::AsyncAccept(std::shared_ptr<Listener> self) {
    asio::steady_timer backoff(self->acceptor_.get_executor());
    for (;;) {
        auto [ec, socket] =
            co_await self->acceptor_.async_accept(asio::make_strand(self->io_), kNoThrow);
        if (ec) {
            if (!self->acceptor_.is_open() || ec == asio::error::operation_aborted) {
                co_return;
            }
            // Out of descriptors and the like: wait a little instead of spinning.
            log::Warn("gateway accept failed error={}", ec.message());
            backoff.expires_after(std::chrono::milliseconds(100));
            co_await backoff.async_wait(kNoThrow);
            continue;
        }
        boost::system::error_code peer_ec;
        const tcp::endpoint peer = socket.remote_endpoint(peer_ec);
        auto slot = peer_ec ? std::nullopt : self->Admit(peer.address());
        if (!slot) {
            continue;  // gone already, or refused: the socket closes here, before TLS
        }
        try {
            StartConnection(self->context_, tcp::socket(std::move(socket)), std::move(*slot));
        } catch (const std::exception& e) {
            // One connection that cannot be set up (memory) must not end the listener.
            log::Error("gateway connection setup failed error={}", e.what());
        }
    }
}

std::optional<net::ConnectionSlot> Listener::Admit(const asio::ip::address& peer) const {
    const auto& gate = context_->options.peer_gate;
    return gate ? gate->Admit(peer) : net::ConnectionSlot{};
}

void Listener::Stop() {
    auto open = context_->registry.BeginStop();
    if (!open) {
        return;
    }
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
        boost::system::error_code ignored;
        self->acceptor_.close(ignored);
    });
    for (const auto& connection : *open) {
        connection->PostShutdown();
    }
    log::Info("agent gateway stopping connections={}", open->size());
}

struct GatewayServer::Impl {
    std::shared_ptr<GatewayContext> context;
    std::shared_ptr<Listener> listener;
};

GatewayServer::GatewayServer(boost::asio::io_context& io, GatewayOptions options)
    : impl_(std::make_shared<Impl>()) {
    impl_->context = std::make_shared<GatewayContext>(std::move(options));
    impl_->listener = std::make_shared<Listener>(io, impl_->context);
}

GatewayServer::~GatewayServer() { Stop(); }

Expected<std::uint16_t> GatewayServer::Start(ports::AgentEvents& directory) {
    return impl_->listener->Start(directory);
}

void GatewayServer::Stop() { impl_->listener->Stop(); }

Expected<void> GatewayServer::ReloadTls() { return impl_->context->tls.Reload(); }

bool GatewayServer::Send(const std::string& instance_id, const ports::Instruction& instruction) {
    return impl_->context->registry.Post(instance_id, instruction);
}

bool GatewayServer::SendCancel(const std::string& instance_id, const std::string& op_id) {
    return impl_->context->registry.Post(instance_id, CancelMessage{op_id});
}

bool GatewayServer::Disconnect(const std::string& instance_id, const std::string& reason) {
    return impl_->context->registry.Close(instance_id, reason);
}

bool GatewayServer::IsConnected(const std::string& instance_id) const {
    return impl_->context->registry.IsConnected(instance_id);
}

std::size_t GatewayServer::ConnectedCount() const {
    return impl_->context->registry.ConnectedCount();
}

}  // namespace waka::coordinator::gateway
