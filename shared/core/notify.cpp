#include "shared/core/notify.hpp"

#include <systemd/sd-daemon.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <cstdint>
#include <ctime>
#include <string>

namespace waka::notify {

void Ready(std::string_view status) {
    const std::string message = "READY=1\nSTATUS=" + std::string(status);
    sd_notify(0, message.c_str());
}

void Reloading() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    const auto usec = static_cast<std::uint64_t>(now.tv_sec) * 1'000'000U +
                      static_cast<std::uint64_t>(now.tv_nsec) / 1000U;
    const std::string message =
        "RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec) + "\nSTATUS=reloading";
    sd_notify(0, message.c_str());
}

void Stopping() { sd_notify(0, "STOPPING=1\nSTATUS=stopping"); }

std::optional<std::chrono::microseconds> WatchdogPeriod() {
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) {
        return std::nullopt;
    }
    return std::chrono::microseconds(usec / 2);
}

Watchdog::Watchdog(boost::asio::any_io_executor executor)
    : strand_(boost::asio::make_strand(std::move(executor))), timer_(strand_) {}

void Watchdog::Start() {
    boost::asio::post(strand_, [this] {
        auto period = WatchdogPeriod();
        if (!period || stopped_) {
            return;
        }
        period_ = *period;
        sd_notify(0, "WATCHDOG=1");
        Arm();
    });
}

void Watchdog::Stop() {
    boost::asio::post(strand_, [this] {
        stopped_ = true;
        timer_.cancel();
    });
}

void Watchdog::Arm() {
    timer_.expires_after(period_);
    timer_.async_wait(
        boost::asio::bind_executor(strand_, [this](const boost::system::error_code& ec) {
            if (ec || stopped_) {
                return;
            }
            sd_notify(0, "WATCHDOG=1");
            Arm();
        }));
}

}  // namespace waka::notify
