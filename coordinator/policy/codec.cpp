#include "coordinator/policy/codec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>

namespace waka::coordinator::policy {
namespace {

constexpr std::int64_t kMaxApprovals = 10;
constexpr std::int64_t kMaxTimeoutHours = 24 * 365;
// Four-eyes (ADR 0023): a role that deploys or publishes never approves.
constexpr std::array<std::string_view, 2> kApproverRoles = {"approver", "admin"};

bool CheckMembers(const boost::json::object& object, std::initializer_list<std::string_view> known,
                  const std::string& field, std::vector<InvalidField>& errors) {
    bool ok = true;
    for (const auto& member : object) {
        if (std::ranges::find(known, std::string_view(member.key())) == known.end()) {
            errors.push_back({field + "." + std::string(member.key()), "unknown field"});
            ok = false;
        }
    }
    return ok;
}

std::optional<std::int64_t> Integer(const boost::json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    if (value == nullptr || !value->is_int64()) {
        return std::nullopt;
    }
    return value->as_int64();
}

std::optional<std::string> String(const boost::json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    if (value == nullptr || !value->is_string()) {
        return std::nullopt;
    }
    return std::string(value->as_string());
}

// A JSON array of strings; nullopt when it is something else.
std::optional<std::vector<std::string>> Strings(const boost::json::object& object,
                                                std::string_view key) {
    const auto* value = object.if_contains(key);
    if (value == nullptr || !value->is_array()) {
        return std::nullopt;
    }
    std::vector<std::string> out;
    for (const auto& item : value->as_array()) {
        if (!item.is_string()) {
            return std::nullopt;
        }
        out.emplace_back(item.as_string());
    }
    return out;
}

std::optional<MaintenanceWindow> WindowFromJson(const boost::json::value& value,
                                                const std::string& field,
                                                std::vector<InvalidField>& errors) {
    if (!value.is_object()) {
        errors.push_back({field, "must be an object"});
        return std::nullopt;
    }
    const auto& object = value.as_object();
    if (!CheckMembers(object, {"days", "start", "duration_minutes", "timezone"}, field, errors)) {
        return std::nullopt;
    }
    WindowSpec spec;
    const auto days = Strings(object, "days");
    if (!days) {
        errors.push_back({field + ".days", "must be an array of weekdays (mon..sun)"});
        return std::nullopt;
    }
    spec.days = *days;
    spec.start = String(object, "start").value_or("");
    spec.duration_minutes = Integer(object, "duration_minutes").value_or(0);
    spec.timezone = String(object, "timezone").value_or("");
    return ParseWindow(spec, field, errors);
}

}  // namespace

std::optional<std::vector<MaintenanceWindow>> WindowsFromJson(const boost::json::value& value,
                                                              std::string_view field,
                                                              std::vector<InvalidField>& errors) {
    if (!value.is_array()) {
        errors.push_back({std::string(field), "must be an array of windows"});
        return std::nullopt;
    }
    const std::size_t before = errors.size();
    std::vector<MaintenanceWindow> windows;
    const auto& array = value.as_array();
    for (std::size_t i = 0; i < array.size(); ++i) {
        auto window = WindowFromJson(array[i], fmt::format("{}[{}]", field, i), errors);
        if (window) {
            windows.push_back(std::move(*window));
        }
    }
    if (errors.size() != before) {
        return std::nullopt;
    }
    return windows;
}

boost::json::value WindowsToJson(const std::vector<MaintenanceWindow>& windows) {
    boost::json::array array;
    for (const MaintenanceWindow& window : windows) {
        boost::json::array days;
        for (const std::string& day : window.DayNames()) {
            days.emplace_back(day);
        }
        array.push_back(boost::json::object{{"days", std::move(days)},
                                            {"start", window.StartText()},
                                            {"duration_minutes", window.duration_minutes},
                                            {"timezone", window.timezone}});
    }
    return array;
}

std::optional<ApprovalRule> ApprovalFromJson(const boost::json::value& value,
                                             std::string_view field,
                                             std::vector<InvalidField>& errors) {
    const std::string base(field);
    if (!value.is_object()) {
        errors.push_back({base, "must be an object"});
        return std::nullopt;
    }
    const auto& object = value.as_object();
    const std::size_t before = errors.size();
    CheckMembers(object, {"required_approvals", "approver_roles", "timeout_hours"}, base, errors);
    ApprovalRule rule;
    if (object.contains("required_approvals")) {
        const auto count = Integer(object, "required_approvals");
        if (!count || *count < 1 || *count > kMaxApprovals) {
            errors.push_back({base + ".required_approvals",
                              fmt::format("must be an integer from 1 to {}", kMaxApprovals)});
        } else {
            rule.required_approvals = *count;
        }
    }
    if (object.contains("timeout_hours")) {
        const auto hours = Integer(object, "timeout_hours");
        if (!hours || *hours < 1 || *hours > kMaxTimeoutHours) {
            errors.push_back({base + ".timeout_hours",
                              fmt::format("must be an integer from 1 to {}", kMaxTimeoutHours)});
        } else {
            rule.timeout_hours = *hours;
        }
    }
    if (object.contains("approver_roles")) {
        const auto roles = Strings(object, "approver_roles");
        const bool known = roles && !roles->empty() && std::ranges::all_of(*roles, [](auto& r) {
                               return std::ranges::find(kApproverRoles, r) != kApproverRoles.end();
                           });
        if (!known) {
            errors.push_back(
                {base + ".approver_roles",
                 "must list approver, admin or both: only those roles may approve (four-eyes)"});
        } else {
            rule.approver_roles = *roles;
        }
    }
    if (errors.size() != before) {
        return std::nullopt;
    }
    return rule;
}

boost::json::value ApprovalToJson(const ApprovalRule& approval) {
    boost::json::array roles;
    for (const std::string& role : approval.approver_roles) {
        roles.emplace_back(role);
    }
    return boost::json::object{{"required_approvals", approval.required_approvals},
                               {"approver_roles", std::move(roles)},
                               {"timeout_hours", approval.timeout_hours}};
}

}  // namespace waka::coordinator::policy
