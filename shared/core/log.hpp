#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

// Logging facade: one line per event on stderr (journald keeps it), "level message key=value ...".
// Call sites use waka::log::Info("deployment queued deployment_id={}", id). Never log a secret.
namespace waka::log {

// Sets the level ("trace".."critical", "off") and the line format. Unknown levels fall back to info.
void Init(std::string_view level);

using spdlog::debug;
using spdlog::error;
using spdlog::info;
using spdlog::warn;

template <class... Args>
void Debug(spdlog::format_string_t<Args...> fmt, Args&&... args) {
    spdlog::debug(fmt, std::forward<Args>(args)...);
}
template <class... Args>
void Info(spdlog::format_string_t<Args...> fmt, Args&&... args) {
    spdlog::info(fmt, std::forward<Args>(args)...);
}
template <class... Args>
void Warn(spdlog::format_string_t<Args...> fmt, Args&&... args) {
    spdlog::warn(fmt, std::forward<Args>(args)...);
}
template <class... Args>
void Error(spdlog::format_string_t<Args...> fmt, Args&&... args) {
    spdlog::error(fmt, std::forward<Args>(args)...);
}

}  // namespace waka::log
