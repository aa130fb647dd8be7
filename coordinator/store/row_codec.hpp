#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/store/types.hpp"
#include "shared/core/clock.hpp"

// Conversions between domain records and the text of JSONB and TIMESTAMPTZ columns. Timestamps
// travel as RFC 3339 text in parameters and as epoch milliseconds in results (SqlMillis).
namespace waka::coordinator::store {

[[nodiscard]] std::string InventoryToJson(const std::vector<InstalledComponent>& inventory);
[[nodiscard]] std::vector<InstalledComponent> InventoryFromJson(const std::string& json);
[[nodiscard]] std::string PlanToJson(const std::vector<PlannedChange>& plan);
[[nodiscard]] std::vector<PlannedChange> PlanFromJson(const std::string& json);
[[nodiscard]] std::string StringMapToJson(const std::map<std::string, std::string>& map);
[[nodiscard]] std::map<std::string, std::string> StringMapFromJson(const std::string& json);

// SQL expression reading a timestamptz column as epoch milliseconds: SqlMillis("created_at").
[[nodiscard]] std::string SqlMillis(const std::string& column);
[[nodiscard]] TimePoint FromMillis(long long millis);
[[nodiscard]] std::optional<TimePoint> FromOptionalMillis(const std::optional<long long>& millis);

}  // namespace waka::coordinator::store
