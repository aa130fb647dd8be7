#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "shared/core/error.hpp"

// Internal to waka_semver: the lexical pieces shared by versions and ranges.
namespace waka::semver::detail {

// "1.2.3" -> {"1","2","3"}; "" -> {""}; "a..b" -> {"a","","b"} (empty parts are kept for checks).
[[nodiscard]] std::vector<std::string_view> SplitDots(std::string_view text);

// A SemVer numeric identifier: digits only, no leading zero unless it is "0", fits 64 bits.
[[nodiscard]] Expected<std::uint64_t> ParseNumericIdentifier(std::string_view id);

// A pre-release (strict numeric rule) or build identifier: non-empty, [0-9A-Za-z-].
[[nodiscard]] Expected<void> CheckIdentifier(std::string_view id, bool prerelease);

}  // namespace waka::semver::detail
