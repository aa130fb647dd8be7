#include "coordinator/api/json_output.hpp"

#include <boost/json/parse.hpp>

namespace waka::coordinator::api {
namespace {

boost::json::value TextOrNull(const std::optional<std::string>& text) {
    if (!text) {
        return nullptr;
    }
    return boost::json::value(*text);
}

boost::json::value EmptyAsNull(const std::string& text) {
    if (text.empty()) {
        return nullptr;
    }
    return boost::json::value(text);
}

boost::json::object MapJson(const std::map<std::string, std::string>& map) {
    boost::json::object object;
    for (const auto& [key, value] : map) {
        object[key] = value;
    }
    return object;
}

boost::json::array PlanJson(const std::vector<domain::PlannedChange>& plan) {
    boost::json::array array;
    for (const auto& change : plan) {
        array.push_back(
            boost::json::object{{"component_type", change.type},
                                {"component_name", change.name},
                                {"from_version", EmptyAsNull(change.from_version)},
                                {"to_version", EmptyAsNull(change.to_version)},
                                {"artifact_sha256", EmptyAsNull(change.artifact_sha256)},
                                {"size", change.size}});
    }
    return array;
}

boost::json::array EventsJson(const std::vector<domain::DeploymentEvent>& events) {
    boost::json::array array;
    for (const auto& event : events) {
        array.push_back(boost::json::object{{"at", FormatRfc3339(event.at)},
                                            {"status", domain::ToString(event.status)},
                                            {"step", event.step},
                                            {"message", event.message}});
    }
    return array;
}

}  // namespace

boost::json::value TimeJson(const std::optional<TimePoint>& t) {
    if (!t) {
        return nullptr;
    }
    return boost::json::value(FormatRfc3339(*t));
}

boost::json::value StoredJson(const std::string& text) {
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(text, ec);
    if (ec) {
        return boost::json::object{};
    }
    return value;
}

boost::json::object TokenJson(const domain::ApiToken& token) {
    return {{"id", token.id},
            {"name", token.name},
            {"role", std::string(domain::RoleName(token.role))},
            {"created_by", token.created_by},
            {"created_at", FormatRfc3339(token.created_at)},
            {"revoked_at", TimeJson(token.revoked_at)},
            {"expires_at", TimeJson(token.expires_at)},
            {"rotated_at", TimeJson(token.rotated_at)}};
}

boost::json::object VersionJson(const domain::Release& r) {
    return {{"id", r.id},
            {"component_type", r.component_type},
            {"component_name", r.component_name},
            {"version_string", r.version},
            {"release_date", FormatRfc3339(r.release_date)},
            {"is_stable", r.is_stable},
            {"is_security_patch", r.is_security_patch},
            {"dependencies", MapJson(r.dependencies)},
            {"changelog", r.changelog},
            {"metadata", StoredJson(r.metadata_json)},
            {"artifact_sha256", TextOrNull(r.artifact_sha256)},
            {"artifact_size", r.artifact_sha256 ? boost::json::value(r.artifact_size) : nullptr},
            {"release_key_id", EmptyAsNull(r.release_key_id)},
            {"created_at", FormatRfc3339(r.created_at)}};
}

boost::json::object ArtifactJson(const domain::Artifact& artifact, const domain::Release& release) {
    return {{"sha256", artifact.sha256},
            {"size", artifact.size},
            {"component_type", release.component_type},
            {"component_name", release.component_name},
            {"version", release.version},
            {"release_key_id", EmptyAsNull(release.release_key_id)},
            {"created_at", FormatRfc3339(artifact.created_at)}};
}

boost::json::object InstanceJson(const domain::Instance& instance, bool connected) {
    boost::json::array inventory;
    for (const auto& item : instance.inventory) {
        inventory.push_back(boost::json::object{
            {"type", item.type}, {"name", item.name}, {"version", item.version}});
    }
    return {{"id", instance.id},
            {"labels", MapJson(instance.labels)},
            {"connection_state", instance.connection_state},
            {"connected", connected},
            {"last_seen_at", TimeJson(instance.last_seen_at)},
            {"agent_version", EmptyAsNull(instance.agent_version)},
            {"inventory", std::move(inventory)},
            {"current_manifest_id", TextOrNull(instance.current_manifest_id)},
            {"enrolled", instance.enrolled},
            {"created_at", FormatRfc3339(instance.created_at)},
            {"decommissioned_at", TimeJson(instance.decommissioned_at)}};
}

boost::json::object ManifestJson(const domain::Manifest& m) {
    return {{"id", m.id},
            {"instance_id", TextOrNull(m.instance_id)},
            {"platform_name", m.platform_name},
            {"platform_version", m.platform_version},
            {"suites", MapJson(m.suites)},
            {"capabilities", MapJson(m.capabilities)},
            {"configuration", StoredJson(m.configuration_json)},
            {"content_hash", m.content_hash},
            {"created_by", m.created_by},
            {"created_at", FormatRfc3339(m.created_at)}};
}

boost::json::object DeploymentJson(const domain::Deployment& d) {
    return {{"id", d.id},
            {"status", domain::ToString(d.status)},
            {"kind", d.kind},
            {"manifest_id", d.manifest_id},
            {"previous_manifest_id", TextOrNull(d.previous_manifest_id)},
            {"instance_id", d.instance_id},
            {"created_at", FormatRfc3339(d.created_at)},
            {"started_at", TimeJson(d.started_at)},
            {"completed_at", TimeJson(d.completed_at)},
            {"error_message", TextOrNull(d.error_message)},
            {"requested_by", d.requested_by},
            {"reason", d.reason},
            {"force", d.force},
            {"skip_validation", d.skip_validation},
            {"plan", PlanJson(d.plan)},
            {"rollout_id", TextOrNull(d.rollout_id)},
            {"events", EventsJson(d.events)}};
}

boost::json::object AuditEntryJson(const domain::AuditEntry& entry) {
    return {{"seq", entry.seq},
            {"at", FormatRfc3339(entry.at)},
            {"actor", entry.draft.actor},
            {"action", entry.draft.action},
            {"target_type", entry.draft.target_type},
            {"target_id", entry.draft.target_id},
            {"instance_id", EmptyAsNull(entry.draft.instance_id)},
            {"decision", entry.draft.decision},
            {"reason", entry.draft.reason},
            {"details", StoredJson(entry.draft.details_json)},
            {"hash", entry.hash}};
}

boost::json::object PinJson(const domain::PinRecord& pin, TimePoint now) {
    const bool expired = pin.expires_at && *pin.expires_at <= now;
    return {
        {"id", pin.id},
        {"instance_id", pin.instance_id},
        {"component_type", pin.component_type},
        {"component_name", pin.component_name},
        {"pinned_version", pin.pinned_version},
        {"reason", pin.reason},
        {"created_at", FormatRfc3339(pin.created_at)},
        {"expires_at", TimeJson(pin.expires_at)},
        {"metadata", boost::json::object{}},
        {"created_by", pin.created_by},
        {"active", !pin.removed_at && !expired},
        {"expired", expired},
        {"removed_at", TimeJson(pin.removed_at)},
        {"superseded_by", pin.superseded_by ? boost::json::value(*pin.superseded_by) : nullptr}};
}

}  // namespace waka::coordinator::api
