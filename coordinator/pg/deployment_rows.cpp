// Reads of instances, manifests and releases shared by the deployment repository's files.
#include "coordinator/pg/deployment_rows.hpp"

#include "coordinator/pg/row_codec.hpp"

namespace waka::coordinator::pg {

const std::string& InstanceColumns() {
    static const std::string columns =
        "id, labels::text AS labels, connection_state, " + SqlMillis("last_seen_at") +
        " AS seen_ms, agent_version, inventory::text AS inventory, current_manifest_id, "
        "credential_hash IS NOT NULL AS enrolled, " +
        SqlMillis("created_at") + " AS created_ms, " + SqlMillis("decommissioned_at") +
        " AS decommissioned_ms";
    return columns;
}

const std::string& InstanceSelect() {
    static const std::string select = "SELECT " + InstanceColumns() + " FROM instances ";
    return select;
}

domain::Instance InstanceFromRow(const pqxx::row& row) {
    domain::Instance instance;
    instance.id = row["id"].as<std::string>();
    instance.labels = StringMapFromJson(row["labels"].as<std::string>());
    instance.connection_state = row["connection_state"].as<std::string>();
    instance.last_seen_at = OptionalTime(row["seen_ms"]);
    instance.agent_version = row["agent_version"].as<std::string>();
    instance.inventory = InventoryFromJson(row["inventory"].as<std::string>());
    instance.current_manifest_id = OptionalText(row["current_manifest_id"]);
    instance.enrolled = row["enrolled"].as<bool>();
    instance.created_at = FromMillis(row["created_ms"].as<long long>());
    instance.decommissioned_at = OptionalTime(row["decommissioned_ms"]);
    return instance;
}

std::optional<domain::Instance> FindInstance(pqxx::transaction_base& tx, const std::string& id) {
    auto rows = tx.exec_params(InstanceSelect() + "WHERE id = $1", id);
    if (rows.empty()) {
        return std::nullopt;
    }
    return InstanceFromRow(rows[0]);
}

std::optional<domain::Manifest> FindManifest(pqxx::transaction_base& tx, const std::string& id) {
    auto rows = tx.exec_params(
        "SELECT id, instance_id, platform_name, platform_version, suites::text, "
        "capabilities::text, "
        "configuration::text, content_hash, created_by, " +
            SqlMillis("created_at") + " AS created_ms FROM manifests WHERE id = $1",
        id);
    if (rows.empty()) {
        return std::nullopt;
    }
    const auto& row = rows[0];
    domain::Manifest manifest;
    manifest.id = row["id"].as<std::string>();
    manifest.instance_id = OptionalText(row["instance_id"]);
    manifest.platform_name = row["platform_name"].as<std::string>();
    manifest.platform_version = row["platform_version"].as<std::string>();
    manifest.suites = StringMapFromJson(row["suites"].as<std::string>());
    manifest.capabilities = StringMapFromJson(row["capabilities"].as<std::string>());
    manifest.configuration_json = row["configuration"].as<std::string>();
    manifest.content_hash = row["content_hash"].as<std::string>();
    manifest.created_by = row["created_by"].as<std::string>();
    manifest.created_at = FromMillis(row["created_ms"].as<long long>());
    return manifest;
}

std::optional<domain::Release> FindRelease(pqxx::transaction_base& tx, const std::string& type,
                                           const std::string& name, const std::string& version) {
    auto rows = tx.exec_params(
        "SELECT r.id, r.is_stable, r.is_security_patch, r.dependencies::text, r.artifact_sha256, "
        "COALESCE(a.size, 0) AS size, r.release_key_id, r.release_statement, r.release_signature "
        "FROM releases r LEFT JOIN artifacts a ON a.sha256 = "
        "r.artifact_sha256 "
        "WHERE r.component_type = $1 AND r.component_name = $2 AND r.version = $3",
        type, name, version);
    if (rows.empty()) {
        return std::nullopt;
    }
    const auto& row = rows[0];
    domain::Release release;
    release.id = row["id"].as<std::string>();
    release.component_type = type;
    release.component_name = name;
    release.version = version;
    release.is_stable = row["is_stable"].as<bool>();
    release.is_security_patch = row["is_security_patch"].as<bool>();
    release.dependencies = StringMapFromJson(row["dependencies"].as<std::string>());
    release.artifact_sha256 = OptionalText(row["artifact_sha256"]);
    release.artifact_size = row["size"].as<std::uint64_t>();
    release.release_key_id = OptionalText(row["release_key_id"]).value_or("");
    release.release_statement = OptionalText(row["release_statement"]).value_or("");
    release.release_signature = SignatureFromText(OptionalText(row["release_signature"]));
    return release;
}

namespace {

void AddReleaseIfPresent(pqxx::transaction_base& tx, domain::DeploymentInputs& inputs,
                         const std::string& type, const std::string& name,
                         const std::string& version) {
    if (auto release = FindRelease(tx, type, name, version)) {
        inputs.releases.emplace(type + ":" + name, std::move(*release));
    }
}

}  // namespace

void AddManifestReleases(pqxx::transaction_base& tx, domain::DeploymentInputs& inputs) {
    if (!inputs.manifest) {
        return;
    }
    const auto& m = *inputs.manifest;
    AddReleaseIfPresent(tx, inputs, "platform", m.platform_name, m.platform_version);
    for (const auto& [name, version] : m.suites) {
        AddReleaseIfPresent(tx, inputs, "suite", name, version);
    }
    for (const auto& [name, version] : m.capabilities) {
        AddReleaseIfPresent(tx, inputs, "capability", name, version);
    }
}

}  // namespace waka::coordinator::pg
