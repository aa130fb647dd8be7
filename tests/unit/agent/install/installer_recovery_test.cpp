#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "agent/install/installer.hpp"
#include "agent/journal/durable_file.hpp"
#include "agent/journal/journal.hpp"
#include "tests/unit/agent/install/installer_fixture.hpp"

namespace waka::agent::install {
namespace {
namespace fs = std::filesystem;
using testing::InstallerFixture;
using Inventory = std::vector<model::InstalledComponent>;

// Thrown by the step hook to stop the installer dead, as a power cut would: nothing after the
// throw point runs, the disk keeps whatever was made durable.
struct SimulatedCrash {};

constexpr int kMaxSteps = 300;

bool HasStagingLeftovers(const fs::path& state) {
    std::error_code ec;
    for (fs::recursive_directory_iterator it(state / "components", ec), end; !ec && it != end;
         it.increment(ec)) {
        if (it->path().filename().string().find(".staging-") != std::string::npos) {
            return true;
        }
    }
    return false;
}

// An instance with platform, suite and capability 1.0.0, upgraded by one operation that touches
// every kind of change: two upgrades, one new component, one deactivation.
class RecoveryTest : public InstallerFixture {
protected:
    void SetUp() override {
        p1_ = Publish("platform", "webwaka-platform", "1.0.0");
        s1_ = Publish("suite", "commerce", "1.0.0");
        r1_ = Publish("capability", "reporting", "1.0.0");
        p2_ = Publish("platform", "webwaka-platform", "2.0.0");
        s2_ = Publish("suite", "commerce", "2.0.0");
        a1_ = Publish("capability", "analytics", "1.0.0");
    }

    fs::path FreshInstance(int n) {
        fs::path state = dir_.path() / ("state-" + std::to_string(n));
        auto r = Run(Op("op-base", {p1_, s1_, r1_}), Options(state));
        EXPECT_EQ(r.outcome, model::Outcome::kSucceeded) << r.error;
        EXPECT_EQ(r.inventory, old_);
        return state;
    }

    model::Operation Upgrade() const {
        return Op("op-up", {From(p2_, "1.0.0"), From(s2_, "1.0.0"), a1_,
                            Deactivate("capability", "reporting", "1.0.0")});
    }

    // After a crash or a failure, the instance is entirely old or entirely new.
    void ExpectConsistent(const fs::path& state, model::Outcome outcome, int n) {
        const Inventory inventory = InventoryOf(state);
        if (outcome == model::Outcome::kSucceeded) {
            EXPECT_EQ(inventory, new_) << "step " << n;
        } else {
            EXPECT_EQ(inventory, old_) << "step " << n;
        }
        EXPECT_FALSE(HasStagingLeftovers(state)) << "step " << n;
    }

    // Runs the upgrade until it has switched the platform, then crashes it.
    void CrashAfterTheFirstSwitch(const fs::path& state) {
        InstallerOptions options = Options(state);
        options.before_step = [](std::string_view step) -> Expected<void> {
            if (step.starts_with("hook post-activate")) {
                throw SimulatedCrash{};
            }
            return {};
        };
        EXPECT_THROW(Run(Upgrade(), options), SimulatedCrash);
    }

    static journal::OperationRecord RecordOf(const fs::path& state, const std::string& op_id) {
        auto read = journal::Journal::Open(state)->Read(op_id);
        EXPECT_TRUE(read && *read) << (read ? "no record" : read.error().message);
        return read && *read ? **read : journal::OperationRecord{};
    }

    model::ComponentChange p1_, s1_, r1_, p2_, s2_, a1_;
    const Inventory old_{{"platform", "webwaka-platform", "1.0.0"},
                         {"suite", "commerce", "1.0.0"},
                         {"capability", "reporting", "1.0.0"}};
    const Inventory new_{{"platform", "webwaka-platform", "2.0.0"},
                         {"suite", "commerce", "2.0.0"},
                         {"capability", "analytics", "1.0.0"}};
};

TEST_F(RecoveryTest, NothingToRecoverOnACleanStart) {
    Installer installer(Options(state_), fetcher_);
    EXPECT_FALSE(installer.Recover());
}

TEST_F(RecoveryTest, CorruptJournalRecordDoesNotBlockRecovery) {
    fs::create_directories(state_ / "journal");
    std::ofstream(state_ / "journal" / "op-broken.json") << "{not json";
    Installer installer(Options(state_), fetcher_);
    EXPECT_FALSE(installer.Recover());
    EXPECT_FALSE(installer.StoredResult("op-broken"));
}

// Crashes the upgrade before its n-th step for every n, then restarts: Recover() (even n) or a
// re-sent instruction (odd n) completes the interrupted operation.
TEST_F(RecoveryTest, CrashAtEveryStepEndsOldOrNew) {
    int n = 0;
    for (; n < kMaxSteps; ++n) {
        const fs::path state = FreshInstance(n);
        int calls = 0;
        InstallerOptions options = Options(state);
        options.before_step = [&](std::string_view) -> Expected<void> {
            if (calls++ == n) {
                throw SimulatedCrash{};
            }
            return {};
        };
        try {
            auto r = Run(Upgrade(), options);
            ASSERT_EQ(r.outcome, model::Outcome::kSucceeded) << r.error;
            ExpectConsistent(state, r.outcome, n);
            break;  // n is past the last step: every crash point was covered
        } catch (const SimulatedCrash&) {
        }
        Installer restarted(Options(state), fetcher_);
        std::optional<model::OperationResult> completed =
            n % 2 == 0 ? restarted.Recover() : restarted.Execute(Upgrade(), nullptr);
        if (n == 0) {
            // Crashed before the first journal write: nothing happened, nothing to recover; a
            // re-sent instruction simply runs.
            EXPECT_FALSE(completed);
            ExpectConsistent(state, model::Outcome::kFailed, n);
            continue;
        }
        ASSERT_TRUE(completed) << "step " << n;
        EXPECT_NE(completed->outcome, model::Outcome::kSucceeded) << "step " << n;
        if (completed->outcome == model::Outcome::kFailed) {
            EXPECT_EQ(completed->error, "interrupted before any change") << "step " << n;
        }
        ExpectConsistent(state, completed->outcome, n);
        auto stored = restarted.StoredResult("op-up");
        ASSERT_TRUE(stored) << "step " << n;
        EXPECT_EQ(stored->outcome, completed->outcome);
        EXPECT_FALSE(restarted.Recover()) << "step " << n;  // finished now
    }
    EXPECT_GT(n, 20);  // the upgrade has many steps; a short count means the hook is not called
    EXPECT_LT(n, kMaxSteps);
}

// Fails the n-th filesystem/persist/hook step of the upgrade for every n.
TEST_F(RecoveryTest, FailureAtEveryStepEndsOldOrNew) {
    int n = 0;
    for (; n < kMaxSteps; ++n) {
        const fs::path state = FreshInstance(n);
        int calls = 0;
        bool injected = false;
        InstallerOptions options = Options(state);
        options.before_step = [&](std::string_view step) -> Expected<void> {
            if (calls++ == n) {
                injected = true;
                return MakeError(Errc::kIo, "injected failure at " + std::string(step));
            }
            return {};
        };
        auto r = Run(Upgrade(), options);
        if (!injected) {
            ASSERT_EQ(r.outcome, model::Outcome::kSucceeded) << r.error;
            ExpectConsistent(state, r.outcome, n);
            break;
        }
        EXPECT_NE(r.outcome, model::Outcome::kSucceeded) << "step " << n;
        EXPECT_NE(r.error.find("injected failure"), std::string::npos) << r.error;
        ExpectConsistent(state, r.outcome, n);
        EXPECT_EQ(r.inventory, InventoryOf(state));
        Installer restarted(Options(state), fetcher_);
        (void)restarted.Recover();  // a result whose journal write failed is completed here
        auto stored = restarted.StoredResult("op-up");
        ASSERT_TRUE(stored) << "step " << n;
        EXPECT_EQ(stored->outcome, r.outcome) << "step " << n;
        ExpectConsistent(state, r.outcome, n);
    }
    EXPECT_GT(n, 20);
    EXPECT_LT(n, kMaxSteps);
}

// A recovery that dies every time (here at its first restore, as a hook killing the agent would)
// is counted before it runs; once max_recovery_attempts are used up the next start-up reports the
// operation failed without touching anything, instead of restarting for ever.
TEST_F(RecoveryTest, RecoveryThatKeepsCrashingEndsFailedAfterTheConfiguredAttempts) {
    for (int max : {1, 3}) {
        const fs::path state = FreshInstance(max);
        CrashAfterTheFirstSwitch(state);
        std::vector<std::string> steps;
        InstallerOptions options = Options(state);
        options.max_recovery_attempts = max;
        options.before_step = [&](std::string_view step) -> Expected<void> {
            steps.emplace_back(step);
            if (step.starts_with("restore ") || step.starts_with("hook ")) {
                throw SimulatedCrash{};
            }
            return {};
        };
        for (int attempt = 1; attempt <= max; ++attempt) {
            Installer restarted(options, fetcher_);
            EXPECT_THROW(restarted.Recover(), SimulatedCrash) << "attempt " << attempt;
            EXPECT_EQ(RecordOf(state, "op-up").recovery_attempts, attempt);
            EXPECT_FALSE(RecordOf(state, "op-up").Finished());
        }
        steps.clear();
        Installer restarted(options, fetcher_);
        auto abandoned = restarted.Recover();
        ASSERT_TRUE(abandoned) << "max " << max;
        EXPECT_EQ(abandoned->outcome, model::Outcome::kFailed);
        EXPECT_EQ(abandoned->error, "recovery abandoned after " + std::to_string(max) +
                                        " attempts: interrupted by an agent restart during "
                                        "switched of platform:webwaka-platform");
        EXPECT_EQ(steps, std::vector<std::string>{"journal"});  // the result, nothing else
        EXPECT_EQ(abandoned->inventory, InventoryOf(state));
        auto stored = restarted.StoredResult("op-up");
        ASSERT_TRUE(stored);
        EXPECT_EQ(stored->error, abandoned->error);
        EXPECT_FALSE(Installer(options, fetcher_).Recover());  // finished: never again
    }
}

TEST_F(RecoveryTest, RecoveryInterruptedOnceStillCompletesOnTheNextStart) {
    const fs::path state = FreshInstance(0);
    CrashAfterTheFirstSwitch(state);
    InstallerOptions crashing = Options(state);
    crashing.before_step = [](std::string_view step) -> Expected<void> {
        if (step.starts_with("restore ")) {
            throw SimulatedCrash{};
        }
        return {};
    };
    EXPECT_THROW(Installer(crashing, fetcher_).Recover(), SimulatedCrash);
    Installer restarted(Options(state), fetcher_);
    auto completed = restarted.Recover();
    ASSERT_TRUE(completed);
    EXPECT_EQ(completed->outcome, model::Outcome::kRolledBack) << completed->error;
    ExpectConsistent(state, completed->outcome, 0);
    EXPECT_EQ(RecordOf(state, "op-up").recovery_attempts, 2);
}

// Without a durable count a crashing recovery could loop: when the count cannot be journaled the
// recovery does nothing, and the next start-up (with a working disk) completes it.
TEST_F(RecoveryTest, RecoveryWhoseAttemptCannotBeJournaledIsNotAttempted) {
    const fs::path state = FreshInstance(0);
    CrashAfterTheFirstSwitch(state);
    const model::InstalledComponent half_switched{"platform", "webwaka-platform", "2.0.0"};
    ASSERT_EQ(InventoryOf(state)[0], half_switched);
    std::vector<std::string> steps;
    InstallerOptions failing = Options(state);
    failing.before_step = [&](std::string_view step) -> Expected<void> {
        steps.emplace_back(step);
        return MakeError(Errc::kIo, "disk full");
    };
    auto refused = Installer(failing, fetcher_).Recover();
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->outcome, model::Outcome::kFailed);
    EXPECT_NE(refused->error.find("recovery not attempted: write journal: disk full"),
              std::string::npos)
        << refused->error;
    EXPECT_EQ(steps, std::vector<std::string>{"journal"});
    EXPECT_EQ(InventoryOf(state)[0], half_switched);  // untouched
    EXPECT_EQ(RecordOf(state, "op-up").recovery_attempts, 0);

    auto completed = Installer(Options(state), fetcher_).Recover();
    ASSERT_TRUE(completed);
    EXPECT_EQ(completed->outcome, model::Outcome::kRolledBack) << completed->error;
    ExpectConsistent(state, completed->outcome, 0);
}

// A record an older agent wrote (schema version 1: no "schema_version", no "recovery_attempts") is
// recovered like any other and rewritten in the current format.
TEST_F(RecoveryTest, InterruptedOperationJournaledByAnOlderAgentIsRecovered) {
    const fs::path state = FreshInstance(0);
    CrashAfterTheFirstSwitch(state);
    const fs::path file = state / "journal" / "op-up.json";
    auto text = journal::ReadSmallFile(file, 1 << 20);
    ASSERT_TRUE(text);
    boost::json::object old = boost::json::parse(*text).as_object();
    ASSERT_TRUE(old.erase("schema_version") == 1 && old.erase("recovery_attempts") == 1);
    ASSERT_TRUE(journal::WriteFileAtomically(file, boost::json::serialize(old)));
    EXPECT_EQ(RecordOf(state, "op-up").schema_version, 1);

    auto completed = Installer(Options(state), fetcher_).Recover();
    ASSERT_TRUE(completed);
    EXPECT_EQ(completed->outcome, model::Outcome::kRolledBack) << completed->error;
    ExpectConsistent(state, completed->outcome, 0);
    EXPECT_EQ(RecordOf(state, "op-up").schema_version, journal::kSchemaVersion);
    EXPECT_EQ(RecordOf(state, "op-up").recovery_attempts, 1);
}

}  // namespace
}  // namespace waka::agent::install
