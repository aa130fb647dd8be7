#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coordinator/policy/decision.hpp"
#include "coordinator/policy/window.hpp"

// JSON forms of the policy settings, shared by the API (request bodies, responses) and the store
// (jsonb columns), so both validate with the same rules and name fields the same way.
namespace waka::coordinator::policy {

// [{"days": ["mon"], "start": "02:00", "duration_minutes": 60, "timezone": "Africa/Lagos"}].
// field names the array in errors ("maintenance_windows" -> "maintenance_windows[1].start").
// Unknown members and wrong types are errors too. Appends errors; nullopt when there was any.
[[nodiscard]] std::optional<std::vector<MaintenanceWindow>> WindowsFromJson(
    const boost::json::value& value, std::string_view field, std::vector<InvalidField>& errors);
[[nodiscard]] boost::json::value WindowsToJson(const std::vector<MaintenanceWindow>& windows);

// {"required_approvals": 1..10, "approver_roles": ["approver", "admin"], "timeout_hours": 1..8760};
// members left out keep their defaults. approver_roles names approver, admin or both (a role that
// deploys or publishes never approves: ADR 0023).
[[nodiscard]] std::optional<ApprovalRule> ApprovalFromJson(const boost::json::value& value,
                                                           std::string_view field,
                                                           std::vector<InvalidField>& errors);
[[nodiscard]] boost::json::value ApprovalToJson(const ApprovalRule& approval);

}  // namespace waka::coordinator::policy
