#include "agent/daemon/worker.hpp"

#include <exception>

#include "shared/core/log.hpp"

namespace waka::agent::daemon {

Worker::Worker() : thread_([this] { Loop(); }) {}

Worker::~Worker() { Stop(); }

void Worker::Post(std::function<void()> job) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            return;
        }
        jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
}

void Worker::Stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        jobs_.clear();
    }
    wake_.notify_one();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) {
        thread_.join();
    }
}

void Worker::Loop() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (stopping_) {
                return;
            }
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        try {
            job();
        } catch (const std::exception& e) {
            log::Error("worker job failed error={}", e.what());
        } catch (...) {
            log::Error("worker job failed");
        }
    }
}

}  // namespace waka::agent::daemon
