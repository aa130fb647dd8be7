#include "coordinator/domain/model.hpp"

#include <array>
#include <utility>

namespace waka::coordinator::domain {
namespace {

// Spelled as in the api_tokens.role CHECK constraint.
constexpr std::array<std::pair<Role, std::string_view>, 5> kRoleNames{{
    {Role::kViewer, "viewer"},
    {Role::kOperator, "operator"},
    {Role::kApprover, "approver"},
    {Role::kAdmin, "admin"},
    {Role::kPublisher, "publisher"},
}};

}  // namespace

std::string_view RoleName(Role role) {
    for (const auto& [value, name] : kRoleNames) {
        if (value == role) {
            return name;
        }
    }
    return "viewer";
}

std::optional<Role> ParseRole(std::string_view name) {
    for (const auto& [value, role_name] : kRoleNames) {
        if (role_name == name) {
            return value;
        }
    }
    return std::nullopt;
}

}  // namespace waka::coordinator::domain
