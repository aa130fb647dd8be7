#include "coordinator/app/capacity_config.hpp"

#include <cstdint>
#include <string>

#include "coordinator/domain/rollout_codec.hpp"

namespace waka::coordinator::app {
namespace {

Expected<void> InRange(const char* key, std::uint32_t value, std::uint32_t low,
                       std::uint32_t high) {
    if (value < low || value > high) {
        return MakeError(Errc::kInvalidArgument, std::string(key) + " must be between " +
                                                     std::to_string(low) + " and " +
                                                     std::to_string(high));
    }
    return {};
}

}  // namespace

void BindCapacityConfig(config::Schema& schema, CoordinatorConfig& c) {
    schema.Add("database.agent_pool_size", &c.database_agent_pool_size,
               "PostgreSQL connections of the agents' own pool (gateway sessions), apart from "
               "the API's (1..256).");
    schema.Add("database.agent_max_queued", &c.database_agent_max_queued,
               "Agent database calls waiting or running at once; more are refused at once "
               "(database.agent_pool_size..1000000).");
    schema.Add("resolver.threads", &c.resolver_threads,
               "Threads resolving versions, never the I/O threads (1..64).");
    schema.Add("resolver.max_queued", &c.resolver_max_queued,
               "Resolutions waiting or running at once; more answer 503 at once (1..100000).");
    schema.Add("resolver.max_steps", &c.resolver_max_steps,
               "Step budget of one resolution; past it the API answers 422 too_complex "
               "(100..100000000).");
    schema.Add("rollouts.batch_size", &c.rollouts_batch_size,
               "Rollout members started in one transaction; a larger phase starts in several "
               "batches (1..100000).");
    schema.Add("patches.rollout_strategy", &c.patches_rollout_strategy,
               "Strategy of a registered patch's enforcement rollout, in the API's strategy JSON; "
               "empty: no bake, 25% at once, pause past 10% failed.");
}

Expected<void> ValidateCapacityConfig(const CoordinatorConfig& c) {
    // An agent pool as small as one connection still serves heartbeats: each call is one short
    // statement. The bounds keep a typo from opening thousands of connections or threads.
    if (auto pool = InRange("database.agent_pool_size", c.database_agent_pool_size, 1, 256);
        !pool) {
        return pool;
    }
    if (c.database_agent_max_queued < c.database_agent_pool_size ||
        c.database_agent_max_queued > 1'000'000) {
        return MakeError(Errc::kInvalidArgument,
                         "database.agent_max_queued must be between database.agent_pool_size and "
                         "1000000");
    }
    if (auto threads = InRange("resolver.threads", c.resolver_threads, 1, 64); !threads) {
        return threads;
    }
    if (auto queued = InRange("resolver.max_queued", c.resolver_max_queued, 1, 100'000); !queued) {
        return queued;
    }
    if (auto steps = InRange("resolver.max_steps", c.resolver_max_steps, 100, 100'000'000);
        !steps) {
        return steps;
    }
    if (!c.patches_rollout_strategy.empty()) {
        if (auto strategy = domain::StrategyFromJson(c.patches_rollout_strategy); !strategy) {
            return MakeError(Errc::kInvalidArgument,
                             "patches.rollout_strategy: " + strategy.error().message);
        }
    }
    return InRange("rollouts.batch_size", c.rollouts_batch_size, 1, 100'000);
}

deploy::PatchOptions PatchOptionsOf(const CoordinatorConfig& c) {
    deploy::PatchOptions options;
    if (auto strategy = domain::StrategyFromJson(c.patches_rollout_strategy);
        !c.patches_rollout_strategy.empty() && strategy) {
        options.enforcement = std::move(*strategy);
    }
    return options;
}

db::DatabaseOptions AgentDatabaseOptionsOf(const CoordinatorConfig& c) {
    return {.url = c.database_url,
            .password_file = c.database_password_file,
            .pool_size = c.database_agent_pool_size,
            .statement_timeout_ms = c.database_statement_timeout_ms,
            .max_queued = c.database_agent_max_queued,
            .max_queued_setting = "database.agent_max_queued"};
}

deploy::ResolutionOptions ResolutionOptionsOf(const CoordinatorConfig& c) {
    return {.pool = {.threads = c.resolver_threads, .max_queued = c.resolver_max_queued},
            .max_steps = c.resolver_max_steps};
}

}  // namespace waka::coordinator::app
