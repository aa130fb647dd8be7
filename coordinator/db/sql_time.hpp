#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "shared/core/clock.hpp"

// TIMESTAMPTZ in and out of libpqxx as text. Every pooled connection runs with TimeZone=UTC and
// DateStyle=ISO, so PostgreSQL prints "2026-11-26 14:58:33.123456+00".
namespace waka::coordinator::db {

// RFC 3339 UTC with microseconds ("2026-11-26T14:58:33.123456Z"), the precision TIMESTAMPTZ keeps.
// Pass it as a query parameter and cast: "... VALUES ($1::timestamptz)".
[[nodiscard]] std::string ToSqlTimestamp(TimePoint t);

// Parses a TIMESTAMPTZ column as PostgreSQL prints it on our connections (also accepts RFC 3339).
[[nodiscard]] std::optional<TimePoint> ParseSqlTimestamp(std::string_view text);

}  // namespace waka::coordinator::db
