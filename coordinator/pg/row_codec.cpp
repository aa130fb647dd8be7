#include "coordinator/pg/row_codec.hpp"

#include <boost/json.hpp>
#include <pqxx/pqxx>

#include "coordinator/policy/codec.hpp"
#include "shared/release/signing_key.hpp"

namespace waka::coordinator::pg {
namespace {

// Column text comes from our own writes; a damaged value reads as empty rather than crashing.
boost::json::value ParseOrNull(const std::string& json) {
    boost::system::error_code ec;
    auto value = boost::json::parse(json, ec);
    return ec ? boost::json::value() : value;
}

std::string StringField(const boost::json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    if (value == nullptr || !value->is_string()) {
        return {};
    }
    return std::string(value->get_string());
}

std::uint64_t UintField(const boost::json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    if (value == nullptr) {
        return 0;
    }
    if (value->is_uint64()) {
        return value->get_uint64();
    }
    if (value->is_int64() && value->get_int64() >= 0) {
        return static_cast<std::uint64_t>(value->get_int64());
    }
    return 0;
}

}  // namespace

std::string InventoryToJson(const std::vector<domain::InstalledComponent>& inventory) {
    boost::json::array array;
    for (const auto& item : inventory) {
        array.push_back({{"type", item.type}, {"name", item.name}, {"version", item.version}});
    }
    return boost::json::serialize(array);
}

std::vector<domain::InstalledComponent> InventoryFromJson(const std::string& json) {
    std::vector<domain::InstalledComponent> inventory;
    auto value = ParseOrNull(json);
    if (!value.is_array()) {
        return inventory;
    }
    for (const auto& item : value.get_array()) {
        if (item.is_object()) {
            const auto& object = item.get_object();
            inventory.push_back({StringField(object, "type"), StringField(object, "name"),
                                 StringField(object, "version")});
        }
    }
    return inventory;
}

std::string SignatureFromText(const std::optional<std::string>& base64) {
    if (!base64 || base64->empty()) {
        return {};
    }
    auto raw = release::Base64Decode(*base64);
    return raw ? *raw : std::string{};
}

std::string SignatureToText(const std::string& raw) {
    return raw.empty() ? std::string{} : release::Base64Encode(raw);
}

std::string PlanToJson(const std::vector<domain::PlannedChange>& plan) {
    boost::json::array array;
    for (const auto& change : plan) {
        array.push_back({{"type", change.type},
                         {"name", change.name},
                         {"from_version", change.from_version},
                         {"to_version", change.to_version},
                         {"artifact_sha256", change.artifact_sha256},
                         {"size", change.size},
                         {"release_statement", change.release_statement},
                         {"release_signature", SignatureToText(change.release_signature)}});
    }
    return boost::json::serialize(array);
}

std::vector<domain::PlannedChange> PlanFromJson(const std::string& json) {
    std::vector<domain::PlannedChange> plan;
    auto value = ParseOrNull(json);
    if (!value.is_array()) {
        return plan;
    }
    for (const auto& item : value.get_array()) {
        if (!item.is_object()) {
            continue;
        }
        const auto& object = item.get_object();
        plan.push_back({StringField(object, "type"), StringField(object, "name"),
                        StringField(object, "from_version"), StringField(object, "to_version"),
                        StringField(object, "artifact_sha256"), UintField(object, "size"),
                        StringField(object, "release_statement"),
                        SignatureFromText(StringField(object, "release_signature"))});
    }
    return plan;
}

std::string StringMapToJson(const std::map<std::string, std::string>& map) {
    boost::json::object object;
    for (const auto& [key, value] : map) {
        object[key] = value;
    }
    return boost::json::serialize(object);
}

std::map<std::string, std::string> StringMapFromJson(const std::string& json) {
    std::map<std::string, std::string> map;
    auto value = ParseOrNull(json);
    if (!value.is_object()) {
        return map;
    }
    for (const auto& [key, item] : value.get_object()) {
        if (item.is_string()) {
            map.emplace(std::string(key), std::string(item.get_string()));
        }
    }
    return map;
}

std::string SqlMillis(const std::string& column) {
    return "(extract(epoch from " + column + ") * 1000)::bigint";
}

TimePoint FromMillis(long long millis) { return TimePoint(std::chrono::milliseconds(millis)); }

std::optional<std::string> OptionalText(const pqxx::field& field) {
    if (field.is_null()) {
        return std::nullopt;
    }
    return field.as<std::string>();
}

std::optional<TimePoint> OptionalTime(const pqxx::field& field) {
    if (field.is_null()) {
        return std::nullopt;
    }
    return FromMillis(field.as<long long>());
}

namespace {

// A copied rule that no longer parses falls back to the default rule, never to none: a damaged
// row must not let a deployment through without its approval.
std::optional<policy::ApprovalRule> ApprovalRuleFromText(const pqxx::field& field) {
    if (field.is_null()) {
        return std::nullopt;
    }
    std::vector<policy::InvalidField> ignored;
    auto rule = policy::ApprovalFromJson(ParseOrNull(field.as<std::string>()), "approval", ignored);
    return rule.value_or(policy::ApprovalRule{});
}

}  // namespace

std::optional<std::string> ApprovalRuleText(const std::optional<policy::ApprovalRule>& rule) {
    if (!rule) {
        return std::nullopt;
    }
    return boost::json::serialize(policy::ApprovalToJson(*rule));
}

const std::string& DeploymentColumns() {
    static const std::string columns =
        "id, kind, status, instance_id, manifest_id, previous_manifest_id, requested_by, reason, "
        "force, "
        "skip_validation, plan::text AS plan, approval_rule::text AS approval_rule, "
        "error_message, " +
        SqlMillis("created_at") + " AS created_ms, " + SqlMillis("started_at") +
        " AS started_ms, " + SqlMillis("completed_at") + " AS completed_ms, " +
        SqlMillis("updated_at") + " AS updated_ms, rollout_id";
    return columns;
}

domain::Deployment DeploymentFromRow(const pqxx::row& row) {
    domain::Deployment d;
    d.id = row["id"].as<std::string>();
    d.kind = row["kind"].as<std::string>();
    d.status = StatusFromText(row["status"].as<std::string>());
    d.instance_id = row["instance_id"].as<std::string>();
    d.manifest_id = row["manifest_id"].as<std::string>();
    d.previous_manifest_id = OptionalText(row["previous_manifest_id"]);
    d.requested_by = row["requested_by"].as<std::string>();
    d.reason = row["reason"].as<std::string>();
    d.force = row["force"].as<bool>();
    d.skip_validation = row["skip_validation"].as<bool>();
    d.plan = PlanFromJson(row["plan"].as<std::string>());
    d.approval = ApprovalRuleFromText(row["approval_rule"]);
    d.error_message = OptionalText(row["error_message"]);
    d.created_at = FromMillis(row["created_ms"].as<long long>());
    d.started_at = OptionalTime(row["started_ms"]);
    d.completed_at = OptionalTime(row["completed_ms"]);
    d.updated_at = FromMillis(row["updated_ms"].as<long long>());
    d.rollout_id = OptionalText(row["rollout_id"]);
    return d;
}

std::string StatusText(domain::DeploymentStatus status) {
    return std::string(domain::ToString(status));
}

std::string StatusesText(const std::vector<domain::DeploymentStatus>& statuses) {
    std::string text = "{";
    for (const auto status : statuses) {
        text += (text.size() > 1 ? "," : "") + StatusText(status);
    }
    return text + "}";
}

domain::DeploymentStatus StatusFromText(const std::string& text) {
    // Only the migrations' CHECK constraint's words are stored; anything else reads as failed
    // rather than as a status that could still move.
    return domain::ParseDeploymentStatus(text).value_or(domain::DeploymentStatus::kFailed);
}

}  // namespace waka::coordinator::pg
