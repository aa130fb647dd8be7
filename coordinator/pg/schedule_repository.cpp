#include "coordinator/pg/schedule_repository.hpp"

#include <boost/json.hpp>
#include <pqxx/pqxx>

#include "coordinator/db/database.hpp"
#include "coordinator/pg/audit_chain.hpp"
#include "coordinator/pg/row_codec.hpp"

namespace waka::coordinator::pg {
namespace {

constexpr const char* kSystem = "system";

Expected<void> RecordMove(pqxx::work& tx, const AuditKey& audit_key, const std::string& id,
                          const std::string& instance_id, domain::DeploymentStatus from_status,
                          domain::DeploymentStatus to_status, const std::string& reason,
                          TimePoint now) {
    const auto from = StatusText(from_status);
    const auto to = StatusText(to_status);
    tx.exec_params(
        "INSERT INTO deployment_events (deployment_id, at, status, step, message) "
        "VALUES ($1, $2::timestamptz, $3, '', $4)",
        id, FormatRfc3339(now), to, reason);
    boost::json::object details{{"from", from}, {"to", to}};
    domain::AuditDraft draft{
        kSystem, "deployment.schedule",          "deployment", id, instance_id, "recorded",
        reason,  boost::json::serialize(details)};
    if (auto entry = AppendAudit(tx, audit_key, draft, now); !entry) {
        return entry.error();
    }
    return {};
}

}  // namespace

PgScheduleRepository::PgScheduleRepository(db::Database& database, const Clock& clock,
                                           const AuditKey& audit_key)
    : database_(database), clock_(clock), audit_key_(audit_key) {}

boost::asio::awaitable<Expected<std::vector<ports::WaitingDeployment>>>
PgScheduleRepository::Waiting(std::size_t limit) {
    co_return co_await database_.Run(
        [&](pqxx::connection& c) -> Expected<std::vector<ports::WaitingDeployment>> {
            pqxx::read_transaction tx(c);
            auto rows = tx.exec_params(
                "SELECT id, instance_id, status, kind FROM deployments WHERE status = 'scheduled' "
                "OR (status = 'queued' AND kind = 'deploy' AND NOT force) "
                "ORDER BY status = 'scheduled' DESC, created_at, id LIMIT $1",
                static_cast<long long>(limit));
            std::vector<ports::WaitingDeployment> waiting;
            waiting.reserve(rows.size());
            for (const auto& row : rows) {
                waiting.push_back({row[0].as<std::string>(), row[1].as<std::string>(),
                                   StatusFromText(row[2].as<std::string>()),
                                   row[3].as<std::string>()});
            }
            return waiting;
        });
}

boost::asio::awaitable<Expected<bool>> PgScheduleRepository::Move(const std::string& id,
                                                                  domain::DeploymentStatus from,
                                                                  domain::StatusEvent event,
                                                                  const std::string& reason) {
    const auto now = clock_.Now();
    const auto to = domain::NextStatus(from, event);
    if (!to) {
        co_return MakeError(Errc::kInvalidArgument, std::string(domain::ToString(event)) +
                                                        " does not apply to a deployment that is " +
                                                        StatusText(from));
    }
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<bool> {
        pqxx::work tx(c);
        auto moved = tx.exec_params(
            "UPDATE deployments SET status = $3, updated_at = $4::timestamptz "
            "WHERE id = $1 AND status = $2 RETURNING instance_id",
            id, StatusText(from), StatusText(*to), FormatRfc3339(now));
        if (moved.empty()) {
            return false;  // someone else moved it first (another pass, an approval, a cancel)
        }
        auto recorded =
            RecordMove(tx, audit_key_, id, moved[0][0].as<std::string>(), from, *to, reason, now);
        if (!recorded) {
            return recorded.error();
        }
        tx.commit();
        return true;
    });
}

boost::asio::awaitable<Expected<std::vector<std::string>>> PgScheduleRepository::ExpireApprovals() {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c)
                                         -> Expected<std::vector<std::string>> {
        pqxx::work tx(c);
        // The timeout of the policy in force now; an instance without an enabled policy follows
        // the default policy (72 hours, ADR 0009).
        const auto from = domain::DeploymentStatus::kAwaitingApproval;
        const auto to = *domain::NextStatus(from, domain::StatusEvent::kApprovalExpired);
        auto rows = tx.exec_params(
            "WITH timeouts AS (SELECT d.id, COALESCE((SELECT (p.approval->>'timeout_hours')::int "
            "FROM policies p WHERE p.instance_id = d.instance_id AND p.superseded_at IS NULL "
            "AND p.enabled), 72) AS hours FROM deployments d WHERE d.status = $2) "
            "UPDATE deployments d SET status = $3, updated_at = $1::timestamptz, "
            "completed_at = $1::timestamptz FROM timeouts t WHERE d.id = t.id AND "
            "d.status = $2 AND d.created_at + make_interval(hours => t.hours) "
            "<= $1::timestamptz RETURNING d.id, d.instance_id, t.hours",
            FormatRfc3339(now), StatusText(from), StatusText(to));
        std::vector<std::string> expired;
        for (const auto& row : rows) {
            const auto id = row[0].as<std::string>();
            const auto reason =
                "no approval decision within " + row[2].as<std::string>() + " hours: expired";
            auto recorded =
                RecordMove(tx, audit_key_, id, row[1].as<std::string>(), from, to, reason, now);
            if (!recorded) {
                return recorded.error();
            }
            expired.push_back(id);
        }
        tx.commit();
        return expired;
    });
}

boost::asio::awaitable<Expected<long long>> PgScheduleRepository::CatalogVersion() {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<long long> {
        pqxx::read_transaction tx(c);
        return tx.exec1("SELECT count(*) FROM releases WHERE artifact_sha256 IS NOT NULL")[0]
            .as<long long>();
    });
}

boost::asio::awaitable<Expected<std::vector<std::string>>>
PgScheduleRepository::InstancesWithQueuedWork() {
    co_return co_await database_.Run(
        [&](pqxx::connection& c) -> Expected<std::vector<std::string>> {
            pqxx::read_transaction tx(c);
            auto rows = tx.exec(
                "SELECT DISTINCT instance_id FROM deployments WHERE status = 'queued' "
                "ORDER BY instance_id LIMIT 10000");
            std::vector<std::string> instances;
            instances.reserve(rows.size());
            for (const auto& row : rows) {
                instances.push_back(row[0].as<std::string>());
            }
            return instances;
        });
}

boost::asio::awaitable<Expected<std::vector<ports::UpdatableInstance>>>
PgScheduleRepository::UpdatableInstances() {
    co_return co_await database_.Run(
        [&](pqxx::connection& c) -> Expected<std::vector<ports::UpdatableInstance>> {
            pqxx::read_transaction tx(c);
            auto rows = tx.exec(
                "SELECT i.id AS instance_id, m.id, m.instance_id AS scope, m.platform_name, "
                "m.platform_version, m.suites::text AS suites, m.capabilities::text AS "
                "capabilities, m.configuration::text AS configuration, m.content_hash "
                "FROM instances i JOIN manifests m ON m.id = i.current_manifest_id "
                "WHERE i.decommissioned_at IS NULL ORDER BY i.id");
            std::vector<ports::UpdatableInstance> instances;
            instances.reserve(rows.size());
            for (const auto& row : rows) {
                ports::UpdatableInstance item;
                item.instance_id = row["instance_id"].as<std::string>();
                domain::Manifest& m = item.current;
                m.id = row["id"].as<std::string>();
                if (!row["scope"].is_null()) {
                    m.instance_id = row["scope"].as<std::string>();
                }
                m.platform_name = row["platform_name"].as<std::string>();
                m.platform_version = row["platform_version"].as<std::string>();
                m.suites = StringMapFromJson(row["suites"].as<std::string>());
                m.capabilities = StringMapFromJson(row["capabilities"].as<std::string>());
                m.configuration_json = row["configuration"].as<std::string>();
                m.content_hash = row["content_hash"].as<std::string>();
                instances.push_back(std::move(item));
            }
            return instances;
        });
}

}  // namespace waka::coordinator::pg
