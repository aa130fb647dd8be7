#pragma once

#include <string>
#include <string_view>

#include "coordinator/domain/rollout.hpp"
#include "shared/core/error.hpp"

// The JSON form of a rollout strategy, one codec for the API's bodies and answers and for the
// stored column (docs/rollouts.md "Strategy"):
//   {"phases": [{"name": "canary", "count": 1, "bake_minutes": 10}, {"name": "all", "percent":
//   100}],
//    "max_concurrency": "25%", "max_failures": 0, "on_failure": "revert", "unreachable_minutes":
//    15}
// Amounts are a whole number (a count) or a string ("25%", "3"). Every field but phases is
// optional.
namespace waka::coordinator::domain {

[[nodiscard]] std::string StrategyToJson(const RolloutStrategy& strategy);
// Errors: kInvalidArgument whose message starts with the field ("strategy.phases[0].percent: ..."),
// for malformed JSON, unknown fields, wrong types and everything ValidateStrategy refuses.
[[nodiscard]] Expected<RolloutStrategy> StrategyFromJson(std::string_view json);

}  // namespace waka::coordinator::domain
