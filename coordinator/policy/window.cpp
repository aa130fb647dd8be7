#include "coordinator/policy/window.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <exception>

namespace waka::coordinator::policy {
namespace {

using std::chrono::minutes;

constexpr std::array<std::string_view, 7> kShortDays = {"sun", "mon", "tue", "wed",
                                                        "thu", "fri", "sat"};
constexpr std::array<std::string_view, 7> kLongDays = {"sunday",   "monday", "tuesday", "wednesday",
                                                       "thursday", "friday", "saturday"};
// A window lasts at most a week, so an occurrence that is still open started at most 8 local
// days ago (one more for the zone's offset).
constexpr int kLookBackDays = 8;
constexpr int kLookAheadDays = 9;

std::string Lower(std::string_view text) {
    std::string out(text);
    std::ranges::transform(out, out.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// The instant a window that opens on local day `day` starts. In a gap the local start does not
// exist: the window opens at the transition (the first valid instant after). In an overlap it
// occurs twice: the earlier instant wins, so the window never opens an hour late.
TimePoint OccurrenceStart(const MaintenanceWindow& window, date::local_days day) {
    const date::local_seconds local = day + minutes(window.start_minute);
    const date::local_info info = window.zone->get_info(local);
    if (info.result == date::local_info::nonexistent) {
        return info.first.end;
    }
    return date::sys_seconds{local.time_since_epoch() - info.first.offset};
}

bool OpensOn(const MaintenanceWindow& window, date::local_days day) {
    const date::weekday wd{day};
    return std::ranges::find(window.days, wd) != window.days.end();
}

date::local_days LocalToday(const MaintenanceWindow& window, TimePoint now) {
    const auto local = window.zone->to_local(std::chrono::floor<std::chrono::seconds>(now));
    return std::chrono::floor<date::days>(local);
}

bool IsOpen(const MaintenanceWindow& window, TimePoint now) {
    const date::local_days today = LocalToday(window, now);
    for (int back = 0; back <= kLookBackDays; ++back) {
        const date::local_days day = today - date::days{back};
        if (!OpensOn(window, day)) {
            continue;
        }
        const TimePoint start = OccurrenceStart(window, day);
        if (start <= now && now < start + minutes(window.duration_minutes)) {
            return true;
        }
    }
    return false;
}

std::optional<TimePoint> NextStart(const MaintenanceWindow& window, TimePoint now) {
    const date::local_days today = LocalToday(window, now);
    for (int ahead = -1; ahead <= kLookAheadDays; ++ahead) {
        const date::local_days day = today + date::days{ahead};
        if (!OpensOn(window, day)) {
            continue;
        }
        const TimePoint start = OccurrenceStart(window, day);
        if (start > now) {
            return start;
        }
    }
    return std::nullopt;
}

void ParseDays(const WindowSpec& spec, const std::string& field, MaintenanceWindow& window,
               std::vector<InvalidField>& errors) {
    if (spec.days.empty()) {
        errors.push_back({field, "must list at least one weekday (mon..sun)"});
        return;
    }
    for (const std::string& name : spec.days) {
        const auto day = ParseWeekday(name);
        if (!day) {
            errors.push_back({field, fmt::format("unknown weekday '{}' (use mon..sun)", name)});
            return;
        }
        if (std::ranges::find(window.days, *day) != window.days.end()) {
            errors.push_back({field, fmt::format("weekday '{}' is listed twice", name)});
            return;
        }
        window.days.push_back(*day);
    }
}

}  // namespace

std::vector<std::string> MaintenanceWindow::DayNames() const {
    std::vector<std::string> names;
    names.reserve(days.size());
    for (const date::weekday day : days) {
        names.emplace_back(kShortDays.at(day.c_encoding()));
    }
    return names;
}

std::string MaintenanceWindow::StartText() const {
    return fmt::format("{:02}:{:02}", start_minute / 60, start_minute % 60);
}

std::optional<int> ParseStart(std::string_view text) {
    if (text.size() != 5 || text[2] != ':') {
        return std::nullopt;
    }
    for (const std::size_t i : {0U, 1U, 3U, 4U}) {
        if (std::isdigit(static_cast<unsigned char>(text[i])) == 0) {
            return std::nullopt;
        }
    }
    const int hours = (text[0] - '0') * 10 + (text[1] - '0');
    const int mins = (text[3] - '0') * 10 + (text[4] - '0');
    if (hours > 23 || mins > 59) {
        return std::nullopt;
    }
    return hours * 60 + mins;
}

std::optional<date::weekday> ParseWeekday(std::string_view text) {
    const std::string name = Lower(text);
    for (unsigned i = 0; i < kShortDays.size(); ++i) {
        if (name == kShortDays.at(i) || name == kLongDays.at(i)) {
            return date::weekday{i};
        }
    }
    return std::nullopt;
}

const date::time_zone* FindZone(const std::string& name) {
    if (name.empty()) {
        return nullptr;
    }
    try {
        return date::locate_zone(name);
    } catch (const std::exception&) {
        // date throws for unknown names; an unknown name is an input error, not a failure.
        return nullptr;
    }
}

std::optional<MaintenanceWindow> ParseWindow(const WindowSpec& spec, std::string_view prefix,
                                             std::vector<InvalidField>& errors) {
    const std::size_t errors_before = errors.size();
    const std::string base(prefix);
    MaintenanceWindow window;
    ParseDays(spec, base + ".days", window, errors);
    if (const auto start = ParseStart(spec.start)) {
        window.start_minute = *start;
    } else {
        errors.push_back({base + ".start", "must be HH:MM (00:00..23:59)"});
    }
    if (spec.duration_minutes < 1 || spec.duration_minutes > kMaxWindowMinutes) {
        errors.push_back({base + ".duration_minutes",
                          fmt::format("must be between 1 and {} (one week)", kMaxWindowMinutes)});
    }
    window.duration_minutes = spec.duration_minutes;
    window.timezone = spec.timezone;
    window.zone = FindZone(spec.timezone);
    if (window.zone == nullptr) {
        errors.push_back(
            {base + ".timezone", fmt::format("unknown IANA time zone '{}'", spec.timezone)});
    }
    if (errors.size() != errors_before) {
        return std::nullopt;
    }
    return window;
}

bool IsInWindow(const std::vector<MaintenanceWindow>& windows, TimePoint now) {
    return std::ranges::any_of(windows,
                               [now](const MaintenanceWindow& w) { return IsOpen(w, now); });
}

std::optional<TimePoint> NextWindowStart(const std::vector<MaintenanceWindow>& windows,
                                         TimePoint now) {
    std::optional<TimePoint> best;
    for (const MaintenanceWindow& window : windows) {
        const auto start = NextStart(window, now);
        if (start && (!best || *start < *best)) {
            best = start;
        }
    }
    return best;
}

}  // namespace waka::coordinator::policy
