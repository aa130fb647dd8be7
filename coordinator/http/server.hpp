#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "coordinator/http/message.hpp"
#include "shared/core/error.hpp"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace waka::net {
class PeerGate;
}  // namespace waka::net

namespace waka::coordinator::http {

struct ServerOptions {
    std::string address = "127.0.0.1";
    std::uint16_t port = 8000;                    // 0: pick a free port (tests)
    std::uint64_t max_body_bytes = 1 << 20;       // in-memory bodies; larger -> 413
    std::uint64_t max_upload_bytes = 4ULL << 30;  // spooled bodies; larger -> 413
    std::filesystem::path spool_dir;              // where spooled bodies are written
    unsigned request_timeout_seconds = 60;        // header + body read deadline
    unsigned idle_timeout_seconds = 75;           // keep-alive connection without a request
    std::size_t max_connections = 10000;
    // Spooled bodies read or handled at once; the one beyond gets 503 with Retry-After before its
    // body is read (0: no cap).
    std::size_t max_concurrent_uploads = 4;
    // A spooled body must arrive within this many seconds (0: no overall deadline) and, once
    // upload_rate_grace_seconds have passed, at an average of at least upload_min_bytes_per_second
    // (0: no minimum); otherwise the connection is closed and the spool file removed.
    unsigned upload_timeout_seconds = 3600;
    std::uint64_t upload_min_bytes_per_second = 16 * 1024;
    unsigned upload_rate_grace_seconds = 10;
    // Decides from method and path whether a body is streamed to a file in spool_dir (uploads).
    std::function<bool(std::string_view method, std::string_view path)> spool_body;
    // Optional, for requests that carry a body: called once the header is read, before the body
    // is read and before "100 Continue" is sent, with everything but the body. A Response is sent
    // as the answer and the connection closed, so uploads are refused (401, 403, 404) before
    // their bytes arrive; nullopt lets the request go on. Runs like a Handler (strand, no block).
    std::function<boost::asio::awaitable<std::optional<Response>>(const Request&)> before_body;
    // Optional: HTTPS. Called for each accepted connection for the identity to serve it with
    // (a reloadable one, net::ReloadableTlsServer::Current); when unset the server speaks plain
    // HTTP. Must be thread-safe and answer non-null.
    std::function<std::shared_ptr<boost::asio::ssl::context>()> tls;
    // Optional: who may connect (http.allowed_networks, http.max_connections_per_address). A peer
    // it refuses is closed right after accept, before TLS and before any byte is read; an
    // admitted connection holds its address's place until it has closed.
    std::shared_ptr<net::PeerGate> peer_gate;
};

// Handlers run on the connection's strand. They must not block: database work is awaited.
// The same Handler is called concurrently from several connections (threads), so whatever it
// shares must be thread-safe. The Request stays valid until the handler's awaitable completes.
using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

// Beast HTTP/1.1 server with keep-alive, deadlines and body limits. The server itself answers
// malformed HTTP (400), oversize headers (431), oversize bodies (413), connections beyond
// max_connections (503) and handler exceptions (500) with JSON {"detail","code"}, then closes the
// connection (except after a 500); everything else goes to the handler. Every response carries
// X-Request-Id (the client's when it is 1-128 characters of [A-Za-z0-9._-], else "req-<uuid>").
// Spooled bodies: a fresh file in spool_dir (created by Start(), default: the temp directory) with
// Request::body_file/body_size/body_sha256 set, even for an empty body; it is removed after the
// handler returns unless the handler renamed it (keep spool_dir on the destination's file system).
// Response::file: the server sends exactly [offset, offset + length) of that file; the handler
// owns Range/206/Content-Range. Content-Length, Connection and X-Request-Id in Response::headers
// are ignored (the server sets them). HEAD gets the headers of the corresponding GET answer.
// Deadlines: idle_timeout_seconds before the first byte of each request; request_timeout_seconds
// for the header and in-memory body, and for each step of progress of spooled bodies and writes;
// spooled bodies also have the overall deadline and minimum rate above.
class Server {
public:
    Server(boost::asio::io_context& io, ServerOptions options, Handler handler);
    // Calls Stop() and does not wait: connections still running keep the internals (and the
    // Handler) alive until they end, so let the io_context run out of work or stop and join its
    // threads before destroying what the Handler uses.
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds and starts accepting; answers the bound port.
    [[nodiscard]] Expected<std::uint16_t> Start();
    // Stops accepting; open connections finish their current request and close, idle keep-alive
    // connections close at once. Thread-safe and idempotent. Once every connection has ended the
    // server holds no work on the io_context, so io_context::run() returns.
    void Stop();

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace waka::coordinator::http
