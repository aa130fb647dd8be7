// Reads of instances, manifests and releases shared by the deployment repository's files.
#include "coordinator/pg/deployment_rows.hpp"

#include <boost/json.hpp>
#include <set>
#include <tuple>

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

namespace {

const std::string kReleaseColumns =
    "r.id, r.component_type, r.component_name, r.version, r.is_stable, r.is_security_patch, "
    "r.dependencies::text AS dependencies, r.artifact_sha256, COALESCE(a.size, 0) AS size, "
    "r.release_key_id, r.release_statement, r.release_signature";

domain::Release ReleaseFromRow(const pqxx::row& row) {
    domain::Release release;
    release.id = row["id"].as<std::string>();
    release.component_type = row["component_type"].as<std::string>();
    release.component_name = row["component_name"].as<std::string>();
    release.version = row["version"].as<std::string>();
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

}  // namespace

std::optional<domain::Release> FindRelease(pqxx::transaction_base& tx, const std::string& type,
                                           const std::string& name, const std::string& version) {
    auto rows = tx.exec_params(
        "SELECT " + kReleaseColumns +
            " FROM releases r LEFT JOIN artifacts a ON a.sha256 = r.artifact_sha256 "
            "WHERE r.component_type = $1 AND r.component_name = $2 AND r.version = $3",
        type, name, version);
    if (rows.empty()) {
        return std::nullopt;
    }
    return ReleaseFromRow(rows[0]);
}

std::map<std::string, std::map<std::string, domain::Release>> ReleasesOfManifests(
    pqxx::transaction_base& tx, const std::vector<const domain::Manifest*>& manifests) {
    // Every (type, name, version) any of them names, asked once.
    std::set<std::tuple<std::string, std::string, std::string>> wanted;
    for (const auto* m : manifests) {
        wanted.emplace("platform", m->platform_name, m->platform_version);
        for (const auto& [name, version] : m->suites) {
            wanted.emplace("suite", name, version);
        }
        for (const auto& [name, version] : m->capabilities) {
            wanted.emplace("capability", name, version);
        }
    }
    boost::json::array keys;
    for (const auto& [type, name, version] : wanted) {
        keys.push_back({{"t", type}, {"n", name}, {"v", version}});
    }
    std::map<std::string, domain::Release> by_version;  // "<type>:<name>:<version>"
    for (const auto& row : tx.exec_params(
             "SELECT " + kReleaseColumns +
                 " FROM jsonb_to_recordset($1::jsonb) AS x(t text, n text, v text) "
                 "JOIN releases r ON r.component_type = x.t AND r.component_name = x.n AND "
                 "r.version = x.v LEFT JOIN artifacts a ON a.sha256 = r.artifact_sha256",
             boost::json::serialize(keys))) {
        auto release = ReleaseFromRow(row);
        by_version.emplace(
            release.component_type + ":" + release.component_name + ":" + release.version,
            std::move(release));
    }
    std::map<std::string, std::map<std::string, domain::Release>> out;
    for (const auto* m : manifests) {
        auto& releases = out[m->id];
        auto add = [&](const std::string& type, const std::string& name,
                       const std::string& version) {
            if (auto found = by_version.find(type + ":" + name + ":" + version);
                found != by_version.end()) {
                releases.emplace(type + ":" + name, found->second);
            }
        };
        add("platform", m->platform_name, m->platform_version);
        for (const auto& [name, version] : m->suites) {
            add("suite", name, version);
        }
        for (const auto& [name, version] : m->capabilities) {
            add("capability", name, version);
        }
    }
    return out;
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
