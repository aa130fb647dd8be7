#pragma once

#include <boost/json/object.hpp>
#include <string_view>

#include "coordinator/api/problem.hpp"
#include "coordinator/deploy/patch_service.hpp"
#include "coordinator/deploy/rollout_service.hpp"
#include "coordinator/ports/rollout_repository.hpp"

// Internal to waka_coord_api: the JSON of rollouts (docs/rollouts.md "API") and the parsing of
// POST /api/v1/rollouts, shared by rollouts.cpp and the patch rollout route.
namespace waka::coordinator::api {

// {"manifest_id", "selector", "instance_ids", "strategy", "reason"}: 422 naming the field for
// anything wrong; a selector that does not parse is a 422 on "selector".
[[nodiscard]] ApiExpected<deploy::CreateRolloutRequest> ParseRolloutRequest(std::string_view body);
// POST /api/v1/security/patches/{id}/rollout: {"selector", "instance_ids", "strategy", "reason"},
// all optional (no selector and no ids: the whole fleet; no strategy: patches.rollout_strategy);
// a manifest_id is refused (422).
[[nodiscard]] ApiExpected<deploy::PatchRolloutRequest> ParsePatchRolloutRequest(
    std::string_view body, std::string patch_id);
// A domain refusal whose message starts with "<field>: " (the strategy codec, the selector, the
// repository's checks) as a 422 on that field; anything else as FromError does.
[[nodiscard]] ApiError RolloutError(const Error& error);

// With per-phase counts and totals; events and members when the rollout carries them.
[[nodiscard]] boost::json::object RolloutJson(const ports::Rollout& rollout);

}  // namespace waka::coordinator::api
