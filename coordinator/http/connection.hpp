#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <memory>

#include "coordinator/http/server.hpp"
#include "coordinator/http/upload_limits.hpp"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

// Internal to the HTTP server: the boundary between accepting (server.cpp) and serving a
// connection (connection.cpp, the only place that instantiates Beast).
namespace waka::coordinator::http {

// What a connection needs from the server that accepted it. Thread-safe.
class ConnectionOwner {
public:
    virtual ~ConnectionOwner() = default;
    [[nodiscard]] virtual const ServerOptions& Options() const = 0;
    [[nodiscard]] virtual const Handler& RequestHandler() const = 0;
    // True once Stop() was called: finish the current request, then close.
    [[nodiscard]] virtual bool Stopping() const = 0;
    // The server's count of spooled uploads in progress (max_concurrent_uploads).
    [[nodiscard]] virtual UploadSlots& Uploads() = 0;
    // Called once by every connection when it has closed, with its id and refuse flag.
    virtual void ConnectionClosed(std::uint64_t id, bool refused) = 0;
};

class Connection {
public:
    virtual ~Connection() = default;
    // Starts serving on the connection's strand; call once, after registering the connection.
    virtual void Start() = 0;
    // Thread-safe: closes the connection at once if it is idle, else after the current response.
    virtual void RequestStop() = 0;
};

// Wraps an accepted socket, whose executor must be a strand, in an HTTP/1.1 connection that serves
// until it closes. tls: the identity to serve TLS with (the connection starts with the handshake),
// or null for plain HTTP; the connection does not keep it (OpenSSL's handle holds its own
// reference). refuse: answer the first request with 503 and close (over max_connections).
[[nodiscard]] std::shared_ptr<Connection> MakeConnection(std::shared_ptr<ConnectionOwner> owner,
                                                         boost::asio::ip::tcp::socket socket,
                                                         boost::asio::ssl::context* tls,
                                                         std::uint64_t id, bool refuse);

}  // namespace waka::coordinator::http
