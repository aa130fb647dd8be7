#include "coordinator/deploy/patch_catalog.hpp"

#include <algorithm>

namespace waka::coordinator::deploy {
namespace {

constexpr std::size_t kPageSize = 1000;

}  // namespace

boost::asio::awaitable<Expected<std::vector<domain::SecurityPatch>>> AllPatches(
    ports::PatchRepository& patches, std::optional<std::string> severity) {
    std::vector<domain::SecurityPatch> all;
    ports::PatchFilter filter;
    filter.severity = std::move(severity);
    filter.limit = kPageSize;
    while (all.size() < kMaxPatches) {
        ports::PatchFilter page = filter;
        page.limit = std::min(kPageSize, kMaxPatches - all.size());
        auto batch = co_await patches.List(std::move(page));
        if (!batch) {
            co_return batch.error();
        }
        all.insert(all.end(), batch->begin(), batch->end());
        if (batch->size() < filter.limit) {
            break;
        }
        filter.cursor = batch->back().id;
    }
    co_return all;
}

}  // namespace waka::coordinator::deploy
