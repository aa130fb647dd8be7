#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <optional>
#include <string>

namespace waka::coordinator::http {

// The remote end of a socket for logs: "127.0.0.1:5123", "[::1]:5123", or "unknown" when the
// socket has none (already reset). Used by both listeners (inline: both are Beast translation units
// that include Asio's sockets anyway).
[[nodiscard]] inline std::string FormatPeer(const boost::asio::ip::tcp::socket& socket) {
    boost::system::error_code ec;
    const boost::asio::ip::tcp::endpoint peer = socket.remote_endpoint(ec);
    if (ec) {
        return "unknown";
    }
    const std::string address = peer.address().to_string();
    const std::string port = std::to_string(peer.port());
    return peer.address().is_v6() ? "[" + address + "]:" + port : address + ":" + port;
}

// The remote address of a socket, or nullopt when it has none (already reset).
[[nodiscard]] inline std::optional<boost::asio::ip::address> PeerAddress(
    const boost::asio::ip::tcp::socket& socket) {
    boost::system::error_code ec;
    const boost::asio::ip::tcp::endpoint peer = socket.remote_endpoint(ec);
    if (ec) {
        return std::nullopt;
    }
    return peer.address();
}

}  // namespace waka::coordinator::http
