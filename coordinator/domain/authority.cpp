#include "coordinator/domain/authority.hpp"

namespace waka::coordinator::domain {
namespace {

// The ladder's rungs; the publisher is not on it.
int Rung(Role role) {
    switch (role) {
        case Role::kViewer:
            return 0;
        case Role::kOperator:
            return 1;
        case Role::kApprover:
            return 2;
        case Role::kAdmin:
            return 3;
        case Role::kPublisher:
            break;
    }
    return 0;
}

}  // namespace

bool Grants(Role held, Role needed) {
    if (held == needed || held == Role::kAdmin) {
        return true;
    }
    if (held == Role::kPublisher || needed == Role::kPublisher) {
        return needed == Role::kViewer;
    }
    return Rung(held) >= Rung(needed);
}

std::string RequirementText(Role needed) {
    const std::string name(RoleName(needed));
    switch (needed) {
        case Role::kAdmin:
            return "the admin role";
        case Role::kPublisher:
            return "the publisher role (or admin)";
        default:
            break;
    }
    return "the " + name + " role or higher";
}

std::optional<std::string> CheckPolicyChange(const Principal& by, policy::PolicyType current,
                                             std::string_view verb) {
    if (current == policy::PolicyType::kAutoUpdate || Grants(by.role, Role::kAdmin)) {
        return std::nullopt;
    }
    return "four-eyes: to " + std::string(verb) + " a " + std::string(policy::ToString(current)) +
           " policy needs the admin role (whoever requests a deployment must not be able to "
           "switch off its approval); " +
           by.actor + " has the " + std::string(RoleName(by.role)) + " role";
}

}  // namespace waka::coordinator::domain
