#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "coordinator/http/message.hpp"
#include "shared/core/error.hpp"

namespace waka::coordinator::http {

struct ServerOptions {
    std::string address = "127.0.0.1";
    std::uint16_t port = 8000;  // 0: pick a free port (tests)
    std::uint64_t max_body_bytes = 1 << 20;              // in-memory bodies; larger -> 413
    std::uint64_t max_upload_bytes = 4ULL << 30;         // spooled bodies; larger -> 413
    std::filesystem::path spool_dir;                     // where spooled bodies are written
    unsigned request_timeout_seconds = 60;               // header + body read deadline
    unsigned idle_timeout_seconds = 75;                  // keep-alive connection without a request
    std::size_t max_connections = 10000;
    // Decides from method and path whether a body is streamed to a file in spool_dir (uploads).
    std::function<bool(std::string_view method, std::string_view path)> spool_body;
};

// Handlers run on the connection's strand. They must not block: database work is awaited.
using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

// Beast HTTP/1.1 server with keep-alive, deadlines and body limits. The server itself answers
// malformed HTTP (400), oversize bodies (413) and handler exceptions (500) with JSON
// {"detail","code"}; everything else goes to the handler. Every response carries X-Request-Id.
// Spooled files are removed after the handler returns unless the handler moved them away.
class Server {
public:
    Server(boost::asio::io_context& io, ServerOptions options, Handler handler);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds and starts accepting; answers the bound port.
    [[nodiscard]] Expected<std::uint16_t> Start();
    // Stops accepting; open connections finish their current request and close. Thread-safe.
    void Stop();

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace waka::coordinator::http
