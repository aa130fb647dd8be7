#include "shared/core/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

namespace waka::log {

void Init(std::string_view level) {
    auto logger = spdlog::stderr_logger_mt("waka");
    spdlog::set_default_logger(logger);
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
    auto parsed = spdlog::level::from_str(std::string(level));
    // from_str answers "off" for unknown names; an unknown name should not silence the daemon.
    if (parsed == spdlog::level::off && level != "off") {
        parsed = spdlog::level::info;
    }
    spdlog::set_level(parsed);
}

}  // namespace waka::log
