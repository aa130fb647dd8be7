#pragma once

#include <string>
#include <string_view>

namespace waka {

// A server-made id: "<prefix>-<random uuid v4>" (e.g. "deploy-3f2c..."). Never derived from the clock.
[[nodiscard]] std::string NewId(std::string_view prefix);

// True for operator-chosen ids: 1-128 characters of [A-Za-z0-9._-], starting with a letter or digit.
[[nodiscard]] bool IsValidId(std::string_view id);

}  // namespace waka
