#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coordinator/policy/window.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/error.hpp"

// The one policy decision of docs/design.md §4.1: which change may run, and when. Pure: the caller
// supplies the policy, the change and the time; nothing here reads or writes state.
namespace waka::coordinator::policy {

enum class PolicyType { kAutoUpdate, kManualApproval, kFrozen };
enum class ChangeKind { kOperatorDeployment, kAutoUpdate, kPatch, kRollback };
enum class Severity { kCritical, kHigh, kMedium, kLow };
enum class Verdict { kAllowNow, kDeferToWindow, kAwaitApproval, kRefuse };

struct ApprovalRule {
    std::int64_t required_approvals = 1;
    std::vector<std::string> approver_roles = {"approver", "admin"};
    std::int64_t timeout_hours = 72;
};

// The settings the decision reads. A disabled policy decides like the default policy.
struct Policy {
    PolicyType type = PolicyType::kAutoUpdate;
    bool enabled = true;
    std::vector<MaintenanceWindow> windows;
    ApprovalRule approval;
    bool allow_security_patches = true;
};

// An instance without an (enabled) policy behaves as auto_update without windows (ADR 0009).
[[nodiscard]] Policy DefaultPolicy();

struct Change {
    ChangeKind kind = ChangeKind::kOperatorDeployment;
    std::optional<Severity> severity;  // required for patches, ignored otherwise
    bool force = false;                // admin only, reason required
    std::string principal_role;        // role of the requester ("admin", "operator", ...)
    std::string reason;
};

struct Decision {
    Verdict verdict = Verdict::kAllowNow;
    // DeferToWindow: when the next window opens.
    std::optional<TimePoint> window_start;
    // For people and the audit log: which rule decided.
    std::string reason;
    // AwaitApproval: the approval rule in force, which the deployment keeps (ADR 0023), so that a
    // later change of the policy does not change who must approve it.
    std::optional<ApprovalRule> approval;
};

// Decides a change. policy nullptr means the instance has none (the default applies). Errors:
// kInvalidArgument for a patch without severity or a force without reason; kPermissionDenied for
// a force by a non-admin. Force overrides a refusal, a window and an approval (never
// compatibility, which is not decided here).
[[nodiscard]] Expected<Decision> Decide(const Policy* policy, const Change& change, TimePoint now);

// The window part alone: allow now when there are no windows or one is open, else defer to the
// next start. Used after approvals complete ("after approvals, then next window").
[[nodiscard]] Decision DecideWindow(const Policy* policy, TimePoint now, std::string reason);

[[nodiscard]] std::string_view ToString(PolicyType type);
[[nodiscard]] std::string_view ToString(ChangeKind kind);
[[nodiscard]] std::string_view ToString(Severity severity);
[[nodiscard]] std::string_view ToString(Verdict verdict);
[[nodiscard]] std::optional<PolicyType> ParsePolicyType(std::string_view text);
[[nodiscard]] std::optional<Severity> ParseSeverity(std::string_view text);

}  // namespace waka::coordinator::policy
