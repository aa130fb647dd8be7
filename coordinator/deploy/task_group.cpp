#include "coordinator/deploy/task_group.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/strand.hpp>
#include <exception>

#include "shared/core/log.hpp"

namespace waka::coordinator::deploy {

namespace asio = boost::asio;

TaskGroup::TaskGroup(asio::any_io_executor executor)
    : strand_(asio::make_strand(std::move(executor))) {}

bool TaskGroup::Spawn(std::function<asio::awaitable<void>()> task) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            return false;
        }
        ++running_;
    }
    asio::co_spawn(strand_, std::move(task), [this](const std::exception_ptr& error) {
        if (error) {
            try {
                std::rethrow_exception(error);
            } catch (const std::exception& e) {
                log::Error("background task failed error=\"{}\"", e.what());
            } catch (...) {
                log::Error("background task failed");
            }
        }
        std::lock_guard lock(mutex_);
        --running_;
    });
    return true;
}

void TaskGroup::Stop() {
    std::lock_guard lock(mutex_);
    stopping_ = true;
}

std::size_t TaskGroup::Running() const {
    std::lock_guard lock(mutex_);
    return running_;
}

}  // namespace waka::coordinator::deploy
