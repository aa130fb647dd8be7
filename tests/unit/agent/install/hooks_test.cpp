#include "agent/install/hooks.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cerrno>
#include <fstream>
#include <set>
#include <sstream>

#include "tests/unit/agent/install/temp_dir.hpp"

namespace waka::agent::install {
namespace {
namespace fs = std::filesystem;
using testing::TempDir;

// True once `pid` no longer exists, checked up to ~10 s. This process is made a subreaper (see
// HooksTest), so a killed orphan is reaped here, as systemd reaps the agent's, instead of staying
// a zombie of an init that may never reap it (kill(pid, 0) succeeds on a zombie).
bool AwaitGone(pid_t pid) {
    for (int attempt = 0; attempt < 1000; ++attempt) {
        ::waitpid(pid, nullptr, WNOHANG);
        if (!fs::exists("/proc/" + std::to_string(pid)) && ::kill(pid, 0) == -1 && errno == ESRCH) {
            return true;
        }
        ::poll(nullptr, 0, 10);
    }
    return false;
}

// Words of `text` (numbers printed by id(1)).
std::set<std::string> Words(const std::string& text) {
    std::istringstream in(text);
    std::set<std::string> words;
    for (std::string word; in >> word;) {
        words.insert(word);
    }
    return words;
}

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
        ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    }
    void TearDown() override { ::prctl(PR_SET_CHILD_SUBREAPER, 0); }
    void WriteHook(const std::string& name, const std::string& body, unsigned mode = 0755) {
        const fs::path p = context_.version_dir / "hooks" / name;
        std::ofstream(p) << "#!/bin/sh\n" << body << "\n";
        ::chmod(p.c_str(), mode);
    }
    // The pid a hook wrote to <component_dir>/bg.pid, or -1.
    pid_t BackgroundPid() {
        pid_t pid = -1;
        std::ifstream(dir_.path() / "bg.pid") >> pid;
        return pid;
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

TEST_F(HooksTest, BackgroundChildEndsWithItsHook) {
    WriteHook("post-activate", "sleep 1000 & echo $! > \"$WAKA_COMPONENT_DIR/bg.pid\"; exit 0");
    ASSERT_TRUE(RunHook(kPostActivate, context_, limits_));
    const pid_t pid = BackgroundPid();
    ASSERT_GT(pid, 0);
    EXPECT_TRUE(AwaitGone(pid)) << "pid " << pid << " outlived its hook";
    ::kill(pid, SIGKILL);
}

TEST_F(HooksTest, MemberIgnoringTermIsKilledAfterTheGrace) {
    // The hook waits (bounded) until its child ignores SIGTERM, so the SIGKILL path is the one
    // taken.
    WriteHook(
        "post-activate",
        "sh -c 'trap \"\" TERM; echo $$ > \"$WAKA_COMPONENT_DIR/bg.pid\"; exec sleep 1000' &\n"
        "i=0; while [ ! -s \"$WAKA_COMPONENT_DIR/bg.pid\" ] && [ $i -lt 1000 ]; do\n"
        "  sleep 0.01; i=$((i+1))\n"
        "done");
    limits_.kill_grace = std::chrono::milliseconds(200);
    ASSERT_TRUE(RunHook(kPostActivate, context_, limits_));
    const pid_t pid = BackgroundPid();
    ASSERT_GT(pid, 0);
    EXPECT_TRUE(AwaitGone(pid)) << "pid " << pid << " outlived its hook";
    ::kill(pid, SIGKILL);
}

TEST_F(HooksTest, ProcessOutsideTheGroupHoldingOutputDoesNotBlock) {
    // The child leaves the hook's group (setsid) and only then writes its pid, which the hook
    // waits for (bounded): nothing kills it, so only not reading the pipe to its end lets RunHook
    // return. A hang here would be RunHook waiting for the pipe's end of file.
    WriteHook("post-activate",
              "setsid sh -c 'echo $$ > \"$WAKA_COMPONENT_DIR/bg.pid\"; exec sleep 1000' &\n"
              "i=0; while [ ! -s \"$WAKA_COMPONENT_DIR/bg.pid\" ] && [ $i -lt 1000 ]; do\n"
              "  sleep 0.01; i=$((i+1))\n"
              "done; echo done");
    limits_.timeout = std::chrono::milliseconds(60'000);
    auto r = RunHook(kPostActivate, context_, limits_);
    const pid_t pid = BackgroundPid();
    EXPECT_TRUE(r) << r.error().message;
    ASSERT_GT(pid, 0);
    // Orphaned to this subreaper and still running: a process outside the group is not contained.
    EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), 0);
    ::kill(pid, SIGKILL);
    EXPECT_TRUE(AwaitGone(pid));
}

TEST_F(HooksTest, RunsAsHookUserOrSaysWhyNot) {
    auto nobody = LookUpHookUser("nobody");
    ASSERT_TRUE(nobody) << nobody.error().message;
    const passwd* entry = ::getpwnam("nobody");
    ASSERT_NE(entry, nullptr);
    TempDir out;
    ASSERT_EQ(::chmod(out.path().c_str(), 0777), 0);
    const fs::path ids = out.path() / "ids.txt";
    WriteHook("post-activate", "{ id -u; id -g; id -G; } > " + ids.string());
    limits_.run_as = *nobody;
    auto r = RunHook(kPostActivate, context_, limits_);
    if (::geteuid() != 0) {
        ASSERT_FALSE(r);
        EXPECT_TRUE(r.error().Is(Errc::kIo));
        EXPECT_NE(r.error().message.find("as user 'nobody'"), std::string::npos)
            << r.error().message;
        EXPECT_NE(r.error().message.find("Operation not permitted"), std::string::npos)
            << r.error().message;
        return;
    }
    ASSERT_TRUE(r) << r.error().message;
    std::istringstream lines(Read(ids));
    std::string uid, gid, groups;
    std::getline(lines, uid);
    std::getline(lines, gid);
    std::getline(lines, groups);
    EXPECT_EQ(uid, std::to_string(entry->pw_uid));
    EXPECT_EQ(gid, std::to_string(entry->pw_gid));
    std::set<std::string> expected{std::to_string(entry->pw_gid)};
    for (gid_t g : nobody->groups) {
        expected.insert(std::to_string(g));
    }
    EXPECT_EQ(Words(groups), expected) << "the agent's own groups must be dropped";
}

}  // namespace
}  // namespace waka::agent::install
