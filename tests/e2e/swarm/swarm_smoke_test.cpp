// The load tool's smoke run (issue 15 "Rules": CI builds waka-swarm and runs it once at a small N,
// failing on errors, not on times): 200 simulated agents enrol with their one-time tokens over
// real TLS from four source addresses, take a rollout of one phase, survive a reconnect storm, and
// stop with their credentials written back. The figures are tests/bench/swarm/run.sh's.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <sstream>

#include "tests/e2e/deploy/e2e_fixture.hpp"
#include "tests/support/process/wait_for.inl"

namespace waka::test {
namespace {

constexpr int kAgents = 200;
constexpr auto kWait = std::chrono::seconds(120);

// The swarm's JSON lines (its log also holds the links' warnings, which are not JSON).
std::vector<boost::json::object> Events(const std::string& log, std::string_view name) {
    std::vector<boost::json::object> events;
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);) {
        boost::system::error_code ec;
        auto value = boost::json::parse(line, ec);
        const auto* event =
            ec || !value.is_object() ? nullptr : value.as_object().if_contains("event");
        if (event != nullptr && event->is_string() && event->as_string() == name) {
            events.push_back(value.as_object());
        }
    }
    return events;
}

std::int64_t Number(const boost::json::object& event, std::string_view key) {
    return event.at(key).to_number<std::int64_t>();
}

std::map<std::string, std::string> ReadSecrets(const std::filesystem::path& file) {
    std::map<std::string, std::string> secrets;
    std::ifstream in(file);
    for (std::string id, secret; in >> id >> secret;) {
        secrets[id] = secret;
    }
    return secrets;
}

TEST(SwarmSmokeTest, TwoHundredAgentsEnrolTakeARolloutAndComeBackAfterAStorm) {
    E2eWorld world({"--gateway-require-client-certificate=false"});
    world.Publish("platform", "webwaka-platform", "2.0.0", {{"app/VERSION", {"2.0.0\n", 0644}}});
    world.CreateManifest("manifest-001", "2.0.0", {}, {});
    const auto token_file = world.Dir() / "admin.token";
    {
        std::ofstream out(token_file);
        out << world.AdminToken() << '\n';
    }
    std::filesystem::permissions(
        token_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    const auto credentials = world.Dir() / "swarm.credentials";
    Process provision(WAKA_SWARM_BIN,
                      {"provision", "--api", "http://127.0.0.1:" + std::to_string(world.HttpPort()),
                       "--token-file", token_file.string(), "--count", std::to_string(kAgents),
                       "--out", credentials.string()},
                      {}, world.Dir() / "provision.log");
    ASSERT_EQ(provision.Wait(kWait), 0) << provision.Log();
    const auto enrollment = ReadSecrets(credentials);
    ASSERT_EQ(enrollment.size(), static_cast<std::size_t>(kAgents));

    Process swarm(WAKA_SWARM_BIN,
                  {"run", "--url", world.GatewayUrl(), "--ca-file", world.GatewayCaFile().string(),
                   "--credentials", credentials.string(), "--sources", "4", "--connect-jitter-ms",
                   "500", "--storm-jitter-ms", "500", "--latency-ms", "10", "--max-seconds", "300"},
                  {}, world.Dir() / "swarm.log");
    ASSERT_TRUE(WaitFor([&] { return !Events(swarm.Log(), "connected").empty(); }, kWait))
        << swarm.Log();
    EXPECT_EQ(Number(Events(swarm.Log(), "connected").at(0), "enrolled"), kAgents);
    const std::string connected =
        "SELECT count(*) FROM instances WHERE connection_state = 'connected' AND id LIKE 'swarm-%'";
    // The swarm counts Welcomes; the gateway records presence just after sending one.
    ASSERT_TRUE(WaitFor([&] { return world.SqlText(connected) == std::to_string(kAgents); }, kWait))
        << world.SqlText(connected);

    auto created = world.Api().Post("/api/v1/rollouts",
                                    R"({"manifest_id":"manifest-001","selector":"env=swarm",
        "strategy":{"phases":[{"name":"all","percent":100}]}})");
    ASSERT_EQ(created.status, 201u) << created.body;
    const std::string rollout(boost::json::parse(created.body).at("id").as_string());
    ASSERT_TRUE(WaitFor(
        [&] {
            auto body = world.GetJson("/api/v1/rollouts/" + rollout + "?member_limit=0");
            return body.at("state") == "succeeded";
        },
        kWait))
        << world.GetJson("/api/v1/rollouts/" + rollout + "?member_limit=0");
    EXPECT_EQ(world.SqlText("SELECT count(*) FROM deployments WHERE rollout_id = '" + rollout +
                            "' AND status = 'deployed'"),
              std::to_string(kAgents));

    swarm.Signal(SIGUSR1);
    ASSERT_TRUE(WaitFor([&] { return !Events(swarm.Log(), "storm").empty(); }, kWait))
        << swarm.Log();
    EXPECT_TRUE(
        WaitFor([&] { return world.SqlText(connected) == std::to_string(kAgents); }, kWait));

    EXPECT_EQ(swarm.Stop(), 0) << swarm.Log();
    const auto stopped = Events(swarm.Log(), "stopped");
    ASSERT_EQ(stopped.size(), 1u) << swarm.Log();
    EXPECT_EQ(Number(stopped[0], "results_succeeded"), kAgents);
    EXPECT_EQ(Number(stopped[0], "results_failed"), 0);
    EXPECT_EQ(Number(stopped[0], "sends_refused"), 0);
    EXPECT_EQ(Number(stopped[0], "storms"), 1);
    // Written back: every agent now holds its credential, no longer the spent enrollment token.
    const auto after = ReadSecrets(credentials);
    ASSERT_EQ(after.size(), enrollment.size());
    for (const auto& [id, secret] : after) {
        EXPECT_NE(secret, enrollment.at(id)) << id;
    }
}

}  // namespace
}  // namespace waka::test
