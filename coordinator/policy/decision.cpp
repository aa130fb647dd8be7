#include "coordinator/policy/decision.hpp"

#include <fmt/format.h>

namespace waka::coordinator::policy {
namespace {

// The effective policy: a missing or disabled one decides as the default.
const Policy& Effective(const Policy* policy, const Policy& fallback) {
    if (policy == nullptr || !policy->enabled) {
        return fallback;
    }
    return *policy;
}

Decision Refuse(std::string reason) {
    return {.verdict = Verdict::kRefuse, .window_start = std::nullopt, .reason = std::move(reason)};
}

Decision Now(std::string reason) {
    return {
        .verdict = Verdict::kAllowNow, .window_start = std::nullopt, .reason = std::move(reason)};
}

Decision Approval(std::string reason) {
    return {.verdict = Verdict::kAwaitApproval,
            .window_start = std::nullopt,
            .reason = std::move(reason)};
}

Decision Window(const Policy& policy, TimePoint now, std::string reason) {
    if (policy.windows.empty()) {
        return Now(reason + "; no maintenance window: now");
    }
    if (IsInWindow(policy.windows, now)) {
        return Now(reason + "; a maintenance window is open");
    }
    const auto next = NextWindowStart(policy.windows, now);
    if (!next) {
        return Refuse(reason + "; no maintenance window ever opens");  // unreachable once parsed
    }
    return {.verdict = Verdict::kDeferToWindow,
            .window_start = next,
            .reason = fmt::format("{}; deferred to the next maintenance window at {}", reason,
                                  FormatRfc3339(*next))};
}

Decision Operator(const Policy& policy, TimePoint now) {
    switch (policy.type) {
        case PolicyType::kAutoUpdate:
            return Window(policy, now, "operator deployment under auto_update");
        case PolicyType::kManualApproval:
            return Approval("operator deployment under manual_approval: awaits approval");
        case PolicyType::kFrozen:
            break;
    }
    return Refuse("instance is frozen: operator deployments are refused");
}

Decision AutoUpdate(const Policy& policy, TimePoint now) {
    switch (policy.type) {
        case PolicyType::kAutoUpdate:
            return Window(policy, now, "auto-update under auto_update");
        case PolicyType::kManualApproval:
            return Approval("auto-update under manual_approval: proposed, awaits approval");
        case PolicyType::kFrozen:
            break;
    }
    return Refuse("instance is frozen: no auto-update");
}

Decision Patch(const Policy& policy, Severity severity, TimePoint now) {
    const std::string what =
        fmt::format("{} patch under {}", ToString(severity), ToString(policy.type));
    if (severity == Severity::kCritical) {
        return Now(what + ": critical patches run now");
    }
    if (policy.type == PolicyType::kFrozen && !policy.allow_security_patches) {
        return Refuse(what + ": security patches are not allowed on this frozen instance");
    }
    const bool needs_approval = policy.type == PolicyType::kManualApproval &&
                                (severity == Severity::kMedium || severity == Severity::kLow);
    if (needs_approval) {
        return Approval(what + ": awaits approval");
    }
    return Window(policy, now, what);
}

Expected<Decision> DecideUnforced(const Policy& policy, const Change& change, TimePoint now) {
    switch (change.kind) {
        case ChangeKind::kOperatorDeployment:
            return Operator(policy, now);
        case ChangeKind::kAutoUpdate:
            return AutoUpdate(policy, now);
        case ChangeKind::kPatch:
            if (!change.severity) {
                return MakeError(Errc::kInvalidArgument, "a patch needs a severity");
            }
            return Patch(policy, *change.severity, now);
        case ChangeKind::kRollback:
            break;
    }
    return Now("rollback runs now under every policy");
}

}  // namespace

Policy DefaultPolicy() { return Policy{}; }

Expected<Decision> Decide(const Policy* policy, const Change& change, TimePoint now) {
    const Policy fallback = DefaultPolicy();
    const Policy& effective = Effective(policy, fallback);
    auto decision = DecideUnforced(effective, change, now);
    if (decision && decision->verdict == Verdict::kAwaitApproval) {
        decision->approval = effective.approval;
    }
    if (!decision || !change.force) {
        return decision;
    }
    if (change.principal_role != "admin") {
        return MakeError(Errc::kPermissionDenied, "force needs the admin role");
    }
    if (change.reason.empty()) {
        return MakeError(Errc::kInvalidArgument, "force needs a reason");
    }
    if (decision->verdict == Verdict::kAllowNow) {
        return decision;
    }
    return Now(fmt::format("forced by an admin ({}) over: {}", change.reason, decision->reason));
}

Decision DecideWindow(const Policy* policy, TimePoint now, std::string reason) {
    const Policy fallback = DefaultPolicy();
    return Window(Effective(policy, fallback), now, std::move(reason));
}

std::string_view ToString(PolicyType type) {
    switch (type) {
        case PolicyType::kAutoUpdate:
            return "auto_update";
        case PolicyType::kManualApproval:
            return "manual_approval";
        case PolicyType::kFrozen:
            break;
    }
    return "frozen";
}

std::string_view ToString(ChangeKind kind) {
    switch (kind) {
        case ChangeKind::kOperatorDeployment:
            return "operator_deployment";
        case ChangeKind::kAutoUpdate:
            return "auto_update";
        case ChangeKind::kPatch:
            return "patch";
        case ChangeKind::kRollback:
            break;
    }
    return "rollback";
}

std::string_view ToString(Severity severity) {
    switch (severity) {
        case Severity::kCritical:
            return "critical";
        case Severity::kHigh:
            return "high";
        case Severity::kMedium:
            return "medium";
        case Severity::kLow:
            break;
    }
    return "low";
}

std::string_view ToString(Verdict verdict) {
    switch (verdict) {
        case Verdict::kAllowNow:
            return "allow_now";
        case Verdict::kDeferToWindow:
            return "defer_to_window";
        case Verdict::kAwaitApproval:
            return "await_approval";
        case Verdict::kRefuse:
            break;
    }
    return "refuse";
}

std::optional<PolicyType> ParsePolicyType(std::string_view text) {
    for (const PolicyType type :
         {PolicyType::kAutoUpdate, PolicyType::kManualApproval, PolicyType::kFrozen}) {
        if (text == ToString(type)) {
            return type;
        }
    }
    return std::nullopt;
}

std::optional<Severity> ParseSeverity(std::string_view text) {
    for (const Severity severity :
         {Severity::kCritical, Severity::kHigh, Severity::kMedium, Severity::kLow}) {
        if (text == ToString(severity)) {
            return severity;
        }
    }
    return std::nullopt;
}

}  // namespace waka::coordinator::policy
