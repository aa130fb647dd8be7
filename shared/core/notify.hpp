#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <optional>
#include <string_view>

// The systemd service-manager protocol (sd_notify). Every call is a no-op when the process was not
// started by systemd with Type=notify (NOTIFY_SOCKET unset), so daemons call it unconditionally.
namespace waka::notify {

// READY=1 with a STATUS= line: start-up is complete (listeners serve, or the agent runs).
void Ready(std::string_view status);

// RELOADING=1 (with MONOTONIC_USEC): a reload (SIGHUP) has begun; Ready() says it has ended.
void Reloading();

// STOPPING=1: shutdown (drain) has begun.
void Stopping();

// The interval at which the watchdog must be fed: half of WATCHDOG_USEC, or nullopt when the
// service has no watchdog (or WATCHDOG_PID names another process).
[[nodiscard]] std::optional<std::chrono::microseconds> WatchdogPeriod();

// Feeds the systemd watchdog (WATCHDOG=1) from a timer on the daemon's own event loop, so a loop
// that stops turning stops feeding it and systemd restarts the service. Does nothing when the
// service has no watchdog. Start() and Stop() may be called from any thread; the object must
// outlive the run of its executor's io_context.
class Watchdog {
public:
    explicit Watchdog(boost::asio::any_io_executor executor);

    void Start();
    // Cancels the timer so the io_context can run out of work.
    void Stop();

private:
    void Arm();

    boost::asio::strand<boost::asio::any_io_executor> strand_;
    boost::asio::steady_timer timer_;
    std::chrono::microseconds period_{0};
    bool stopped_ = false;  // strand only
};

}  // namespace waka::notify
