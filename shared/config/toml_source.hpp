#pragma once

#include <filesystem>

#include "shared/config/config.hpp"
#include "shared/core/error.hpp"

// Internal to waka_config: the TOML file layer.
namespace waka::config::detail {

// Reads and parses `path`, then assigns every value it holds to the schema's targets. Errors:
// kNotFound (no such file), kIo (unreadable), kInvalidArgument (syntax error with line and column,
// unknown key, wrong type, out of range), each naming the file. May leave some targets assigned on
// error: the caller restores them.
[[nodiscard]] Expected<void> ApplyTomlFile(const Schema& schema, const std::filesystem::path& path);

}  // namespace waka::config::detail
