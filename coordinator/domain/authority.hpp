#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "coordinator/domain/model.hpp"
#include "coordinator/policy/decision.hpp"

// Who may decide what (ADR 0023). Pure rules over roles; the routes, the approval workflow and
// the policy store ask them, and say what they answer.
namespace waka::coordinator::domain {

// Whether a caller holding `held` may do what needs `needed`. The deploying roles are a ladder
// (viewer < operator < approver < admin: each may do what the ones below it may). The publisher
// stands beside it: it may do what a viewer may and publish, nothing else; of the ladder only
// admin may publish. So a stolen operator token cannot register what it then deploys, and a
// stolen publisher token cannot deploy what it registered.
[[nodiscard]] bool Grants(Role held, Role needed);

// "the operator role or higher", "the publisher role (or admin)", "the admin role": what a
// refusal says the caller lacks.
[[nodiscard]] std::string RequirementText(Role needed);

// Why `by` may not change, replace or delete (`verb`: "change", "replace", "delete") the
// instance's policy `current`, or nothing when it may. A manual_approval or frozen policy is the
// four-eyes rule itself: only an admin may loosen or remove it, so that whoever requests a
// deployment cannot switch off the approval it needs. Other policies: whoever reaches the route.
[[nodiscard]] std::optional<std::string> CheckPolicyChange(const Principal& by,
                                                           policy::PolicyType current,
                                                           std::string_view verb);

}  // namespace waka::coordinator::domain
