#pragma once

#include <cstdint>
#include <string_view>

#include "agent/model/operation.hpp"
#include "shared/core/error.hpp"

// Checks of what the network sends before any of it becomes a path on disk.
namespace waka::agent::install {

// 1-128 characters of [A-Za-z0-9._+-] starting with a letter or digit, and not "current": usable
// as one path segment (component names, versions including SemVer build metadata).
[[nodiscard]] bool IsSafeSegment(std::string_view text);

// Every component: type platform|suite|capability, safe name and versions, a SHA-256 hex digest
// and a size within max_bundle_bytes when a version is installed, no component twice.
// kInvalidArgument naming the offending component otherwise.
[[nodiscard]] Expected<void> ValidateOperation(const model::Operation& op,
                                               std::uint64_t max_bundle_bytes);

}  // namespace waka::agent::install
