#pragma once

#include <cstdint>

#include "agent/model/operation.hpp"
#include "shared/core/error.hpp"

namespace waka::agent::daemon {

// Checks an instruction from the coordinator before anything of it reaches the disk: a valid op_id,
// kind deploy|patch|rollback, and per component a type platform|suite|capability, a name and
// versions usable as one path segment (no "..", "/", "current"), a SHA-256 hex digest, a size
// within max_bundle_bytes and a download path under /agent/v1/artifacts/ when a version is
// installed, no component twice. Errc::kInvalidArgument naming the offending field otherwise.
[[nodiscard]] Expected<void> ValidateInstruction(const model::Operation& op,
                                                 std::uint64_t max_bundle_bytes);

}  // namespace waka::agent::daemon
