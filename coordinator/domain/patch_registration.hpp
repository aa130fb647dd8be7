#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "coordinator/domain/model.hpp"

// Who may register which security patch, and which patches may be registered at all
// (ADR 0019). Pure: the caller has already checked that the fields parse (affected_versions a
// range, patched_version a version, severity one of the four words).
namespace waka::coordinator::domain {

// The role a caller needs to register a patch of this severity. A critical patch is forced through
// frozen and manual-approval instances at once (docs/design.md §4.1), so it needs the admin role;
// every other severity needs the publisher role (or admin), as every catalog write does (ADR 0023).
[[nodiscard]] Role RoleToRegister(std::string_view severity);

// Why `role` may not register a patch of this severity ("registering a critical patch needs the
// admin role; token:ops has the operator role"), or nothing when it may.
[[nodiscard]] std::optional<std::string> CheckRegistrationRole(std::string_view severity,
                                                               const Principal& by);

// For critical and high patches: patched_version must follow (SemVer precedence) every version the
// affected range admits, so that applying the patch moves every affected instance up. A range
// alternative with no upper bound admits versions above any patched version and is refused.
// Answers why the patch may not be registered, or nothing when it may (always nothing for medium
// and low, and for fields that do not parse: those are refused by the caller's field checks).
[[nodiscard]] std::optional<std::string> CheckPatchedAboveAffected(const SecurityPatch& patch);

}  // namespace waka::coordinator::domain
