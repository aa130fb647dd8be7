#pragma once

#include "coordinator/app/config.hpp"
#include "coordinator/db/database.hpp"
#include "coordinator/deploy/patch_service.hpp"
#include "coordinator/deploy/resolution_service.hpp"

// The settings of the agents' database pool and the resolver's worker pool (ADR 0033), kept
// apart from config.cpp: database.agent_pool_size, database.agent_max_queued, resolver.threads,
// resolver.max_queued, resolver.max_steps; and the rollouts' (rollouts.batch_size,
// patches.rollout_strategy).
namespace waka::coordinator::app {

void BindCapacityConfig(config::Schema& schema, CoordinatorConfig& config);

// Each setting within its documented bounds (docs/configuration.md); one sentence naming it.
[[nodiscard]] Expected<void> ValidateCapacityConfig(const CoordinatorConfig& config);

// The agents' pool: the API pool's database and statement timeout, its own size and queue.
[[nodiscard]] db::DatabaseOptions AgentDatabaseOptionsOf(const CoordinatorConfig& config);
[[nodiscard]] deploy::ResolutionOptions ResolutionOptionsOf(const CoordinatorConfig& config);
// patches.rollout_strategy parsed (validated by ValidateCapacityConfig first).
[[nodiscard]] deploy::PatchOptions PatchOptionsOf(const CoordinatorConfig& config);

}  // namespace waka::coordinator::app
