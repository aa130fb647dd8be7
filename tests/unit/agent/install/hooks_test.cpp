#include "agent/install/hooks.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "tests/unit/agent/install/temp_dir.hpp"

namespace waka::agent::install {
namespace {
namespace fs = std::filesystem;
using testing::TempDir;

class HooksTest : public ::testing::Test {
protected:
    void SetUp() override {
        fs::create_directories(context_.version_dir / "hooks");
        context_.component_type = "suite";
        context_.component_name = "commerce";
        context_.version = "1.1.0";
        context_.previous_version = "1.0.0";
        context_.component_dir = dir_.path();
        context_.config_file = dir_.path() / "config.json";
        context_.op_id = "op-7";
    }
    void WriteHook(const std::string& name, const std::string& body, unsigned mode = 0755) {
        const fs::path p = context_.version_dir / "hooks" / name;
        std::ofstream(p) << "#!/bin/sh\n" << body << "\n";
        ::chmod(p.c_str(), mode);
    }
    std::string Read(const fs::path& p) {
        std::ifstream in(p);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }

    TempDir dir_;
    HookContext context_{.version_dir = dir_.path() / "1.1.0"};
    HookLimits limits_{.timeout = std::chrono::milliseconds(10'000)};
};

TEST_F(HooksTest, MissingHookIsSkipped) { EXPECT_TRUE(RunHook(kPreActivate, context_, limits_)); }

TEST_F(HooksTest, NonExecutableHookIsSkipped) {
    WriteHook("pre-activate", "exit 1", 0644);
    EXPECT_TRUE(RunHook(kPreActivate, context_, limits_));
}

TEST_F(HooksTest, PassesEnvironmentAndWorkingDirectory) {
    WriteHook("post-activate",
              "{ echo \"$WAKA_COMPONENT_TYPE|$WAKA_COMPONENT_NAME|$WAKA_VERSION|"
              "$WAKA_PREVIOUS_VERSION|$WAKA_COMPONENT_DIR|$WAKA_VERSION_DIR|$WAKA_CONFIG_FILE|"
              "$WAKA_OP_ID|$(pwd)\"; read line || echo eof; } > ../env.txt");
    ASSERT_TRUE(RunHook(kPostActivate, context_, limits_));
    const std::string root = dir_.path().string();
    EXPECT_EQ(Read(dir_.path() / "env.txt"), "suite|commerce|1.1.0|1.0.0|" + root + "|" + root +
                                                 "/1.1.0|" + root + "/config.json|op-7|" + root +
                                                 "/1.1.0\neof\n");
}

TEST_F(HooksTest, FailureReportsExitCodeAndOutputTail) {
    WriteHook("health-check", "echo starting; echo 'database unreachable' >&2; exit 3");
    auto r = RunHook(kHealthCheck, context_, limits_);
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().Is(Errc::kIo));
    EXPECT_NE(r.error().message.find("hook 'health-check' failed with exit code 3"),
              std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find("database unreachable"), std::string::npos);
}

TEST_F(HooksTest, OutputIsBounded) {
    WriteHook("health-check",
              "i=0; while [ $i -lt 2000 ]; do echo line$i; i=$((i+1)); done; exit 1");
    limits_.output_tail_bytes = 64;
    auto r = RunHook(kHealthCheck, context_, limits_);
    ASSERT_FALSE(r);
    EXPECT_LT(r.error().message.size(), 200u);
    EXPECT_NE(r.error().message.find("line1999"), std::string::npos);
}

TEST_F(HooksTest, TimeoutKillsTheProcessGroup) {
    WriteHook("health-check", "trap '' TERM; sleep 30 & wait");
    limits_.timeout = std::chrono::milliseconds(200);
    limits_.kill_grace = std::chrono::milliseconds(200);
    const auto start = std::chrono::steady_clock::now();
    auto r = RunHook(kHealthCheck, context_, limits_);
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().Is(Errc::kTimeout)) << r.error().message;
    EXPECT_NE(r.error().message.find("timed out"), std::string::npos);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST_F(HooksTest, BackgroundChildHoldingOutputDoesNotBlock) {
    WriteHook("post-activate", "sleep 30 & echo done");
    limits_.timeout = std::chrono::milliseconds(20'000);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_TRUE(RunHook(kPostActivate, context_, limits_));
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

}  // namespace
}  // namespace waka::agent::install
