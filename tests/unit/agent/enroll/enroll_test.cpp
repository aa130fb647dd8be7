#include "agent/daemon/enroll.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace waka::agent::daemon {
namespace {

namespace fs = std::filesystem;

std::string Read(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

unsigned Mode(const fs::path& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
}

class EnrollTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("waka-enroll-test-" + std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        std::ofstream(dir_ / "ca.pem") << "-----BEGIN CERTIFICATE-----\nMIIB\n"
                                          "-----END CERTIFICATE-----\n";
    }
    void TearDown() override { fs::remove_all(dir_); }

    int Enroll(std::vector<std::string> extra) {
        std::vector<std::string> args = {"waka-agent",  "enroll",
                                         "--instance",  "instance-prod-01",
                                         "--ca",        (dir_ / "ca.pem").string(),
                                         "--config",    config().string(),
                                         "--state-dir", state().string()};
        args.insert(args.end(), extra.begin(), extra.end());
        std::vector<const char*> argv;
        for (const auto& arg : args) {
            argv.push_back(arg.c_str());
        }
        return EnrollMain(static_cast<int>(argv.size()), argv.data());
    }

    // A file holding `token`, as an operator would hand it over.
    std::string TokenFile(const std::string& token) {
        const fs::path file = dir_ / ("token-" + std::to_string(++token_files_));
        std::ofstream(file) << token << "\n";
        return file.string();
    }

    fs::path config() const { return dir_ / "etc" / "agent.toml"; }
    fs::path state() const { return dir_ / "state"; }

    fs::path dir_;
    int token_files_ = 0;
};

TEST_F(EnrollTest, WritesConfigAndTokenWithTheirModes) {
    ASSERT_EQ(Enroll({"--url", "wss://coord.example:8443", "--token-file", TokenFile("tok-123")}),
              0);
    const auto text = Read(config());
    EXPECT_NE(text.find("instance_id = \"instance-prod-01\"\n"), std::string::npos) << text;
    EXPECT_NE(text.find("coordinator_url = \"wss://coord.example:8443/agent/v1/connect\"\n"),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find("tok-123"), std::string::npos) << "the token must not be in the config";
    EXPECT_EQ(Mode(config()), 0644u);
    EXPECT_EQ(Mode(state()), 0700u);
    EXPECT_EQ(Mode(state() / "enrollment-token"), 0600u);
    EXPECT_EQ(Read(state() / "enrollment-token"), "tok-123\n");
}

TEST_F(EnrollTest, KeepsAnExplicitGatewayPath) {
    ASSERT_EQ(Enroll({"--url=wss://c:9/custom/path", "--token-file=" + TokenFile("t")}), 0);
    EXPECT_NE(Read(config()).find("coordinator_url = \"wss://c:9/custom/path\""),
              std::string::npos);
}

TEST_F(EnrollTest, RefusesBadArguments) {
    EXPECT_EQ(Enroll({"--token-file", TokenFile("t")}), 2);  // no --url
    EXPECT_EQ(Enroll({"--url", "https://c:8443", "--token-file", TokenFile("t")}),
              2);  // not wss://
    EXPECT_EQ(Enroll({"--url", "wss://c:8443", "--token-file", TokenFile("two words")}),
              2);  // not one token
    EXPECT_EQ(Enroll({"--url", "wss://c:8443", "--token-file", TokenFile("t"), "--bogus", "x"}), 2);
    std::ofstream(dir_ / "ca.pem") << "not a certificate\n";
    EXPECT_EQ(Enroll({"--url", "wss://c:8443", "--token-file", TokenFile("t")}), 2);
    EXPECT_FALSE(fs::exists(config()));
    EXPECT_FALSE(fs::exists(state() / "enrollment-token"));
}

// A token on the command line shows in `ps`: refused, naming the ways that are safe.
TEST_F(EnrollTest, TheTokenComesFromAFileOrTheEnvironmentNeverFromAFlag) {
    EXPECT_EQ(Enroll({"--url", "wss://c:8443", "--token", "on-the-command-line"}), 2);
    EXPECT_EQ(Enroll({"--url", "wss://c:8443", "--token=on-the-command-line"}), 2);
    EXPECT_FALSE(fs::exists(state() / "enrollment-token"));

    ::setenv("WAKA_ENROLLMENT_TOKEN", "from-the-environment", 1);
    const int status = Enroll({"--url", "wss://c:8443"});
    ::unsetenv("WAKA_ENROLLMENT_TOKEN");
    ASSERT_EQ(status, 0);
    EXPECT_EQ(Read(state() / "enrollment-token"), "from-the-environment\n");
}

TEST_F(EnrollTest, AStoredCredentialNeedsForce) {
    fs::create_directories(state());
    std::ofstream(state() / "credential") << "cred\n";
    EXPECT_EQ(Enroll({"--url", "wss://c:8443", "--token-file", TokenFile("t")}), 1);
    EXPECT_FALSE(fs::exists(state() / "enrollment-token"));
    EXPECT_EQ(Enroll({"--url", "wss://c:8443", "--token-file", TokenFile("t2"), "--force"}), 0);
    EXPECT_FALSE(fs::exists(state() / "credential"));
    EXPECT_EQ(Read(state() / "enrollment-token"), "t2\n");
}

TEST_F(EnrollTest, TheDaemonUsesTheStoredTokenOnlyWithoutACredential) {
    ASSERT_EQ(Enroll({"--url", "wss://c:8443", "--token-file", TokenFile("stored")}), 0);
    AgentConfig config;
    config.state_dir = state();
    ASSERT_TRUE(UseStoredEnrollmentToken(config, false));
    EXPECT_EQ(config.enrollment_token, "stored");

    AgentConfig configured;
    configured.state_dir = state();
    configured.enrollment_token = "from-env";
    ASSERT_TRUE(UseStoredEnrollmentToken(configured, false));
    EXPECT_EQ(configured.enrollment_token, "from-env");

    AgentConfig enrolled;
    enrolled.state_dir = state();
    ASSERT_TRUE(UseStoredEnrollmentToken(enrolled, true));
    EXPECT_TRUE(enrolled.enrollment_token.empty());
    EXPECT_FALSE(fs::exists(state() / "enrollment-token")) << "a spent token is deleted";
}

}  // namespace
}  // namespace waka::agent::daemon
