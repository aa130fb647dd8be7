#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace waka::agent::daemon {

// One thread for blocking work (the installer), sleeping on a condition variable when idle so the
// agent costs nothing between operations. Jobs run in order; a job must not throw (escaping
// exceptions are caught and logged).
class Worker {
public:
    Worker();
    ~Worker();  // Stop()
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // Thread-safe. Ignored after Stop().
    void Post(std::function<void()> job);
    // Lets the running job finish, drops the queued ones and joins. Idempotent; never call it from
    // a job.
    void Stop();

private:
    void Loop();

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> jobs_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace waka::agent::daemon
