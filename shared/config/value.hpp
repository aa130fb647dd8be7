#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "shared/config/config.hpp"
#include "shared/core/error.hpp"

// Internal to waka_config: typed access to a bound variable through its Target.
namespace waka::config::detail {

// Parses `text` (environment or command-line syntax, see config.hpp) into the target. On error the
// target is unchanged and the message states the problem without naming the source.
[[nodiscard]] Expected<void> AssignText(const Target& target, std::string_view text);

// Value as shown in --help: strings and paths quoted, numbers and bools plain.
[[nodiscard]] std::string FormatValue(const Target& target);

// "string", "bool", "int32", "uint16", ... as shown in --help and error messages.
[[nodiscard]] std::string_view TypeName(const Target& target);

// True for bool targets (which accept the bare --flag form).
[[nodiscard]] bool IsBool(const Target& target);

// A copy of every bound value, so a failed Load can put the defaults back.
using Value = std::variant<std::string, bool, int, std::int64_t, std::uint16_t, std::uint32_t,
                           std::uint64_t, double, std::filesystem::path>;
[[nodiscard]] std::vector<Value> Snapshot(const std::vector<Entry>& entries);
void Restore(const std::vector<Entry>& entries, const std::vector<Value>& values);

}  // namespace waka::config::detail
