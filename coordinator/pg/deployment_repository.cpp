#include "coordinator/pg/deployment_repository.hpp"

#include <pqxx/pqxx>

#include "coordinator/db/database.hpp"
#include "coordinator/domain/rollback_rules.hpp"
#include "coordinator/pg/audit_chain.hpp"
#include "coordinator/pg/deployment_rows.hpp"
#include "coordinator/pg/floor_repository.hpp"
#include "coordinator/pg/quarantine_repository.hpp"
#include "coordinator/pg/rollout_rows.hpp"
#include "coordinator/pg/row_codec.hpp"

namespace waka::coordinator::pg {
namespace {

std::optional<std::string> NullIfEmpty(const std::string& text) {
    if (text.empty()) {
        return std::nullopt;
    }
    return text;
}

std::vector<domain::DeploymentEvent> LoadEvents(pqxx::transaction_base& tx, const std::string& id) {
    std::vector<domain::DeploymentEvent> events;
    auto rows = tx.exec_params("SELECT " + SqlMillis("at") +
                                   " AS at_ms, status, step, message FROM deployment_events "
                                   "WHERE deployment_id = $1 ORDER BY id",
                               id);
    for (const auto& row : rows) {
        events.push_back({FromMillis(row["at_ms"].as<long long>()),
                          StatusFromText(row["status"].as<std::string>()),
                          row["step"].as<std::string>(), row["message"].as<std::string>()});
    }
    return events;
}

void InsertEvent(pqxx::transaction_base& tx, const std::string& id, domain::DeploymentStatus status,
                 const std::string& step, const std::string& message, TimePoint at) {
    tx.exec_params(
        "INSERT INTO deployment_events (deployment_id, at, status, step, message) "
        "VALUES ($1, $2::timestamptz, $3, $4, $5)",
        id, FormatRfc3339(at), StatusText(status), step, message);
}

std::optional<domain::Deployment> FindDeployment(pqxx::transaction_base& tx,
                                                 const std::string& id) {
    auto rows =
        tx.exec_params("SELECT " + DeploymentColumns() + " FROM deployments WHERE id = $1", id);
    if (rows.empty()) {
        return std::nullopt;
    }
    auto deployment = DeploymentFromRow(rows[0]);
    deployment.events = LoadEvents(tx, id);
    return deployment;
}

domain::Dispatch MakeDispatch(pqxx::transaction_base& tx, domain::Deployment deployment) {
    auto rows = tx.exec_params("SELECT configuration::text FROM manifests WHERE id = $1",
                               deployment.manifest_id);
    std::string configuration = rows.empty() ? "{}" : rows[0][0].as<std::string>();
    return domain::Dispatch{std::move(deployment), std::move(configuration), SelectFloors(tx)};
}

}  // namespace

PgDeploymentRepository::PgDeploymentRepository(db::Database& database, const Clock& clock,
                                               const AuditKey& audit_key)
    : database_(database), clock_(clock), audit_key_(audit_key) {}

boost::asio::awaitable<Expected<domain::DeploymentInputs>> PgDeploymentRepository::LoadInputs(
    const std::string& instance_id, const std::string& manifest_id) {
    co_return co_await database_.Run(
        [&](pqxx::connection& c) -> Expected<domain::DeploymentInputs> {
            pqxx::read_transaction tx(c);
            domain::DeploymentInputs inputs;
            inputs.instance = FindInstance(tx, instance_id);
            inputs.manifest = FindManifest(tx, manifest_id);
            AddManifestReleases(tx, inputs);
            inputs.floors = SelectFloors(tx);
            return inputs;
        });
}

boost::asio::awaitable<Expected<domain::Deployment>> PgDeploymentRepository::Insert(
    const domain::Deployment& deployment, const domain::AuditDraft& audit) {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<domain::Deployment> {
        pqxx::work tx(c);
        tx.exec_params(
            "INSERT INTO deployments (id, kind, status, instance_id, manifest_id, "
            "previous_manifest_id, "
            "requested_by, reason, force, skip_validation, plan, created_at, updated_at, "
            "approval_rule) VALUES "
            "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12::timestamptz, "
            "$12::timestamptz, $13::jsonb)",
            deployment.id, deployment.kind, StatusText(deployment.status), deployment.instance_id,
            deployment.manifest_id, deployment.previous_manifest_id, deployment.requested_by,
            deployment.reason, deployment.force, deployment.skip_validation,
            PlanToJson(deployment.plan), FormatRfc3339(now), ApprovalRuleText(deployment.approval));
        for (const auto& event : deployment.events) {
            InsertEvent(tx, deployment.id, event.status, event.step, event.message, now);
        }
        if (auto entry = AppendAudit(tx, audit_key_, audit, now); !entry) {
            return entry.error();
        }
        auto stored = FindDeployment(tx, deployment.id);
        tx.commit();
        return *stored;
    });
}

boost::asio::awaitable<Expected<std::optional<domain::Deployment>>> PgDeploymentRepository::Find(
    const std::string& id) {
    co_return co_await database_.Run(
        [&](pqxx::connection& c) -> Expected<std::optional<domain::Deployment>> {
            pqxx::read_transaction tx(c);
            return FindDeployment(tx, id);
        });
}

boost::asio::awaitable<Expected<std::vector<domain::Deployment>>> PgDeploymentRepository::List(
    const ports::DeploymentListFilter& filter) {
    co_return co_await database_.Run([&](pqxx::connection& c)
                                         -> Expected<std::vector<domain::Deployment>> {
        pqxx::read_transaction tx(c);
        std::optional<std::string> status;
        if (filter.status) {
            status = StatusText(*filter.status);
        }
        // The cursor is the last id of the previous page; (created_at, id) orders pages stably.
        auto rows = tx.exec_params(
            "SELECT " + DeploymentColumns() +
                " FROM deployments WHERE ($1::text IS NULL OR instance_id = $1) "
                "AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR (created_at, id) < "
                "(SELECT created_at, id FROM deployments WHERE id = $3)) "
                "AND ($5::text IS NULL OR rollout_id = $5) "
                "ORDER BY created_at DESC, id DESC LIMIT $4",
            filter.instance_id, status, filter.cursor, static_cast<long long>(filter.limit),
            filter.rollout_id);
        std::vector<domain::Deployment> deployments;
        for (const auto& row : rows) {
            deployments.push_back(DeploymentFromRow(row));
        }
        return deployments;
    });
}

boost::asio::awaitable<Expected<std::optional<domain::Dispatch>>> PgDeploymentRepository::InFlight(
    const std::string& instance_id) {
    co_return co_await database_.Run(
        [&](pqxx::connection& c) -> Expected<std::optional<domain::Dispatch>> {
            pqxx::read_transaction tx(c);
            auto rows =
                tx.exec_params("SELECT id FROM deployments WHERE instance_id = $1 AND status = $2",
                               instance_id, StatusText(domain::DeploymentStatus::kDeploying));
            if (rows.empty()) {
                return std::optional<domain::Dispatch>();
            }
            auto deployment = FindDeployment(tx, rows[0][0].as<std::string>());
            return std::optional<domain::Dispatch>(MakeDispatch(tx, std::move(*deployment)));
        });
}

// Containment of {"artifact_sha256": sha256} in the plan array. The instance and status
// conditions are those of the unique partial index deployments_one_in_flight (and of the prefix of
// deployments_queue), so at most one row's plan is read, however long the instance's history.
boost::asio::awaitable<Expected<bool>> PgDeploymentRepository::PlansArtifact(
    const std::string& instance_id, const std::string& sha256) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<bool> {
        pqxx::read_transaction tx(c);
        auto row = tx.exec_params1(
            "SELECT EXISTS (SELECT 1 FROM deployments WHERE instance_id = $1 "
            "AND status = ANY($2::text[]) "
            "AND plan @> jsonb_build_array(jsonb_build_object('artifact_sha256', $3::text)))",
            instance_id,
            StatusesText(domain::StatusesAccepting(domain::StatusEvent::kAgentSucceeded)), sha256);
        return row[0].as<bool>();
    });
}

boost::asio::awaitable<Expected<std::optional<domain::Dispatch>>> PgDeploymentRepository::ClaimNext(
    const std::string& instance_id) {
    const auto now = clock_.Now();
    co_return co_await database_.Run(
        [&](pqxx::connection& c) -> Expected<std::optional<domain::Dispatch>> {
            pqxx::work tx(c);
            // Row lock on the instance serialises claimers of the same instance across
            // coordinators.
            tx.exec_params("SELECT 1 FROM instances WHERE id = $1 FOR UPDATE", instance_id);
            auto busy =
                tx.exec_params("SELECT 1 FROM deployments WHERE instance_id = $1 AND status = $2",
                               instance_id, StatusText(domain::DeploymentStatus::kDeploying));
            if (!busy.empty()) {
                return std::optional<domain::Dispatch>();
            }
            auto next = tx.exec_params(
                "SELECT id, status FROM deployments WHERE instance_id = $1 AND status = "
                "ANY($2::text[]) "
                "ORDER BY created_at, queue_seq LIMIT 1",
                instance_id,
                StatusesText(domain::StatusesAccepting(domain::StatusEvent::kDispatched)));
            if (next.empty()) {
                return std::optional<domain::Dispatch>();
            }
            const auto id = next[0][0].as<std::string>();
            const auto to = *domain::NextStatus(StatusFromText(next[0][1].as<std::string>()),
                                                domain::StatusEvent::kDispatched);
            tx.exec_params(
                "UPDATE deployments SET status = $3, started_at = $2::timestamptz, "
                "updated_at = $2::timestamptz WHERE id = $1",
                id, FormatRfc3339(now), StatusText(to));
            InsertEvent(tx, id, to, "", "instruction sent to the agent", now);
            auto deployment = FindDeployment(tx, id);
            auto dispatch = MakeDispatch(tx, std::move(*deployment));
            tx.commit();
            return std::optional<domain::Dispatch>(std::move(dispatch));
        });
}

boost::asio::awaitable<Expected<void>> PgDeploymentRepository::AddEvent(
    const std::string& deployment_id, const std::string& instance_id, const std::string& step,
    const std::string& message) {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        auto rows =
            tx.exec_params("SELECT status FROM deployments WHERE id = $1 AND instance_id = $2",
                           deployment_id, instance_id);
        if (rows.empty()) {
            return MakeError(Errc::kNotFound,
                             "no deployment " + deployment_id + " for " + instance_id);
        }
        InsertEvent(tx, deployment_id, StatusFromText(rows[0][0].as<std::string>()), step, message,
                    now);
        tx.exec_params("UPDATE deployments SET updated_at = $2::timestamptz WHERE id = $1",
                       deployment_id, FormatRfc3339(now));
        tx.commit();
        return {};
    });
}

boost::asio::awaitable<Expected<std::optional<domain::Deployment>>>
PgDeploymentRepository::Complete(const std::string& deployment_id, const std::string& instance_id,
                                 domain::StatusEvent outcome, const std::string& error,
                                 const std::vector<domain::InstalledComponent>& inventory) {
    const auto now = clock_.Now();
    const auto to = domain::NextStatus(domain::DeploymentStatus::kDeploying, outcome);
    if (!to) {
        co_return MakeError(
            Errc::kInvalidArgument,
            std::string(domain::ToString(outcome)) + " is not an outcome of a running deployment");
    }
    const auto status = StatusText(*to);
    const bool deployed = *to == domain::DeploymentStatus::kDeployed;
    co_return co_await database_.Run(
        [&](pqxx::connection& c) -> Expected<std::optional<domain::Deployment>> {
            pqxx::work tx(c);
            auto updated = tx.exec_params(
                "UPDATE deployments SET status = $3, error_message = $4, completed_at = "
                "$5::timestamptz, "
                "updated_at = $5::timestamptz WHERE id = $1 AND instance_id = $2 AND status = "
                "ANY($6::text[]) "
                "RETURNING manifest_id",
                deployment_id, instance_id, status, NullIfEmpty(error), FormatRfc3339(now),
                StatusesText(domain::StatusesAccepting(outcome)));
            if (updated.empty()) {
                return std::optional<domain::Deployment>();
            }
            const auto message = deployed ? std::string("deployed; instance is on the new manifest")
                                          : status + ": " + error;
            InsertEvent(tx, deployment_id, *to, "", message, now);
            tx.exec_params(
                "UPDATE instances SET inventory = $2::jsonb, last_seen_at = $3::timestamptz "
                "WHERE id = $1",
                instance_id, InventoryToJson(inventory), FormatRfc3339(now));
            if (deployed) {
                tx.exec_params("UPDATE instances SET current_manifest_id = $2 WHERE id = $1",
                               instance_id, updated[0][0].as<std::string>());
            }
            domain::AuditDraft audit{"agent:" + instance_id,
                                     "deployment.complete",
                                     "deployment",
                                     deployment_id,
                                     instance_id,
                                     "recorded",
                                     error,
                                     "{\"status\":\"" + status + "\"}"};
            if (auto entry = AppendAudit(tx, audit_key_, audit, now); !entry) {
                return entry.error();
            }
            auto deployment = FindDeployment(tx, deployment_id);
            if (deployment) {
                // What it took off the instance stays off, from the same commit on (§4.1).
                const auto removed = domain::RemovedVersions(*deployment);
                if (!removed.empty()) {
                    auto quarantined =
                        InsertQuarantines(tx, audit_key_, instance_id, removed, deployment_id,
                                          domain::QuarantineReason(*deployment), now);
                    if (!quarantined) {
                        return quarantined.error();
                    }
                }
            }
            tx.commit();
            return deployment;
        });
}

}  // namespace waka::coordinator::pg
