#include "coordinator/deploy/compute_pool.hpp"

#include <algorithm>
#include <string>

namespace waka::coordinator::deploy {

ComputePool::ComputePool(ComputePoolOptions options)
    : max_queued_(std::max<std::size_t>(options.max_queued, 1)),
      pool_(std::max<std::size_t>(options.threads, 1)) {}

ComputePool::~ComputePool() { pool_.join(); }

Error ComputePool::BusyError() const {
    return MakeError(Errc::kBusy, "resolver busy: " + std::to_string(max_queued_) +
                                      " resolutions are waiting for it (resolver.max_queued)");
}

}  // namespace waka::coordinator::deploy
