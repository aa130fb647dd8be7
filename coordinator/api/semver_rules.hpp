#pragma once

#include <optional>
#include <string>
#include <string_view>

// The few SemVer facts the API needs to validate input and order releases, as plain answers over
// shared/semver (waka_semver).
namespace waka::coordinator::api {

// True for a strict SemVer 2.0.0 version: "1.2.3", "1.2.3-rc.1", "1.2.3+build.5" (no "v", no
// leading zeros in numeric identifiers).
[[nodiscard]] bool IsStrictSemVer(std::string_view text);

// SemVer 2.0.0 precedence: negative, zero or positive. Build metadata is ignored. Both arguments
// must be valid (IsStrictSemVer); invalid text sorts before valid text.
[[nodiscard]] int CompareSemVer(std::string_view a, std::string_view b);

// Checks a range expression (npm syntax: ">=2.0.0 <3.0.0", "^1.5", "~1.5.2", "1.5.x", "1.5.0",
// "*", "1.0.0 - 2.0.0", alternatives joined by "||"). Answers nullopt when valid, else why not.
[[nodiscard]] std::optional<std::string> CheckSemVerRange(std::string_view text);

}  // namespace waka::coordinator::api
