#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <string>

namespace waka::coordinator::gateway {

// The one deadline of a WebSocket session (no hello, idle agent, closing handshake), with the
// reason to close for; the connection's watchdog waits on it. Strand-only, free of Beast.
// Header-only: only connection.cpp uses it, and a translation unit of its own would cost more
// compile time than its code.
class SessionDeadline {
public:
    explicit SessionDeadline(const boost::asio::any_io_executor& executor) : timer_(executor) {}

    // The deadline becomes now + seconds. A sooner one wakes the waiter to re-arm; a later one is
    // picked up when the current wait expires.
    void Set(unsigned seconds, std::string reason) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
        const bool earlier = deadline < deadline_;
        deadline_ = deadline;
        reason_ = std::move(reason);
        if (earlier) {
            timer_.cancel();
        }
    }
    // Waits for the deadline (or Cancel()); answers whether it has passed.
    [[nodiscard]] boost::asio::awaitable<bool> AsyncWait() {
        timer_.expires_at(deadline_);
        co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
        co_return std::chrono::steady_clock::now() >= deadline_;
    }
    void Cancel() { timer_.cancel(); }
    [[nodiscard]] const std::string& reason() const { return reason_; }

private:
    boost::asio::steady_timer timer_;
    std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
    std::string reason_;
};

}  // namespace waka::coordinator::gateway
