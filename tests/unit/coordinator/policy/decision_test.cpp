#include "coordinator/policy/decision.hpp"

#include <gtest/gtest.h>

#include <array>

namespace waka::coordinator::policy {
namespace {

TimePoint At(const char* rfc3339) { return ParseRfc3339(rfc3339).value_or(TimePoint{}); }

// Mondays 02:00-03:00 Lagos = 01:00Z-02:00Z.
MaintenanceWindow MondayWindow() {
    std::vector<InvalidField> errors;
    const WindowSpec spec{
        .days = {"mon"}, .start = "02:00", .duration_minutes = 60, .timezone = "Africa/Lagos"};
    return ParseWindow(spec, "w", errors).value_or(MaintenanceWindow{});
}

const char* const kOutside = "2026-11-26T12:00:00Z";
const char* const kNextStart = "2026-11-30T01:00:00.000Z";
const char* const kInside = "2026-11-30T01:30:00Z";

using V = Verdict;

struct Row {
    ChangeKind kind;
    std::optional<Severity> severity;
    // auto_update, manual_approval, frozen (security patches allowed), frozen (not allowed);
    // as decided outside a window of a policy that has one.
    std::array<Verdict, 4> outside;
};

// docs/design.md §4.1, row by row.
const std::array<Row, 7> kTable{{
    {ChangeKind::kOperatorDeployment,
     std::nullopt,
     {V::kDeferToWindow, V::kAwaitApproval, V::kRefuse, V::kRefuse}},
    {ChangeKind::kAutoUpdate,
     std::nullopt,
     {V::kDeferToWindow, V::kAwaitApproval, V::kRefuse, V::kRefuse}},
    {ChangeKind::kPatch,
     Severity::kCritical,
     {V::kAllowNow, V::kAllowNow, V::kAllowNow, V::kAllowNow}},
    {ChangeKind::kPatch,
     Severity::kHigh,
     {V::kDeferToWindow, V::kDeferToWindow, V::kDeferToWindow, V::kRefuse}},
    {ChangeKind::kPatch,
     Severity::kMedium,
     {V::kDeferToWindow, V::kAwaitApproval, V::kDeferToWindow, V::kRefuse}},
    {ChangeKind::kPatch,
     Severity::kLow,
     {V::kDeferToWindow, V::kAwaitApproval, V::kDeferToWindow, V::kRefuse}},
    {ChangeKind::kRollback, std::nullopt, {V::kAllowNow, V::kAllowNow, V::kAllowNow, V::kAllowNow}},
}};

Policy Column(int column, bool with_window) {
    Policy policy;
    policy.type = std::array{PolicyType::kAutoUpdate, PolicyType::kManualApproval,
                             PolicyType::kFrozen, PolicyType::kFrozen}
                      .at(column);
    policy.allow_security_patches = column != 3;
    if (with_window) {
        policy.windows.push_back(MondayWindow());
    }
    return policy;
}

Change ChangeOf(const Row& row) {
    return Change{.kind = row.kind,
                  .severity = row.severity,
                  .force = false,
                  .principal_role = "operator",
                  .reason = ""};
}

std::string Cell(const Row& row, int column) {
    return std::string(ToString(row.kind)) + "/" +
           (row.severity ? std::string(ToString(*row.severity)) : "-") + "/column " +
           std::to_string(column);
}

TEST(DecisionTable, OutsideAWindow) {
    for (const Row& row : kTable) {
        for (int column = 0; column < 4; ++column) {
            const Policy policy = Column(column, true);
            const auto decision = Decide(&policy, ChangeOf(row), At(kOutside));
            ASSERT_TRUE(decision.has_value()) << Cell(row, column);
            EXPECT_EQ(decision->verdict, row.outside.at(column)) << Cell(row, column);
            EXPECT_FALSE(decision->reason.empty()) << Cell(row, column);
            if (decision->verdict == V::kDeferToWindow) {
                ASSERT_TRUE(decision->window_start.has_value());
                EXPECT_EQ(FormatRfc3339(*decision->window_start), kNextStart) << Cell(row, column);
            } else {
                EXPECT_FALSE(decision->window_start.has_value()) << Cell(row, column);
            }
        }
    }
}

// "next window (now if none)" and inside an open window: every deferral becomes now, the other
// verdicts stay.
void ExpectDeferralsRunNow(bool with_window, const char* now) {
    for (const Row& row : kTable) {
        for (int column = 0; column < 4; ++column) {
            const Policy policy = Column(column, with_window);
            const auto decision = Decide(&policy, ChangeOf(row), At(now));
            ASSERT_TRUE(decision.has_value()) << Cell(row, column);
            const Verdict expected =
                row.outside.at(column) == V::kDeferToWindow ? V::kAllowNow : row.outside.at(column);
            EXPECT_EQ(decision->verdict, expected) << Cell(row, column);
        }
    }
}

TEST(DecisionTable, WithoutWindowsDeferralsRunNow) { ExpectDeferralsRunNow(false, kOutside); }

TEST(DecisionTable, InsideAWindowDeferralsRunNow) { ExpectDeferralsRunNow(true, kInside); }

TEST(DecisionTable, NoPolicyAndDisabledPolicyDecideAsAutoUpdateWithoutWindows) {
    Policy frozen = Column(2, true);
    frozen.enabled = false;
    for (const Policy* policy : std::array<const Policy*, 2>{nullptr, &frozen}) {
        for (const Row& row : kTable) {
            const auto decision = Decide(policy, ChangeOf(row), At(kOutside));
            ASSERT_TRUE(decision.has_value());
            EXPECT_EQ(decision->verdict, V::kAllowNow) << Cell(row, 0);
        }
    }
}

TEST(DecisionTable, APatchNeedsASeverity) {
    const Change change{.kind = ChangeKind::kPatch,
                        .severity = std::nullopt,
                        .force = false,
                        .principal_role = "operator",
                        .reason = ""};
    const auto decision = Decide(nullptr, change, At(kOutside));
    ASSERT_FALSE(decision.has_value());
    EXPECT_TRUE(decision.error().Is(Errc::kInvalidArgument));
}

TEST(DecisionTable, DecideWindowAfterApproval) {
    const Policy manual = Column(1, true);
    EXPECT_EQ(DecideWindow(&manual, At(kOutside), "approved").verdict, V::kDeferToWindow);
    EXPECT_EQ(DecideWindow(&manual, At(kInside), "approved").verdict, V::kAllowNow);
    EXPECT_EQ(DecideWindow(nullptr, At(kOutside), "approved").verdict, V::kAllowNow);
}

Change Forced(ChangeKind kind, std::string role, std::string reason) {
    return Change{.kind = kind,
                  .severity = Severity::kLow,
                  .force = true,
                  .principal_role = std::move(role),
                  .reason = std::move(reason)};
}

TEST(DecisionForce, AnAdminWithAReasonOverridesRefusalWindowAndApproval) {
    for (int column = 0; column < 4; ++column) {
        const Policy policy = Column(column, true);
        for (const ChangeKind kind : {ChangeKind::kOperatorDeployment, ChangeKind::kAutoUpdate,
                                      ChangeKind::kPatch, ChangeKind::kRollback}) {
            const auto decision =
                Decide(&policy, Forced(kind, "admin", "incident 42"), At(kOutside));
            ASSERT_TRUE(decision.has_value());
            EXPECT_EQ(decision->verdict, V::kAllowNow) << column << ToString(kind);
            if (kind != ChangeKind::kRollback) {
                EXPECT_NE(decision->reason.find("incident 42"), std::string::npos)
                    << decision->reason;
            }
        }
    }
}

TEST(DecisionForce, NeedsTheAdminRole) {
    const Policy frozen = Column(2, false);
    const auto decision =
        Decide(&frozen, Forced(ChangeKind::kOperatorDeployment, "operator", "why"), At(kOutside));
    ASSERT_FALSE(decision.has_value());
    EXPECT_TRUE(decision.error().Is(Errc::kPermissionDenied));
}

TEST(DecisionForce, NeedsAReason) {
    const Policy frozen = Column(2, false);
    const auto decision =
        Decide(&frozen, Forced(ChangeKind::kOperatorDeployment, "admin", ""), At(kOutside));
    ASSERT_FALSE(decision.has_value());
    EXPECT_TRUE(decision.error().Is(Errc::kInvalidArgument));
}

TEST(DecisionNames, RoundTrip) {
    for (const PolicyType type :
         {PolicyType::kAutoUpdate, PolicyType::kManualApproval, PolicyType::kFrozen}) {
        EXPECT_EQ(ParsePolicyType(ToString(type)), type);
    }
    for (const Severity s :
         {Severity::kCritical, Severity::kHigh, Severity::kMedium, Severity::kLow}) {
        EXPECT_EQ(ParseSeverity(ToString(s)), s);
    }
    EXPECT_FALSE(ParsePolicyType("yolo").has_value());
    EXPECT_FALSE(ParseSeverity("urgent").has_value());
}

// The rule a deployment keeps (ADR 0023): only a verdict that awaits approval carries it.
TEST(DecisionTable, AnApprovalVerdictCarriesTheRuleInForce) {
    Policy manual = Column(1, true);
    manual.approval.required_approvals = 3;
    manual.approval.approver_roles = {"admin"};
    for (const Row& row : kTable) {
        const auto decision = Decide(&manual, ChangeOf(row), At(kOutside));
        ASSERT_TRUE(decision.has_value());
        if (decision->verdict == V::kAwaitApproval) {
            ASSERT_TRUE(decision->approval) << Cell(row, 1);
            EXPECT_EQ(decision->approval->required_approvals, 3);
            EXPECT_EQ(decision->approval->approver_roles, std::vector<std::string>{"admin"});
        } else {
            EXPECT_FALSE(decision->approval) << Cell(row, 1);
        }
    }
    const auto forced =
        Decide(&manual, Forced(ChangeKind::kOperatorDeployment, "admin", "why"), At(kOutside));
    ASSERT_TRUE(forced.has_value());
    EXPECT_FALSE(forced->approval);
}

}  // namespace
}  // namespace waka::coordinator::policy
