#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <deque>
#include <string>

// The state of one connection attempt of agent/link/link.cpp, kept apart so that the link's own
// file stays about its steps. Only link.cpp includes it (Beast instantiations stay there).
namespace waka::agent::link::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using WsStream = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;
using SteadyClock = std::chrono::steady_clock;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

// One connection attempt and, after a Welcome, one session. Shared by the coroutines working on
// it so that none outlives the objects it uses.
struct Session {
    Session(asio::io_context& io, ssl::context& tls)
        : ws(io, tls), resolver(io), wake(io), heartbeat(io), watchdog(io) {
        watchdog.expires_at(SteadyClock::time_point::max());
    }

    WsStream ws;
    tcp::resolver resolver;
    asio::steady_timer wake;  // wakes the writer
    asio::steady_timer heartbeat;
    asio::steady_timer watchdog;  // deadline of the current pre-Welcome step
    std::deque<std::string> outbound;
    const char* step = "resolve";
    bool open = true;
    bool established = false;
    bool closing = false;  // a close frame is due or sent: no new messages, inbound ignored
    bool timed_out = false;
    websocket::close_reason close_reason;
};

inline void CloseSocket(Session& s) {
    s.resolver.cancel();
    beast::get_lowest_layer(s.ws).close();
}

inline void TearDown(Session& s) {
    s.open = false;
    s.wake.cancel();
    s.heartbeat.cancel();
    s.watchdog.cancel();
    CloseSocket(s);
}

inline void Arm(Session& s, const char* step, std::chrono::milliseconds timeout) {
    s.step = step;
    s.watchdog.expires_after(timeout);
}

inline void Disarm(Session& s) { s.watchdog.expires_at(SteadyClock::time_point::max()); }

}  // namespace waka::agent::link::detail
