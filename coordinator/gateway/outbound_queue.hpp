#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

#include "coordinator/gateway/wire.hpp"

namespace waka::coordinator::gateway {

// The bounded queue between a session and its one WebSocket writer, which sleeps until Wake().
// Numbers the Envelopes it hands out (seq 1, 2, ...). Strand-only, free of Beast. Header-only
// like session_deadline.hpp: connection.cpp is its only user.
class OutboundQueue {
public:
    OutboundQueue(const boost::asio::any_io_executor& executor, std::size_t limit)
        : wake_timer_(executor), limit_(limit) {}

    // Queues the message and wakes the writer; false (nothing queued) when the queue is full.
    [[nodiscard]] bool Push(OutboundMessage message) {
        if (queue_.size() >= limit_) {
            return false;
        }
        queue_.push_back(std::move(message));
        Wake();
        return true;
    }
    [[nodiscard]] bool Empty() const { return queue_.empty(); }
    // Removes the oldest message and answers its encoded Envelope. Not when Empty().
    [[nodiscard]] std::string PopEncoded() {
        std::string bytes = EncodeOutbound(queue_.front(), ++next_seq_);
        queue_.pop_front();
        return bytes;
    }
    void Clear() { queue_.clear(); }
    [[nodiscard]] std::size_t limit() const { return limit_; }

    // The writer sleeps here until Wake() (a message, a close request, the end of the session).
    [[nodiscard]] boost::asio::awaitable<void> AsyncSleep() {
        wake_timer_.expires_at(std::chrono::steady_clock::time_point::max());
        co_await wake_timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
    void Wake() { wake_timer_.cancel(); }

private:
    std::deque<OutboundMessage> queue_;
    std::uint64_t next_seq_ = 0;
    boost::asio::steady_timer wake_timer_;
    std::size_t limit_;
};

}  // namespace waka::coordinator::gateway
