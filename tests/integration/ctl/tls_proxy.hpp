#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <filesystem>
#include <thread>

// A TLS-terminating reverse proxy for tests: accepts TLS on 127.0.0.1 (port 0) with the given
// certificate and relays the bytes to a plain TCP port on 127.0.0.1 (the coordinator's HTTP API),
// the way an operator puts the API behind nginx or haproxy. Runs on its own thread until destroyed.
// A client that refuses the certificate just ends its connection; the proxy keeps serving.
namespace waka::test {

class TlsProxy {
public:
    TlsProxy(const std::filesystem::path& cert, const std::filesystem::path& key,
             unsigned short upstream_port);
    ~TlsProxy();
    TlsProxy(const TlsProxy&) = delete;
    TlsProxy& operator=(const TlsProxy&) = delete;

    unsigned short Port() const { return port_; }

private:
    boost::asio::ssl::context tls_;  // declared first: outlives the streams of pending connections
    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    unsigned short port_ = 0;
    unsigned short upstream_port_;
    std::thread thread_;
};

}  // namespace waka::test
