#include "agent/journal/record.hpp"

#include <array>
#include <boost/json.hpp>
#include <limits>
#include <string>
#include <utility>

namespace waka::agent::journal {
namespace json = boost::json;
namespace {

constexpr std::array<std::pair<Phase, std::string_view>, 10> kPhaseNames{{
    {Phase::kPending, "pending"},
    {Phase::kDownloaded, "downloaded"},
    {Phase::kUnpacked, "unpacked"},
    {Phase::kSwitching, "switching"},
    {Phase::kSwitched, "switched"},
    {Phase::kPostActivated, "post_activated"},
    {Phase::kDeactivating, "deactivating"},
    {Phase::kDeactivated, "deactivated"},
    {Phase::kRollbackSwitched, "rollback_switched"},
    {Phase::kUnchanged, "unchanged"},
}};

Error Malformed(std::string_view what) {
    return MakeError(Errc::kInvalidArgument, "malformed journal record: " + std::string(what));
}

Expected<std::string> GetString(const json::object& obj, std::string_view key) {
    const json::value* v = obj.if_contains(key);
    if (v == nullptr || !v->is_string()) {
        return Malformed("missing string '" + std::string(key) + "'");
    }
    return std::string(v->get_string());
}

Expected<std::int64_t> GetInt(const json::object& obj, std::string_view key) {
    const json::value* v = obj.if_contains(key);
    if (v == nullptr || !(v->is_int64() || v->is_uint64())) {
        return Malformed("missing integer '" + std::string(key) + "'");
    }
    return v->is_int64() ? v->get_int64() : static_cast<std::int64_t>(v->get_uint64());
}

Expected<const json::array*> GetArray(const json::object& obj, std::string_view key) {
    const json::value* v = obj.if_contains(key);
    if (v == nullptr || !v->is_array()) {
        return Malformed("missing array '" + std::string(key) + "'");
    }
    return &v->get_array();
}

json::object ChangeToJson(const ComponentRecord& c) {
    return json::object{
        {"type", c.change.type},
        {"name", c.change.name},
        {"from_version", c.change.from_version},
        {"to_version", c.change.to_version},
        {"artifact_sha256", c.change.artifact_sha256},
        {"size", c.change.size},
        {"download_path", c.change.download_path},
        {"previous_version", c.previous_version},
        {"phase", PhaseName(c.phase)},
    };
}

json::array InventoryToJson(const std::vector<model::InstalledComponent>& inventory) {
    json::array out;
    for (const auto& c : inventory) {
        out.push_back(json::object{{"type", c.type}, {"name", c.name}, {"version", c.version}});
    }
    return out;
}

json::object ResultToJson(const model::OperationResult& r) {
    return json::object{
        {"outcome", model::OutcomeName(r.outcome)},
        {"error", r.error},
        {"inventory", InventoryToJson(r.inventory)},
    };
}

Expected<ComponentRecord> ComponentFromJson(const json::value& v) {
    if (!v.is_object()) {
        return Malformed("component is not an object");
    }
    const json::object& o = v.get_object();
    ComponentRecord c;
    std::array<std::pair<std::string_view, std::string*>, 8> fields{{
        {"type", &c.change.type},
        {"name", &c.change.name},
        {"from_version", &c.change.from_version},
        {"to_version", &c.change.to_version},
        {"artifact_sha256", &c.change.artifact_sha256},
        {"download_path", &c.change.download_path},
        {"previous_version", &c.previous_version},
        {"phase", nullptr},
    }};
    std::string phase_name;
    fields.back().second = &phase_name;
    for (auto& [key, target] : fields) {
        auto s = GetString(o, key);
        if (!s) {
            return s.error();
        }
        *target = std::move(*s);
    }
    auto size = GetInt(o, "size");
    if (!size || *size < 0) {
        return Malformed("bad size");
    }
    c.change.size = static_cast<std::uint64_t>(*size);
    auto phase = ParsePhase(phase_name);
    if (!phase) {
        return Malformed("unknown phase '" + phase_name + "'");
    }
    c.phase = *phase;
    return c;
}

Expected<std::vector<model::InstalledComponent>> InventoryFromJson(const json::array& a) {
    std::vector<model::InstalledComponent> out;
    for (const auto& v : a) {
        if (!v.is_object()) {
            return Malformed("inventory entry is not an object");
        }
        auto type = GetString(v.get_object(), "type");
        auto name = GetString(v.get_object(), "name");
        auto version = GetString(v.get_object(), "version");
        if (!type || !name || !version) {
            return Malformed("inventory entry misses a field");
        }
        out.push_back({*type, *name, *version});
    }
    return out;
}

Expected<model::OperationResult> ResultFromJson(const json::value& v, const std::string& op_id) {
    if (!v.is_object()) {
        return Malformed("result is not an object");
    }
    const json::object& o = v.get_object();
    auto outcome_name = GetString(o, "outcome");
    auto error = GetString(o, "error");
    auto inventory = GetArray(o, "inventory");
    if (!outcome_name || !error || !inventory) {
        return Malformed("result misses a field");
    }
    auto outcome = model::ParseOutcome(*outcome_name);
    auto components = InventoryFromJson(**inventory);
    if (!outcome || !components) {
        return Malformed("bad result outcome or inventory");
    }
    return model::OperationResult{op_id, *outcome, *error, std::move(*components)};
}

// Version 1 records have neither member: they read as never recovered.
Expected<void> ReadVersion(const json::object& o, OperationRecord& record) {
    if (!o.contains("schema_version")) {
        record.schema_version = 1;
        record.recovery_attempts = 0;
        return {};
    }
    auto version = GetInt(o, "schema_version");
    if (!version || *version < 1) {
        return Malformed("bad schema_version");
    }
    if (*version > kSchemaVersion) {
        return MakeError(Errc::kInvalidArgument,
                         "journal record has schema version " + std::to_string(*version) +
                             ", written by a newer agent; this one reads versions 1 to " +
                             std::to_string(kSchemaVersion));
    }
    auto attempts = GetInt(o, "recovery_attempts");
    if (!attempts || *attempts < 0 || *attempts > std::numeric_limits<int>::max()) {
        return Malformed("bad recovery_attempts");
    }
    record.schema_version = static_cast<int>(*version);
    record.recovery_attempts = static_cast<int>(*attempts);
    return {};
}

}  // namespace

std::string_view PhaseName(Phase phase) {
    for (const auto& [p, name] : kPhaseNames) {
        if (p == phase) {
            return name;
        }
    }
    return "unknown";
}

std::optional<Phase> ParsePhase(std::string_view name) {
    for (const auto& [p, n] : kPhaseNames) {
        if (n == name) {
            return p;
        }
    }
    return std::nullopt;
}

bool MayHaveChangedCurrent(Phase phase) {
    switch (phase) {
        case Phase::kSwitching:
        case Phase::kSwitched:
        case Phase::kPostActivated:
        case Phase::kDeactivating:
        case Phase::kDeactivated:
        case Phase::kRollbackSwitched:
            return true;
        case Phase::kPending:
        case Phase::kDownloaded:
        case Phase::kUnpacked:
        case Phase::kUnchanged:
            return false;
    }
    return true;
}

std::string SerializeRecord(const OperationRecord& record) {
    json::array components;
    for (const auto& c : record.components) {
        components.push_back(ChangeToJson(c));
    }
    json::object root{
        {"schema_version", kSchemaVersion},
        {"op_id", record.op_id},
        {"kind", record.kind},
        {"configuration_json", record.configuration_json},
        {"components", std::move(components)},
        {"finished_at_ms", record.finished_at_ms},
        {"recovery_attempts", record.recovery_attempts},
    };
    if (record.result) {
        root["result"] = ResultToJson(*record.result);
    }
    return json::serialize(root);
}

Expected<OperationRecord> ParseRecord(std::string_view text) {
    boost::system::error_code ec;
    json::value root = json::parse(text, ec);
    if (ec || !root.is_object()) {
        return Malformed(ec ? ec.message() : "not an object");
    }
    const json::object& o = root.get_object();
    OperationRecord record;
    if (auto versioned = ReadVersion(o, record); !versioned) {
        return versioned.error();
    }
    auto op_id = GetString(o, "op_id");
    auto kind = GetString(o, "kind");
    auto config = GetString(o, "configuration_json");
    auto components = GetArray(o, "components");
    auto finished_at = GetInt(o, "finished_at_ms");
    if (!op_id || !kind || !config || !components || !finished_at) {
        return Malformed("missing top-level field");
    }
    record.op_id = *op_id;
    record.kind = *kind;
    record.configuration_json = *config;
    record.finished_at_ms = *finished_at;
    for (const auto& v : **components) {
        auto c = ComponentFromJson(v);
        if (!c) {
            return c.error();
        }
        record.components.push_back(std::move(*c));
    }
    if (const json::value* r = o.if_contains("result")) {
        auto result = ResultFromJson(*r, record.op_id);
        if (!result) {
            return result.error();
        }
        record.result = std::move(*result);
    }
    return record;
}

}  // namespace waka::agent::journal
