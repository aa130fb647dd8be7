#include <date/date.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include "tests/e2e/deploy/e2e_fixture.hpp"

// Issue 3 "Done when", end to end: a manual-approval deployment waits for a second user, a
// self-approval is refused, a frozen instance refuses, an auto-update reaches its instance only
// inside the window, and a restart while it waits in scheduled loses and duplicates nothing.
namespace waka::test {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> kFastScheduler{"--scheduler-interval-seconds=1",
                                              "--scheduler-auto-update=true"};

std::map<std::string, BundleFile> HealthyBundle(const std::string& version) {
    return {
        {"app/VERSION", {version + "\n", 0644}},
        {"hooks/health-check", {"#!/bin/sh\ntest -f \"$WAKA_VERSION_DIR/app/VERSION\"\n", 0755}}};
}

std::string Text(const boost::json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    return value != nullptr && value->is_string() ? std::string(value->get_string())
                                                  : std::string();
}

std::size_t Occurrences(const std::string& text, const std::string& needle) {
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
        ++count;
    }
    return count;
}

class PolicyE2eTest : public ::testing::Test {
protected:
    void SetUp() override {
        world_.Publish("platform", "webwaka-platform", "2.0.0", HealthyBundle("2.0.0"));
        world_.CreateManifest("manifest-001", "2.0.0", {}, {});
    }

    std::string MakeToken(const std::string& name, const std::string& role) {
        auto made = world_.Api().Post("/api/v1/tokens",
                                      R"({"name":")" + name + R"(","role":")" + role + "\"}");
        EXPECT_EQ(made.status, 201u) << made.body;
        return Text(ParseObject(made.body), "token");
    }

    boost::json::array Deployments(const std::string& instance_id) {
        auto listed = world_.Api().Get("/api/v1/deployments?instance_id=" + instance_id);
        EXPECT_EQ(listed.status, 200u) << listed.body;
        boost::system::error_code ec;
        auto value = boost::json::parse(listed.body, ec);
        return !ec && value.is_array() ? value.as_array() : boost::json::array{};
    }

    E2eWorld world_{kFastScheduler};
};

TEST_F(PolicyE2eTest, ManualApprovalWaitsForASecondUserThenDeploysAndFrozenRefuses) {
    auto& agent = world_.AddAgent("instance-prod-01");
    auto policy = world_.Api().Post(
        "/api/v1/"
        "policies?instance_id=instance-prod-01&policy_type=manual_approval&description=Production%"
        "20requires%20approval",
        "");
    ASSERT_EQ(policy.status, 201u) << policy.body;
    // alice holds an approver role, so only the requester rule can refuse her own approval.
    auto alice = world_.ClientWith(MakeToken("alice", "approver"));
    auto bob = world_.ClientWith(MakeToken("bob", "approver"));

    auto created = alice.Post("/api/v1/deployments",
                              R"({"manifest_id":"manifest-001","instance_id":"instance-prod-01"})");
    ASSERT_EQ(created.status, 201u) << created.body;
    const auto id = Text(ParseObject(created.body), "id");
    EXPECT_EQ(Text(ParseObject(created.body), "status"), "awaiting_approval");

    auto self = alice.Post("/api/v1/deployments/" + id + "/approve", R"({"comment":"mine"})");
    EXPECT_EQ(self.status, 403u) << self.body;
    EXPECT_NE(Text(ParseObject(self.body), "detail").find("cannot approve"), std::string::npos)
        << self.body;
    EXPECT_EQ(Text(world_.GetJson("/api/v1/deployments/" + id), "status"), "awaiting_approval");
    EXPECT_EQ(CurrentVersion(agent, "platform", "webwaka-platform"), "");

    auto approved = bob.Post("/api/v1/deployments/" + id + "/approve", R"({"comment":"checked"})");
    ASSERT_EQ(approved.status, 200u) << approved.body;
    auto done = world_.WaitTerminal(id);
    ASSERT_EQ(Text(done, "status"), "deployed") << boost::json::serialize(done);
    EXPECT_EQ(CurrentVersion(agent, "platform", "webwaka-platform"), "2.0.0");

    ASSERT_EQ(world_.Api()
                  .Post("/api/v1/policies?instance_id=instance-prod-01&policy_type=frozen", "")
                  .status,
              201u);
    auto refused = alice.Post("/api/v1/deployments",
                              R"({"manifest_id":"manifest-001","instance_id":"instance-prod-01"})");
    EXPECT_EQ(refused.status, 409u) << refused.body;
    EXPECT_NE(Text(ParseObject(refused.body), "detail").find("frozen"), std::string::npos)
        << refused.body;
    EXPECT_EQ(Deployments("instance-prod-01").size(), 1u);
}

TEST_F(PolicyE2eTest, AutoUpdateRunsOnlyInsideTheWindowAndSurvivesRestarts) {
    auto& agent = world_.AddAgent("instance-prod-01");
    ASSERT_EQ(
        Text(world_.WaitTerminal(world_.Deploy("manifest-001", "instance-prod-01")), "status"),
        "deployed");

    // A daily one-hour window six hours from now (real time): closed until the clock is moved.
    const auto now = std::chrono::system_clock::now();
    const auto opens = std::chrono::floor<std::chrono::minutes>(now + 6h);
    const auto start = date::format("%H:%M", opens);
    auto policy = world_.Api().Post(
        "/api/v1/policies", R"({"instance_id":"instance-prod-01","policy_type":"auto_update",
        "maintenance_windows":[{"days":["mon","tue","wed","thu","fri","sat","sun"],"start":")" +
                                start + R"(","duration_minutes":60,"timezone":"UTC"}]})");
    ASSERT_EQ(policy.status, 201u) << policy.body;

    world_.Publish("platform", "webwaka-platform", "2.1.0", HealthyBundle("2.1.0"));
    boost::json::object update;
    ASSERT_TRUE(WaitFor(
        [&] {
            for (const auto& item : Deployments("instance-prod-01")) {
                if (Text(item.as_object(), "requested_by") == "system") {
                    update = item.as_object();
                    return true;
                }
            }
            return false;
        },
        30s))
        << world_.CoordinatorLog();
    const auto id = Text(update, "id");
    EXPECT_EQ(Text(update, "status"), "scheduled");

    // Restart outside the window: the new coordinator rescans, finds the update, starts nothing.
    const auto passes = [&] {
        return Occurrences(world_.CoordinatorLog(), "scheduler pass leader=true");
    };
    world_.RestartCoordinator(kFastScheduler);
    const auto before = passes();
    ASSERT_TRUE(WaitFor([&] { return passes() >= before + 3; }, 30s)) << world_.CoordinatorLog();
    EXPECT_EQ(Text(world_.GetJson("/api/v1/deployments/" + id), "status"), "scheduled");
    EXPECT_EQ(Deployments("instance-prod-01").size(), 2u);
    EXPECT_EQ(CurrentVersion(agent, "platform", "webwaka-platform"), "2.0.0");

    // Restart with the clock two minutes into the window: it starts and deploys, once.
    const auto offset = std::chrono::duration_cast<std::chrono::seconds>(
        opens + 2min - std::chrono::system_clock::now());
    auto inside = kFastScheduler;
    inside.push_back("--testing-enabled");
    inside.push_back("--testing-clock-offset-seconds=" + std::to_string(offset.count()));
    world_.RestartCoordinator(inside);
    auto done = world_.WaitTerminal(id, 90s);
    ASSERT_EQ(Text(done, "status"), "deployed") << boost::json::serialize(done);
    EXPECT_EQ(CurrentVersion(agent, "platform", "webwaka-platform"), "2.1.0");
    EXPECT_NE(boost::json::serialize(done.at("events")).find("window is open"), std::string::npos);
    EXPECT_EQ(Deployments("instance-prod-01").size(), 2u);
}

// Starts the coordinator with `flags` (and placeholder gateway files); expects exit status 2 with
// `message` in its output, before it touches the database.
void ExpectConfigRefused(std::vector<std::string> flags, const std::string& message) {
    const auto dir = MakeTempDir("waka-e2e-config");
    flags.insert(flags.end(), {"--gateway-cert-file", "c", "--gateway-key-file", "k"});
    Process coordinator(WAKA_COORDINATOR_BIN, flags, {{"WAKA_DATABASE_URL", "postgresql://unused"}},
                        dir / "coordinator.log");
    auto status = coordinator.Wait(10s);
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 2);
    EXPECT_NE(coordinator.Log().find(message), std::string::npos) << coordinator.Log();
    std::filesystem::remove_all(dir);
}

TEST(CoordinatorConfigE2e, TheClockOffsetIsRefusedUnlessTestingIsEnabled) {
    ExpectConfigRefused({"--testing-clock-offset-seconds=60"}, "testing.enabled");
}

// Without TLS, a public bind must be asked for by name (issue 13, item 1).
TEST(CoordinatorConfigE2e, APlainHttpBindBeyondLoopbackIsRefusedUnlessAllowed) {
    ExpectConfigRefused({"--http-address", "0.0.0.0"}, "http.allow_plain_http");
}

// An allowed_networks entry that is not a network stops the start, naming the setting and entry.
TEST(CoordinatorConfigE2e, AMalformedAllowedNetworkIsRefused) {
    ExpectConfigRefused({"--gateway-allowed-networks", "10.0.0.0/8,10.0.0.1/8"},
                        "gateway.allowed_networks: '10.0.0.1/8' has host bits set");
}

// HTTPS for the API takes a certificate and its key together (ADR 0027).
TEST(CoordinatorConfigE2e, ATlsCertificateWithoutItsKeyIsRefused) {
    ExpectConfigRefused({"--http-address", "0.0.0.0", "--http-tls-cert-file", "api.pem"},
                        "http.tls_cert_file and http.tls_key_file go together");
}

TEST(CoordinatorConfigE2e, ABurstBelowOneIsRefused) {
    ExpectConfigRefused({"--http-rate-limit-burst", "0.5"},
                        "http.rate_limit_burst must be between 1 and 1000000");
}

}  // namespace
}  // namespace waka::test
