#include "shared/core/clock.hpp"

#include <date/date.h>

#include <sstream>

namespace waka {

std::string FormatRfc3339(TimePoint t) {
    const auto millis = std::chrono::floor<std::chrono::milliseconds>(t);
    return date::format("%FT%TZ", millis);
}

std::optional<TimePoint> ParseRfc3339(std::string_view text) {
    // date::parse wants a stream; "%FT%T%Ez" takes fractional seconds and an offset, "Z" handled
    // apart.
    std::string input(text);
    const bool zulu = !input.empty() && (input.back() == 'Z' || input.back() == 'z');
    if (zulu) {
        input.back() = '+';
        input += "00:00";
    }
    std::istringstream in(input);
    date::sys_time<std::chrono::microseconds> parsed;
    in >> date::parse("%FT%T%Ez", parsed);
    if (in.fail() || in.peek() != std::char_traits<char>::eof()) {
        return std::nullopt;
    }
    // TimePoint counts nanoseconds (years 1677 to 2262): a later or earlier instant would wrap
    // around in the cast, so it is refused like any unreadable text.
    // (time_point_cast truncates toward zero, so both casted bounds are inside the range).
    if (parsed > std::chrono::time_point_cast<std::chrono::microseconds>(TimePoint::max()) ||
        parsed < std::chrono::time_point_cast<std::chrono::microseconds>(TimePoint::min())) {
        return std::nullopt;
    }
    return std::chrono::time_point_cast<TimePoint::duration>(parsed);
}

}  // namespace waka
