#include "coordinator/store/deployment_store.hpp"

#include <pqxx/pqxx>

#include "coordinator/db/database.hpp"
#include "coordinator/store/audit_store.hpp"
#include "coordinator/store/row_codec.hpp"
#include "shared/core/crypto.hpp"

namespace waka::coordinator::store {
namespace {

std::optional<std::string> NullIfEmpty(const std::string& text) {
    if (text.empty()) {
        return std::nullopt;
    }
    return text;
}

std::vector<DeploymentEvent> LoadEvents(pqxx::transaction_base& tx, const std::string& id) {
    std::vector<DeploymentEvent> events;
    auto rows = tx.exec_params("SELECT " + SqlMillis("at") +
                                   " AS at_ms, status, step, message FROM deployment_events "
                                   "WHERE deployment_id = $1 ORDER BY id",
                               id);
    for (const auto& row : rows) {
        events.push_back({FromMillis(row["at_ms"].as<long long>()), row["status"].as<std::string>(),
                          row["step"].as<std::string>(), row["message"].as<std::string>()});
    }
    return events;
}

void InsertEvent(pqxx::transaction_base& tx, const std::string& id, const std::string& status,
                 const std::string& step, const std::string& message, TimePoint at) {
    tx.exec_params(
        "INSERT INTO deployment_events (deployment_id, at, status, step, message) "
        "VALUES ($1, $2::timestamptz, $3, $4, $5)",
        id, FormatRfc3339(at), status, step, message);
}

std::optional<Deployment> FindDeployment(pqxx::transaction_base& tx, const std::string& id) {
    auto rows = tx.exec_params("SELECT " + DeploymentColumns() + " FROM deployments WHERE id = $1", id);
    if (rows.empty()) {
        return std::nullopt;
    }
    auto deployment = DeploymentFromRow(rows[0]);
    deployment.events = LoadEvents(tx, id);
    return deployment;
}

Dispatch MakeDispatch(pqxx::transaction_base& tx, Deployment deployment) {
    auto rows = tx.exec_params("SELECT configuration::text FROM manifests WHERE id = $1",
                               deployment.manifest_id);
    std::string configuration = rows.empty() ? "{}" : rows[0][0].as<std::string>();
    return Dispatch{std::move(deployment), std::move(configuration)};
}

std::optional<Instance> FindInstance(pqxx::transaction_base& tx, const std::string& id) {
    auto rows = tx.exec_params(
        "SELECT id, labels::text, connection_state, " + SqlMillis("last_seen_at") +
            " AS seen_ms, agent_version, inventory::text, current_manifest_id, "
            "credential_hash IS NOT NULL AS enrolled, " +
            SqlMillis("created_at") + " AS created_ms, " + SqlMillis("decommissioned_at") +
            " AS decommissioned_ms FROM instances WHERE id = $1",
        id);
    if (rows.empty()) {
        return std::nullopt;
    }
    const auto& row = rows[0];
    Instance instance;
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

std::optional<Manifest> FindManifest(pqxx::transaction_base& tx, const std::string& id) {
    auto rows = tx.exec_params(
        "SELECT id, instance_id, platform_name, platform_version, suites::text, capabilities::text, "
        "configuration::text, content_hash, created_by, " +
            SqlMillis("created_at") + " AS created_ms FROM manifests WHERE id = $1",
        id);
    if (rows.empty()) {
        return std::nullopt;
    }
    const auto& row = rows[0];
    Manifest manifest;
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

std::optional<Release> FindRelease(pqxx::transaction_base& tx, const std::string& type,
                                   const std::string& name, const std::string& version) {
    auto rows = tx.exec_params(
        "SELECT r.id, r.is_stable, r.is_security_patch, r.dependencies::text, r.artifact_sha256, "
        "COALESCE(a.size, 0) AS size FROM releases r LEFT JOIN artifacts a ON a.sha256 = r.artifact_sha256 "
        "WHERE r.component_type = $1 AND r.component_name = $2 AND r.version = $3",
        type, name, version);
    if (rows.empty()) {
        return std::nullopt;
    }
    const auto& row = rows[0];
    Release release;
    release.id = row["id"].as<std::string>();
    release.component_type = type;
    release.component_name = name;
    release.version = version;
    release.is_stable = row["is_stable"].as<bool>();
    release.is_security_patch = row["is_security_patch"].as<bool>();
    release.dependencies = StringMapFromJson(row["dependencies"].as<std::string>());
    release.artifact_sha256 = OptionalText(row["artifact_sha256"]);
    release.artifact_size = row["size"].as<std::uint64_t>();
    return release;
}

void AddReleaseIfPresent(pqxx::transaction_base& tx, DeploymentInputs& inputs, const std::string& type,
                         const std::string& name, const std::string& version) {
    if (auto release = FindRelease(tx, type, name, version)) {
        inputs.releases.emplace(type + ":" + name, std::move(*release));
    }
}

}  // namespace

DeploymentStore::DeploymentStore(db::Database& database, const Clock& clock)
    : database_(database), clock_(clock) {}

boost::asio::awaitable<Expected<DeploymentInputs>> DeploymentStore::LoadInputs(
    const std::string& instance_id, const std::string& manifest_id) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<DeploymentInputs> {
        pqxx::read_transaction tx(c);
        DeploymentInputs inputs;
        inputs.instance = FindInstance(tx, instance_id);
        inputs.manifest = FindManifest(tx, manifest_id);
        if (inputs.manifest) {
            const auto& m = *inputs.manifest;
            AddReleaseIfPresent(tx, inputs, "platform", m.platform_name, m.platform_version);
            for (const auto& [name, version] : m.suites) {
                AddReleaseIfPresent(tx, inputs, "suite", name, version);
            }
            for (const auto& [name, version] : m.capabilities) {
                AddReleaseIfPresent(tx, inputs, "capability", name, version);
            }
        }
        return inputs;
    });
}

boost::asio::awaitable<Expected<Deployment>> DeploymentStore::Insert(const Deployment& deployment,
                                                                      const AuditDraft& audit) {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<Deployment> {
        pqxx::work tx(c);
        tx.exec_params(
            "INSERT INTO deployments (id, kind, status, instance_id, manifest_id, previous_manifest_id, "
            "requested_by, reason, force, skip_validation, plan, created_at, updated_at) VALUES "
            "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12::timestamptz, $12::timestamptz)",
            deployment.id, deployment.kind, deployment.status, deployment.instance_id,
            deployment.manifest_id, deployment.previous_manifest_id, deployment.requested_by,
            deployment.reason, deployment.force, deployment.skip_validation, PlanToJson(deployment.plan),
            FormatRfc3339(now));
        for (const auto& event : deployment.events) {
            InsertEvent(tx, deployment.id, event.status, event.step, event.message, now);
        }
        if (auto entry = AppendAudit(tx, audit, now); !entry) {
            return entry.error();
        }
        auto stored = FindDeployment(tx, deployment.id);
        tx.commit();
        return *stored;
    });
}

boost::asio::awaitable<Expected<std::optional<Deployment>>> DeploymentStore::Find(const std::string& id) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<std::optional<Deployment>> {
        pqxx::read_transaction tx(c);
        return FindDeployment(tx, id);
    });
}

boost::asio::awaitable<Expected<std::vector<Deployment>>> DeploymentStore::List(
    const DeploymentListFilter& filter) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<std::vector<Deployment>> {
        pqxx::read_transaction tx(c);
        // The cursor is the last id of the previous page; (created_at, id) orders pages stably.
        auto rows = tx.exec_params(
            "SELECT " + DeploymentColumns() +
                " FROM deployments WHERE ($1::text IS NULL OR instance_id = $1) "
                "AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR (created_at, id) < "
                "(SELECT created_at, id FROM deployments WHERE id = $3)) "
                "ORDER BY created_at DESC, id DESC LIMIT $4",
            filter.instance_id, filter.status, filter.cursor, static_cast<long long>(filter.limit));
        std::vector<Deployment> deployments;
        for (const auto& row : rows) {
            deployments.push_back(DeploymentFromRow(row));
        }
        return deployments;
    });
}

boost::asio::awaitable<Expected<std::optional<Dispatch>>> DeploymentStore::InFlight(
    const std::string& instance_id) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<std::optional<Dispatch>> {
        pqxx::read_transaction tx(c);
        auto rows = tx.exec_params(
            "SELECT id FROM deployments WHERE instance_id = $1 AND status = 'deploying'", instance_id);
        if (rows.empty()) {
            return std::optional<Dispatch>();
        }
        auto deployment = FindDeployment(tx, rows[0][0].as<std::string>());
        return std::optional<Dispatch>(MakeDispatch(tx, std::move(*deployment)));
    });
}

boost::asio::awaitable<Expected<std::optional<Dispatch>>> DeploymentStore::ClaimNext(
    const std::string& instance_id) {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<std::optional<Dispatch>> {
        pqxx::work tx(c);
        // Row lock on the instance serialises claimers of the same instance across coordinators.
        tx.exec_params("SELECT 1 FROM instances WHERE id = $1 FOR UPDATE", instance_id);
        auto busy = tx.exec_params(
            "SELECT 1 FROM deployments WHERE instance_id = $1 AND status = 'deploying'", instance_id);
        if (!busy.empty()) {
            return std::optional<Dispatch>();
        }
        auto next = tx.exec_params(
            "SELECT id FROM deployments WHERE instance_id = $1 AND status = 'queued' "
            "ORDER BY created_at, queue_seq LIMIT 1",
            instance_id);
        if (next.empty()) {
            return std::optional<Dispatch>();
        }
        const auto id = next[0][0].as<std::string>();
        tx.exec_params(
            "UPDATE deployments SET status = 'deploying', started_at = $2::timestamptz, "
            "updated_at = $2::timestamptz WHERE id = $1",
            id, FormatRfc3339(now));
        InsertEvent(tx, id, "deploying", "", "instruction sent to the agent", now);
        auto deployment = FindDeployment(tx, id);
        auto dispatch = MakeDispatch(tx, std::move(*deployment));
        tx.commit();
        return std::optional<Dispatch>(std::move(dispatch));
    });
}

boost::asio::awaitable<Expected<void>> DeploymentStore::AddEvent(const std::string& deployment_id,
                                                                 const std::string& instance_id,
                                                                 const std::string& step,
                                                                 const std::string& message) {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        auto rows = tx.exec_params(
            "SELECT status FROM deployments WHERE id = $1 AND instance_id = $2", deployment_id,
            instance_id);
        if (rows.empty()) {
            return MakeError(Errc::kNotFound, "no deployment " + deployment_id + " for " + instance_id);
        }
        InsertEvent(tx, deployment_id, rows[0][0].as<std::string>(), step, message, now);
        tx.exec_params("UPDATE deployments SET updated_at = $2::timestamptz WHERE id = $1",
                       deployment_id, FormatRfc3339(now));
        tx.commit();
        return {};
    });
}

boost::asio::awaitable<Expected<std::optional<Deployment>>> DeploymentStore::Complete(
    const std::string& deployment_id, const std::string& instance_id, const std::string& status,
    const std::string& error, const std::vector<InstalledComponent>& inventory) {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<std::optional<Deployment>> {
        pqxx::work tx(c);
        auto updated = tx.exec_params(
            "UPDATE deployments SET status = $3, error_message = $4, completed_at = $5::timestamptz, "
            "updated_at = $5::timestamptz WHERE id = $1 AND instance_id = $2 AND status = 'deploying' "
            "RETURNING manifest_id",
            deployment_id, instance_id, status, NullIfEmpty(error), FormatRfc3339(now));
        if (updated.empty()) {
            return std::optional<Deployment>();
        }
        const auto message = status == "deployed" ? std::string("deployed; instance is on the new manifest")
                                                  : status + ": " + error;
        InsertEvent(tx, deployment_id, status, "", message, now);
        tx.exec_params("UPDATE instances SET inventory = $2::jsonb, last_seen_at = $3::timestamptz "
                       "WHERE id = $1",
                       instance_id, InventoryToJson(inventory), FormatRfc3339(now));
        if (status == "deployed") {
            tx.exec_params("UPDATE instances SET current_manifest_id = $2 WHERE id = $1", instance_id,
                           updated[0][0].as<std::string>());
        }
        AuditDraft audit{"agent:" + instance_id, "deployment.complete", "deployment", deployment_id,
                         instance_id, "recorded", error, "{\"status\":\"" + status + "\"}"};
        if (auto entry = AppendAudit(tx, audit, now); !entry) {
            return entry.error();
        }
        auto deployment = FindDeployment(tx, deployment_id);
        tx.commit();
        return deployment;
    });
}

boost::asio::awaitable<Expected<AgentAuth>> DeploymentStore::AuthenticateAgent(
    const std::string& instance_id, const std::string& secret_hash,
    const std::string& new_credential_hash) {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<AgentAuth> {
        pqxx::work tx(c);
        auto rows = tx.exec_params(
            "SELECT credential_hash, enrollment_token_hash, decommissioned_at IS NOT NULL, "
            "enrollment_expires_at IS NOT NULL AND enrollment_expires_at < $2::timestamptz "
            "FROM instances WHERE id = $1 FOR UPDATE",
            instance_id, FormatRfc3339(now));
        if (rows.empty() || rows[0][2].as<bool>()) {
            return AgentAuth::kRefused;
        }
        const auto credential = OptionalText(rows[0][0]);
        if (credential && ConstantTimeEquals(*credential, secret_hash)) {
            return AgentAuth::kCredential;
        }
        const auto enrollment = OptionalText(rows[0][1]);
        const bool expired = rows[0][3].as<bool>();
        if (!enrollment || expired || !ConstantTimeEquals(*enrollment, secret_hash)) {
            return AgentAuth::kRefused;
        }
        // The token is single-use: cleared in the same transaction that stores the credential.
        tx.exec_params(
            "UPDATE instances SET credential_hash = $2, enrollment_token_hash = NULL, "
            "enrollment_expires_at = NULL WHERE id = $1",
            instance_id, new_credential_hash);
        AuditDraft audit{"agent:" + instance_id, "instance.enroll", "instance", instance_id,
                         instance_id, "allowed", "enrollment token exchanged for a credential", "{}"};
        if (auto entry = AppendAudit(tx, audit, now); !entry) {
            return entry.error();
        }
        tx.commit();
        return AgentAuth::kEnrolled;
    });
}

boost::asio::awaitable<Expected<bool>> DeploymentStore::CheckCredential(
    const std::string& instance_id, const std::string& credential_hash) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<bool> {
        pqxx::read_transaction tx(c);
        auto rows = tx.exec_params(
            "SELECT credential_hash FROM instances WHERE id = $1 AND decommissioned_at IS NULL",
            instance_id);
        if (rows.empty()) {
            return false;
        }
        const auto stored = OptionalText(rows[0][0]);
        return stored.has_value() && ConstantTimeEquals(*stored, credential_hash);
    });
}

boost::asio::awaitable<Expected<void>> DeploymentStore::RecordConnected(
    const std::string& instance_id, const std::string& session_id, const std::string& agent_version,
    const std::vector<InstalledComponent>& inventory) {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        tx.exec_params(
            "UPDATE instances SET connection_state = 'connected', connected_session = $2, "
            "agent_version = $3, inventory = $4::jsonb, last_seen_at = $5::timestamptz WHERE id = $1",
            instance_id, session_id, agent_version, InventoryToJson(inventory), FormatRfc3339(now));
        tx.commit();
        return {};
    });
}

boost::asio::awaitable<Expected<void>> DeploymentStore::RecordDisconnected(
    const std::string& instance_id, const std::string& session_id) {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        // Only the session that is registered: a replaced session's late close changes nothing.
        tx.exec_params(
            "UPDATE instances SET connection_state = 'disconnected', connected_session = NULL, "
            "last_seen_at = $3::timestamptz WHERE id = $1 AND connected_session = $2",
            instance_id, session_id, FormatRfc3339(now));
        tx.commit();
        return {};
    });
}

boost::asio::awaitable<Expected<void>> DeploymentStore::RecordSeen(const std::string& instance_id) {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        tx.exec_params("UPDATE instances SET last_seen_at = $2::timestamptz WHERE id = $1", instance_id,
                       FormatRfc3339(now));
        tx.commit();
        return {};
    });
}

boost::asio::awaitable<Expected<void>> DeploymentStore::RecordInventory(
    const std::string& instance_id, const std::vector<InstalledComponent>& inventory) {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        tx.exec_params(
            "UPDATE instances SET inventory = $2::jsonb, last_seen_at = $3::timestamptz WHERE id = $1",
            instance_id, InventoryToJson(inventory), FormatRfc3339(now));
        tx.commit();
        return {};
    });
}

boost::asio::awaitable<Expected<bool>> DeploymentStore::ArtifactExists(const std::string& sha256) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<bool> {
        pqxx::read_transaction tx(c);
        return !tx.exec_params("SELECT 1 FROM artifacts WHERE sha256 = $1", sha256).empty();
    });
}

boost::asio::awaitable<Expected<void>> DeploymentStore::RecordAudit(const AuditDraft& audit) {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        if (auto entry = AppendAudit(tx, audit, now); !entry) {
            return entry.error();
        }
        tx.commit();
        return {};
    });
}

}  // namespace waka::coordinator::store
