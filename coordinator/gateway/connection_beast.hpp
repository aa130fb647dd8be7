#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cstdint>
#include <string_view>

#include "coordinator/gateway/close_reason.hpp"
#include "coordinator/gateway/tls_socket.hpp"

// The Beast stream types and fixed limits of a gateway connection. Included by connection.cpp
// only, the one translation unit of the gateway that instantiates Beast (scripts/check-includes).
namespace waka::coordinator::gateway {

// The WebSocket's closing of its TLS stream (found by Beast through argument-dependent lookup):
// one try at close_notify, then the TCP teardown.
inline void teardown(boost::beast::role_type role, TlsSocket& stream,
                     boost::beast::error_code& ec) {
    stream.ShutdownNow();
    using boost::beast::websocket::teardown;
    teardown(role, stream.next_layer(), ec);
}

template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, TlsSocket& stream, TeardownHandler&& handler) {
    stream.ShutdownNow();
    using boost::beast::websocket::async_teardown;
    async_teardown(role, stream.next_layer(), std::forward<TeardownHandler>(handler));
}

}  // namespace waka::coordinator::gateway

namespace waka::coordinator::gateway::beast_types {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using TlsStream = TlsSocket;
using WsStream = websocket::stream<TlsStream>;
using Request = bhttp::request<bhttp::string_body>;

inline constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
inline constexpr std::string_view kServerName = "waka-coordinator";
// Agents only send GET/HEAD and the upgrade request: nothing needs a body or big headers.
inline constexpr std::uint64_t kMaxRequestBodyBytes = 8 * 1024;
inline constexpr std::uint32_t kMaxRequestHeaderBytes = 16 * 1024;

// Closes the socket under a stream; the operations under way end with an error.
template <class Stream>
void DropSocket(Stream& stream) {
    boost::system::error_code ignored;
    beast::get_lowest_layer(stream).close(ignored);
}

inline websocket::close_reason MakeCloseReason(CloseCode code, std::string_view reason) {
    websocket::close_reason cr(static_cast<websocket::close_code>(code));
    cr.reason = ClampCloseReason(reason);
    return cr;
}

}  // namespace waka::coordinator::gateway::beast_types
