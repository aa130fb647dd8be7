#include "tests/integration/ctl/tls_proxy.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <memory>

namespace waka::test {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using asio::ip::tcp;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

struct Session {
    Session(tcp::socket client, ssl::context& tls, asio::io_context& io)
        : tls_stream(std::move(client), tls), upstream(io) {}

    void Close() {
        boost::system::error_code ec;
        tls_stream.lowest_layer().close(ec);
        upstream.close(ec);
    }

    ssl::stream<tcp::socket> tls_stream;
    tcp::socket upstream;
};

// Client to upstream until the client stops sending or anything fails.
asio::awaitable<void> Forward(std::shared_ptr<Session> session) {
    std::array<char, 16384> buffer{};
    for (;;) {
        auto [ec, n] = co_await session->tls_stream.async_read_some(asio::buffer(buffer), kNoThrow);
        if (ec) {
            break;
        }
        auto [write_ec, written] =
            co_await asio::async_write(session->upstream, asio::buffer(buffer.data(), n), kNoThrow);
        if (write_ec) {
            break;
        }
    }
    session->Close();
}

// Upstream to client; once the upstream closes (it answers with Connection: close), a TCP FIN
// tells the client (no TLS shutdown here: Forward's pending read owns the read side), and
// Forward closes both sockets when the client goes.
asio::awaitable<void> Backward(std::shared_ptr<Session> session) {
    std::array<char, 16384> buffer{};
    for (;;) {
        auto [ec, n] = co_await session->upstream.async_read_some(asio::buffer(buffer), kNoThrow);
        if (ec) {
            break;
        }
        auto [write_ec, written] = co_await asio::async_write(
            session->tls_stream, asio::buffer(buffer.data(), n), kNoThrow);
        if (write_ec) {
            break;
        }
    }
    boost::system::error_code ec;
    session->tls_stream.lowest_layer().shutdown(tcp::socket::shutdown_send, ec);
}

asio::awaitable<void> Serve(std::shared_ptr<Session> session, unsigned short upstream_port) {
    auto [handshake_ec] =
        co_await session->tls_stream.async_handshake(ssl::stream_base::server, kNoThrow);
    if (handshake_ec) {
        session->Close();  // e.g. the client refused the certificate
        co_return;
    }
    const tcp::endpoint upstream(asio::ip::make_address("127.0.0.1"), upstream_port);
    auto [connect_ec] = co_await session->upstream.async_connect(upstream, kNoThrow);
    if (connect_ec) {
        session->Close();
        co_return;
    }
    auto executor = co_await asio::this_coro::executor;
    asio::co_spawn(executor, Forward(session), asio::detached);
    asio::co_spawn(executor, Backward(session), asio::detached);
}

asio::awaitable<void> Accept(tcp::acceptor& acceptor, ssl::context& tls, asio::io_context& io,
                             unsigned short upstream_port) {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(kNoThrow);
        if (ec) {
            co_return;
        }
        auto session = std::make_shared<Session>(std::move(socket), tls, io);
        asio::co_spawn(io, Serve(session, upstream_port), asio::detached);
    }
}

}  // namespace

TlsProxy::TlsProxy(const std::filesystem::path& cert, const std::filesystem::path& key,
                   unsigned short upstream_port)
    : tls_(ssl::context::tls_server),
      acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
      port_(acceptor_.local_endpoint().port()),
      upstream_port_(upstream_port) {
    tls_.use_certificate_chain_file(cert.string());
    tls_.use_private_key_file(key.string(), ssl::context::pem);
    asio::co_spawn(io_, Accept(acceptor_, tls_, io_, upstream_port_), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
}

TlsProxy::~TlsProxy() {
    io_.stop();
    thread_.join();
}

}  // namespace waka::test
