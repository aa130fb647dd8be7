#include "coordinator/db/sql_time.hpp"

#include <date/date.h>

namespace waka::coordinator::db {

std::string ToSqlTimestamp(TimePoint t) {
    return date::format("%FT%TZ", std::chrono::floor<std::chrono::microseconds>(t));
}

std::optional<TimePoint> ParseSqlTimestamp(std::string_view text) {
    // "YYYY-MM-DD HH:MM:SS[.ffffff]+00[:MM]": turn it into RFC 3339 and reuse that parser.
    std::string rfc(text);
    if (rfc.size() > 10 && rfc[10] == ' ') {
        rfc[10] = 'T';
    }
    const auto sign = rfc.find_last_of("+-");
    if (sign != std::string::npos && sign > 10 && rfc.size() - sign == 3) {
        rfc += ":00";
    }
    return ParseRfc3339(rfc);
}

}  // namespace waka::coordinator::db
