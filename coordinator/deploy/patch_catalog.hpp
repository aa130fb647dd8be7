#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/ports/patch_repository.hpp"
#include "shared/core/error.hpp"

namespace waka::coordinator::deploy {

// The patch catalog is read whole at most this far; beyond it a report or a catch-up sees the
// newest kMaxPatches (the bound of its memory).
inline constexpr std::size_t kMaxPatches = 10000;

// Every patch (of that severity, when given), newest release first, read page by page: the one
// way enforcement, catch-up and the compliance reports walk the catalog.
boost::asio::awaitable<Expected<std::vector<domain::SecurityPatch>>> AllPatches(
    ports::PatchRepository& patches, std::optional<std::string> severity);

}  // namespace waka::coordinator::deploy
