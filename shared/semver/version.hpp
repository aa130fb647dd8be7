#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shared/core/error.hpp"

// Semantic versions as defined by SemVer 2.0.0 (https://semver.org/spec/v2.0.0.html).
namespace waka::semver {

struct Version {
    std::uint64_t major = 0;
    std::uint64_t minor = 0;
    std::uint64_t patch = 0;
    std::vector<std::string>
        prerelease;     // dot-separated identifiers after '-'; empty for a release
    std::string build;  // text after '+' (without it); ignored by every comparison

    [[nodiscard]] bool IsPrerelease() const { return !prerelease.empty(); }
    // Canonical text: "1.2.3", "1.0.0-rc.1", "1.0.0+build.5".
    [[nodiscard]] std::string ToString() const;

    // SemVer precedence: major, minor, patch numerically; a pre-release is lower than its release;
    // pre-release identifiers compare left to right, numeric ones numerically, numeric lower than
    // alphanumeric, alphanumeric ones in ASCII order, and a shorter list is lower when it is a
    // prefix of the longer. Build metadata is ignored, so 1.0.0+a == 1.0.0+b (hence a weak
    // ordering).
    friend std::weak_ordering operator<=>(const Version& a, const Version& b);
    friend bool operator==(const Version& a, const Version& b) {
        return (a <=> b) == std::weak_ordering::equivalent;
    }
};

// Negative, zero or positive as a precedes, equals or follows b (same order as operator<=>).
[[nodiscard]] int Compare(const Version& a, const Version& b);

// Strict SemVer 2.0.0: exactly MAJOR.MINOR.PATCH, each fitting 64 bits, no leading zeros in numeric
// identifiers (core or pre-release), no empty identifiers, identifiers of [0-9A-Za-z-] only, no
// "v" prefix, no surrounding spaces. Errors are Errc::kInvalidArgument naming the text and the
// fault.
[[nodiscard]] Expected<Version> ParseVersion(std::string_view text);

[[nodiscard]] inline std::string ToString(const Version& v) { return v.ToString(); }

// True when both texts are strict SemVer and `a` precedes `b`; false when either does not parse
// (callers that must refuse bad versions check them on their own terms).
[[nodiscard]] bool Precedes(std::string_view a, std::string_view b);

}  // namespace waka::semver
