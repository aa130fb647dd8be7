#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cstdint>
#include <string_view>

#include "coordinator/gateway/close_reason.hpp"

// The Beast stream types and fixed limits of a gateway connection. Included by connection.cpp
// only, the one translation unit of the gateway that instantiates Beast (scripts/check-includes).
namespace waka::coordinator::gateway::beast_types {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using WsStream = websocket::stream<TlsStream>;
using Request = bhttp::request<bhttp::string_body>;

inline constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
inline constexpr std::string_view kServerName = "waka-coordinator";
// Agents only send GET/HEAD and the upgrade request: nothing needs a body or big headers.
inline constexpr std::uint64_t kMaxRequestBodyBytes = 8 * 1024;
inline constexpr std::uint32_t kMaxRequestHeaderBytes = 16 * 1024;

inline websocket::close_reason MakeCloseReason(CloseCode code, std::string_view reason) {
    websocket::close_reason cr(static_cast<websocket::close_code>(code));
    cr.reason = ClampCloseReason(reason);
    return cr;
}

}  // namespace waka::coordinator::gateway::beast_types
