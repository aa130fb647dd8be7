#include "agent/daemon/config.hpp"

#include <gtest/gtest.h>
#include <pwd.h>

#include <map>
#include <string>
#include <vector>

namespace waka::agent::daemon {
namespace {

using Env = std::map<std::string, std::string>;

Expected<ConfigLoad> Load(AgentConfig& config, std::vector<const char*> args, const Env& env = {}) {
    args.insert(args.begin(), "waka-agent");
    return LoadAgentConfig(config, static_cast<int>(args.size()), args.data(), &env);
}

AgentConfig ValidConfig() {
    AgentConfig config;
    config.instance_id = "instance-prod-01";
    config.ca_file = "/etc/waka/ca.pem";
    return config;
}

TEST(AgentConfigTest, DefaultsMatchTheDocumentedValues) {
    AgentConfig config;
    ASSERT_TRUE(Load(config, {}));
    EXPECT_EQ(config.log_level, "info");
    EXPECT_EQ(config.coordinator_url, "wss://localhost:8443/agent/v1/connect");
    EXPECT_EQ(config.state_dir, "/var/lib/waka-agent");
    EXPECT_EQ(config.heartbeat_seconds_default, 15u);
    EXPECT_EQ(config.connect_timeout_seconds, 10u);
    EXPECT_EQ(config.reconnect_initial_ms, 500u);
    EXPECT_EQ(config.reconnect_max_ms, 30000u);
    EXPECT_EQ(config.hook_timeout_seconds, 300u);
    EXPECT_EQ(config.health_check_timeout_seconds, 60u);
    EXPECT_EQ(config.keep_versions, 3u);
    EXPECT_EQ(config.max_bundle_bytes, 1ULL << 30);
    EXPECT_EQ(config.max_recovery_attempts, 3u);
    EXPECT_EQ(config.hook_user, "");
    EXPECT_EQ(config.release_keys_dir, "/etc/waka/release-keys");
    EXPECT_TRUE(config.require_signed_releases);
    EXPECT_TRUE(RevokedReleaseKeys(config).empty());
}

TEST(AgentConfigTest, RevokedReleaseKeysAreAListOfKeyIds) {
    auto config = ValidConfig();
    config.revoked_release_keys = " ed25519:0123456789abcdef, ed25519:fedcba9876543210 ,";
    ASSERT_TRUE(ValidateAgentConfig(config));
    EXPECT_EQ(RevokedReleaseKeys(config),
              (std::set<std::string>{"ed25519:0123456789abcdef", "ed25519:fedcba9876543210"}));
}

TEST(AgentConfigTest, EnvironmentAndFlagsOverrideDefaultsFlagsWin) {
    AgentConfig config;
    auto loaded = Load(config, {"--instance-id", "from-flag", "--reconnect-max-ms=1000"},
                       {{"WAKA_INSTANCE_ID", "from-env"},
                        {"WAKA_ENROLLMENT_TOKEN", "secret-token"},
                        {"WAKA_CA_FILE", "/tmp/ca.pem"}});
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(config.instance_id, "from-flag");
    EXPECT_EQ(config.enrollment_token, "secret-token");
    EXPECT_EQ(config.ca_file, "/tmp/ca.pem");
    EXPECT_EQ(config.reconnect_max_ms, 1000u);

    auto recovery = Load(config, {"--max-recovery-attempts", "5"});
    ASSERT_TRUE(recovery) << recovery.error().message;
    EXPECT_EQ(config.max_recovery_attempts, 5u);
}

TEST(AgentConfigTest, VersionFlagEndsTheProgram) {
    AgentConfig config;
    auto loaded = Load(config, {"--version"});
    ASSERT_TRUE(loaded);
    EXPECT_TRUE(loaded->exit_now);
    EXPECT_EQ(loaded->exit_code, 0);
    EXPECT_NE(loaded->message.find(std::string(AgentVersion())), std::string::npos);
}

TEST(AgentConfigTest, UnknownFlagIsAnError) {
    AgentConfig config;
    EXPECT_FALSE(Load(config, {"--no-such-setting", "1"}));
}

TEST(AgentConfigTest, ValidConfigAnswersTheEndpoint) {
    auto config = ValidConfig();
    config.coordinator_url = "wss://coord.example:9443/agent/v1/connect";
    auto endpoint = ValidateAgentConfig(config);
    ASSERT_TRUE(endpoint) << endpoint.error().message;
    EXPECT_EQ(endpoint->host, "coord.example");
    EXPECT_EQ(endpoint->port, 9443);
    EXPECT_EQ(endpoint->path, "/agent/v1/connect");
}

TEST(AgentConfigTest, MissingOrBadSettingsAreRefusedWithOneLine) {
    struct Case {
        const char* name;
        void (*mutate)(AgentConfig&);
        const char* mentions;
    };
    const std::vector<Case> cases = {
        {"no instance id", [](AgentConfig& c) { c.instance_id.clear(); }, "instance_id"},
        {"bad instance id", [](AgentConfig& c) { c.instance_id = "../etc"; }, "instance_id"},
        {"no ca file", [](AgentConfig& c) { c.ca_file.clear(); }, "ca_file"},
        {"https scheme", [](AgentConfig& c) { c.coordinator_url = "https://x:8443/"; }, "wss"},
        {"ws scheme", [](AgentConfig& c) { c.coordinator_url = "ws://x:8443/"; }, "wss"},
        {"bad port", [](AgentConfig& c) { c.coordinator_url = "wss://x:99999/"; }, "port"},
        {"no host", [](AgentConfig& c) { c.coordinator_url = "wss:///path"; }, "host"},
        {"backoff", [](AgentConfig& c) { c.reconnect_initial_ms = c.reconnect_max_ms + 1; },
         "reconnect"},
        {"zero heartbeat", [](AgentConfig& c) { c.heartbeat_seconds_default = 0; }, "heartbeat"},
        {"no recovery", [](AgentConfig& c) { c.max_recovery_attempts = 0; },
         "max_recovery_attempts"},
        {"bad revoked key", [](AgentConfig& c) { c.revoked_release_keys = "release.pub"; },
         "revoked_release_keys: 'release.pub' is not a key id"},
    };
    for (const auto& test_case : cases) {
        auto config = ValidConfig();
        test_case.mutate(config);
        auto result = ValidateAgentConfig(config);
        ASSERT_FALSE(result) << test_case.name;
        EXPECT_TRUE(result.error().Is(Errc::kInvalidArgument)) << test_case.name;
        EXPECT_NE(result.error().message.find(test_case.mentions), std::string::npos)
            << test_case.name << ": " << result.error().message;
        EXPECT_EQ(result.error().message.find('\n'), std::string::npos) << test_case.name;
    }
}

TEST(AgentConfigTest, NoHookUserMeansTheAgentsOwn) {
    auto none = ResolveHookUser(ValidConfig());
    ASSERT_TRUE(none) << none.error().message;
    EXPECT_FALSE(none->has_value());
}

TEST(AgentConfigTest, HookUserIsLookedUpAtStartUp) {
    AgentConfig config = ValidConfig();
    ASSERT_TRUE(Load(config, {"--hook-user", "nobody"}));
    EXPECT_EQ(config.hook_user, "nobody");
    auto resolved = ResolveHookUser(config);
    ASSERT_TRUE(resolved) << resolved.error().message;
    ASSERT_TRUE(resolved->has_value());
    const passwd* nobody = ::getpwnam("nobody");
    ASSERT_NE(nobody, nullptr);
    EXPECT_EQ((*resolved)->user, "nobody");
    EXPECT_EQ((*resolved)->uid, nobody->pw_uid);
    EXPECT_EQ((*resolved)->gid, nobody->pw_gid);
}

TEST(AgentConfigTest, UnknownHookUserIsRefusedNamingTheSetting) {
    AgentConfig config = ValidConfig();
    config.hook_user = "waka-no-such-user";
    auto refused = ResolveHookUser(config);
    ASSERT_FALSE(refused);
    EXPECT_TRUE(refused.error().Is(Errc::kInvalidArgument));
    EXPECT_EQ(refused.error().message, "hook_user: no such user 'waka-no-such-user'");
}

TEST(AgentConfigTest, CredentialOrTokenIsRequired) {
    auto config = ValidConfig();
    auto refused = RequireCredentialOrToken(config, false);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("WAKA_ENROLLMENT_TOKEN"), std::string::npos);
    EXPECT_TRUE(RequireCredentialOrToken(config, true));
    config.enrollment_token = "token";
    EXPECT_TRUE(RequireCredentialOrToken(config, false));
}

TEST(AgentConfigTest, TheTokenNeverAppearsInErrors) {
    AgentConfig config;
    auto loaded = Load(config, {"--keep-versions", "many"}, {{"WAKA_ENROLLMENT_TOKEN", "s3cr3t"}});
    ASSERT_FALSE(loaded);
    EXPECT_EQ(loaded.error().message.find("s3cr3t"), std::string::npos);
}

}  // namespace
}  // namespace waka::agent::daemon
