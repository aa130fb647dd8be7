#pragma once

#include <date/tz.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/core/clock.hpp"

// Maintenance windows (docs/design.md §3, §4.1): weekdays + local start "HH:MM" + duration, in an
// IANA time zone, evaluated with Howard Hinnant's date/tz over the system tzdata.
//
// Semantics (docs/policies.md):
// - A window opens on each listed weekday at the local start time of that day, and stays open for
//   duration_minutes of elapsed time (so a window crossing midnight, or a DST change, keeps its
//   length; a 60-minute window across a spring-forward still lasts 60 real minutes).
// - A start that falls in a DST gap (local time that does not exist) opens at the first valid
//   instant after it, i.e. the transition itself. A start in a DST overlap (local time that occurs
//   twice) opens at the earlier of the two instants.
// - Open means start <= now < start + duration: a change may start then and runs to its end; none
//   starts at or after the close.
namespace waka::coordinator::policy {

constexpr std::int64_t kMaxWindowMinutes = 7 * 24 * 60;

struct MaintenanceWindow {
    std::vector<date::weekday> days;  // distinct, in the order given
    int start_minute = 0;             // minutes after local midnight, 0..1439
    std::int64_t duration_minutes = 0;
    std::string timezone;                   // IANA name as given ("Europe/London")
    const date::time_zone* zone = nullptr;  // resolved from timezone; never null once parsed

    // The canonical texts, as stored and answered: "mon", "09:30".
    [[nodiscard]] std::vector<std::string> DayNames() const;
    [[nodiscard]] std::string StartText() const;
};

// A window as written by a client, before validation.
struct WindowSpec {
    std::vector<std::string> days;
    std::string start;
    std::int64_t duration_minutes = 0;
    std::string timezone;
};

// One problem with an input field; field is the full path ("maintenance_windows[0].timezone").
struct InvalidField {
    std::string field;
    std::string message;
    bool operator==(const InvalidField&) const = default;
};

// Validates a window. prefix names it in errors ("maintenance_windows[0]"). Appends one error per
// bad field to errors and answers nullopt when there was any. Days: mon..sun or monday..sunday,
// case-insensitive, at least one, no repeats.
[[nodiscard]] std::optional<MaintenanceWindow> ParseWindow(const WindowSpec& spec,
                                                           std::string_view prefix,
                                                           std::vector<InvalidField>& errors);

// "HH:MM" (two digits each, 00:00..23:59) to minutes after midnight.
[[nodiscard]] std::optional<int> ParseStart(std::string_view text);
[[nodiscard]] std::optional<date::weekday> ParseWeekday(std::string_view text);
// nullptr when the system tzdata does not know the name.
[[nodiscard]] const date::time_zone* FindZone(const std::string& name);

// True when now lies in an open occurrence of any window. No windows: false.
[[nodiscard]] bool IsInWindow(const std::vector<MaintenanceWindow>& windows, TimePoint now);

// The earliest occurrence start strictly after now of any window; nullopt when there are no
// windows. Callers first ask IsInWindow: a window open now is not "next".
[[nodiscard]] std::optional<TimePoint> NextWindowStart(
    const std::vector<MaintenanceWindow>& windows, TimePoint now);

}  // namespace waka::coordinator::policy
