#include "coordinator/app/capacity_config.hpp"

#include <gtest/gtest.h>

// Each setting of the agents' pool and the resolver is refused outside its documented bounds,
// with a sentence naming it (docs/configuration.md, ADR 0033).
namespace waka::coordinator::app {
namespace {

std::string Refusal(const CoordinatorConfig& config) {
    auto checked = ValidateCapacityConfig(config);
    return checked ? std::string() : checked.error().message;
}

TEST(CapacityConfig, DefaultsAreValid) { EXPECT_EQ(Refusal(CoordinatorConfig{}), ""); }

TEST(CapacityConfig, EachSettingOutsideItsBoundsIsRefusedByName) {
    struct Case {
        const char* key;
        void (*change)(CoordinatorConfig&);
    };
    const Case cases[] = {
        {"database.agent_pool_size", [](CoordinatorConfig& c) { c.database_agent_pool_size = 0; }},
        {"database.agent_pool_size",
         [](CoordinatorConfig& c) { c.database_agent_pool_size = 257; }},
        {"database.agent_max_queued",
         [](CoordinatorConfig& c) {
             c.database_agent_max_queued = c.database_agent_pool_size - 1;
         }},
        {"database.agent_max_queued",
         [](CoordinatorConfig& c) { c.database_agent_max_queued = 1'000'001; }},
        {"resolver.threads", [](CoordinatorConfig& c) { c.resolver_threads = 0; }},
        {"resolver.threads", [](CoordinatorConfig& c) { c.resolver_threads = 65; }},
        {"resolver.max_queued", [](CoordinatorConfig& c) { c.resolver_max_queued = 0; }},
        {"resolver.max_steps", [](CoordinatorConfig& c) { c.resolver_max_steps = 99; }},
        {"resolver.max_steps", [](CoordinatorConfig& c) { c.resolver_max_steps = 100'000'001; }},
        {"rollouts.batch_size", [](CoordinatorConfig& c) { c.rollouts_batch_size = 0; }},
        {"rollouts.batch_size", [](CoordinatorConfig& c) { c.rollouts_batch_size = 100'001; }},
    };
    for (const auto& c : cases) {
        CoordinatorConfig config;
        c.change(config);
        EXPECT_NE(Refusal(config).find(c.key), std::string::npos) << c.key;
    }
}

TEST(CapacityConfig, TheAgentPoolKeepsTheDatabaseAndNamesItsOwnQueue) {
    CoordinatorConfig config;
    config.database_url = "postgresql://waka@db/waka";
    config.database_agent_pool_size = 3;
    const auto options = AgentDatabaseOptionsOf(config);
    EXPECT_EQ(options.url, config.database_url);
    EXPECT_EQ(options.pool_size, 3u);
    EXPECT_EQ(options.statement_timeout_ms, config.database_statement_timeout_ms);
    EXPECT_EQ(options.max_queued_setting, "database.agent_max_queued");
}

}  // namespace
}  // namespace waka::coordinator::app
