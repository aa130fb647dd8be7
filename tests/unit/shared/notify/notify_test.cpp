#include "shared/core/notify.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

namespace waka::notify {
namespace {

// Plays systemd's side of the protocol: a datagram socket named by NOTIFY_SOCKET.
class NotifySocketTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("waka-notify-test-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
        path_ = (dir_ / "notify").string();
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ASSERT_GE(fd_, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        ASSERT_LT(path_.size(), sizeof(address.sun_path));
        std::strncpy(address.sun_path, path_.c_str(), sizeof(address.sun_path) - 1);
        ASSERT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
        ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
    }

    void TearDown() override {
        ::unsetenv("NOTIFY_SOCKET");
        ::unsetenv("WATCHDOG_USEC");
        ::unsetenv("WATCHDOG_PID");
        ::close(fd_);
        std::filesystem::remove_all(dir_);
    }

    // The next datagram, or "" after a 5 s deadline.
    std::string Receive() {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 5000) != 1) {
            return "";
        }
        char buffer[512];
        const auto n = ::recv(fd_, buffer, sizeof(buffer), 0);
        return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : "";
    }

    std::filesystem::path dir_;
    std::string path_;
    int fd_ = -1;
};

TEST_F(NotifySocketTest, ReadyAndStoppingReachTheServiceManager) {
    Ready("serving");
    EXPECT_EQ(Receive(), "READY=1\nSTATUS=serving");
    Stopping();
    EXPECT_EQ(Receive(), "STOPPING=1\nSTATUS=stopping");
}

TEST_F(NotifySocketTest, NoWatchdogWithoutWatchdogUsec) {
    EXPECT_FALSE(WatchdogPeriod().has_value());
}

TEST_F(NotifySocketTest, WatchdogPeriodIsHalfTheTimeout) {
    ::setenv("WATCHDOG_USEC", "30000000", 1);
    ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
    ASSERT_TRUE(WatchdogPeriod().has_value());
    EXPECT_EQ(WatchdogPeriod()->count(), 15'000'000);
    ::setenv("WATCHDOG_PID", "1", 1);  // another process's watchdog is not ours to feed
    EXPECT_FALSE(WatchdogPeriod().has_value());
}

TEST_F(NotifySocketTest, WatchdogIsFedFromTheLoopUntilStopped) {
    ::setenv("WATCHDOG_USEC", "20000", 1);  // fed every 10 ms
    ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
    boost::asio::io_context io;
    Watchdog watchdog(io.get_executor());
    watchdog.Start();
    std::thread loop([&io] { io.run(); });
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(Receive(), "WATCHDOG=1");
    }
    watchdog.Stop();
    loop.join();  // returns only because Stop() cancelled the timer: nothing else keeps io busy
}

}  // namespace
}  // namespace waka::notify
