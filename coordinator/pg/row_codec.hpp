#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/domain/model.hpp"
#include "shared/core/clock.hpp"

// Conversions between domain records and the text of JSONB and TIMESTAMPTZ columns. Timestamps
// travel as RFC 3339 text in parameters and as epoch milliseconds in results (SqlMillis).
namespace pqxx {
class field;
class row;
}  // namespace pqxx

namespace waka::coordinator::pg {

[[nodiscard]] std::string InventoryToJson(const std::vector<domain::InstalledComponent>& inventory);
[[nodiscard]] std::vector<domain::InstalledComponent> InventoryFromJson(const std::string& json);
[[nodiscard]] std::string PlanToJson(const std::vector<domain::PlannedChange>& plan);
// The deployments.approval_rule column's JSON text (NULL for none).
[[nodiscard]] std::optional<std::string> ApprovalRuleText(
    const std::optional<policy::ApprovalRule>& rule);
[[nodiscard]] std::vector<domain::PlannedChange> PlanFromJson(const std::string& json);
[[nodiscard]] std::string StringMapToJson(const std::map<std::string, std::string>& map);
[[nodiscard]] std::map<std::string, std::string> StringMapFromJson(const std::string& json);

// SQL expression reading a timestamptz column as epoch milliseconds: SqlMillis("created_at").
[[nodiscard]] std::string SqlMillis(const std::string& column);
[[nodiscard]] TimePoint FromMillis(long long millis);
// The deployments columns DeploymentFromRow reads (without events), for SELECT lists.
[[nodiscard]] const std::string& DeploymentColumns();
[[nodiscard]] domain::Deployment DeploymentFromRow(const pqxx::row& row);

// Deployment statuses as stored (the words of domain::ToString; a CHECK constraint keeps others
// out). StatusesText is a PostgreSQL text[] literal for "status = ANY($n::text[])": the guard of a
// transition, from the table of domain/deployment_status.hpp.
[[nodiscard]] std::string StatusText(domain::DeploymentStatus status);
[[nodiscard]] std::string StatusesText(const std::vector<domain::DeploymentStatus>& statuses);
[[nodiscard]] domain::DeploymentStatus StatusFromText(const std::string& text);

// A nullable column: text as is, a timestamptz selected through SqlMillis as a time point.
[[nodiscard]] std::optional<std::string> OptionalText(const pqxx::field& field);
// Release signatures are stored in base64 (text columns, JSONB plans) and held raw in memory. A
// stored value that does not decode reads as no signature, which the agent then refuses.
[[nodiscard]] std::string SignatureFromText(const std::optional<std::string>& base64);
[[nodiscard]] std::string SignatureToText(const std::string& raw);
[[nodiscard]] std::optional<TimePoint> OptionalTime(const pqxx::field& field);

}  // namespace waka::coordinator::pg
