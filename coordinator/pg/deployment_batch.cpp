// The set-based forms of the deployment repository for a rollout phase (ADR 0037): reading every
// member's inputs, storing every deployment and claiming every dispatch are a few statements for
// the whole set. PgDeploymentRepository's third file.
#include <boost/json.hpp>
#include <pqxx/pqxx>

#include "coordinator/db/database.hpp"
#include "coordinator/pg/audit_chain.hpp"
#include "coordinator/pg/batch_reads.hpp"
#include "coordinator/pg/deployment_repository.hpp"
#include "coordinator/pg/deployment_rows.hpp"
#include "coordinator/pg/floor_repository.hpp"
#include "coordinator/pg/rollout_rows.hpp"
#include "coordinator/pg/row_codec.hpp"

namespace waka::coordinator::pg {
namespace {

// The members of a fleet change with what their evaluation reads: four statements for all.
std::vector<ports::FleetMember> FindMembers(pqxx::transaction_base& tx,
                                            const std::vector<std::string>& ids) {
    const std::string ids_json = JsonTextArray(ids);
    std::map<std::string, ports::FleetMember> found;
    std::vector<std::string> current_ids;
    for (const auto& row : tx.exec_params(
             InstanceSelect() + "WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb))",
             ids_json)) {
        ports::FleetMember member;
        member.instance = InstanceFromRow(row);
        if (member.instance.current_manifest_id) {
            current_ids.push_back(*member.instance.current_manifest_id);
        }
        found.emplace(member.instance.id, std::move(member));
    }
    auto pins = ActivePinsOf(tx, ids_json);
    auto quarantined = QuarantinedOf(tx, ids_json);
    auto policies = ActivePoliciesOf(tx, ids_json);
    auto currents = ManifestsOf(tx, JsonTextArray(current_ids));
    std::map<std::string, ports::FleetMember::Open> open;
    std::vector<domain::DeploymentStatus> unfinished;
    for (auto status : domain::AllDeploymentStatuses()) {
        if (!domain::IsTerminal(status)) {
            unfinished.push_back(status);
        }
    }
    for (const auto& row : tx.exec_params(
             "SELECT DISTINCT ON (instance_id) instance_id, id, kind, status FROM deployments "
             "WHERE instance_id IN (SELECT jsonb_array_elements_text($1::jsonb)) AND status = "
             "ANY($2::text[]) ORDER BY instance_id, created_at, queue_seq",
             ids_json, StatusesText(unfinished))) {
        open.emplace(
            row["instance_id"].as<std::string>(),
            ports::FleetMember::Open{row["id"].as<std::string>(), row["kind"].as<std::string>(),
                                     StatusFromText(row["status"].as<std::string>())});
    }
    std::vector<ports::FleetMember> members;
    for (const auto& id : ids) {
        auto it = found.find(id);
        if (it == found.end()) {
            continue;
        }
        auto& member = it->second;
        member.pins = std::move(pins[id]);
        member.quarantined = std::move(quarantined[id]);
        if (auto policy = policies.find(id); policy != policies.end()) {
            member.policy = std::move(policy->second);
        }
        if (auto unfinished_one = open.find(id); unfinished_one != open.end()) {
            member.open = std::move(unfinished_one->second);
        }
        if (member.instance.current_manifest_id) {
            if (auto current = currents.find(*member.instance.current_manifest_id);
                current != currents.end()) {
                member.current = current->second;
            }
        }
        members.push_back(std::move(member));
    }
    return members;
}

boost::json::array DeploymentRows(const std::vector<domain::Deployment>& deployments) {
    boost::json::array rows;
    for (const auto& d : deployments) {
        boost::json::object row{{"id", d.id},
                                {"kind", d.kind},
                                {"status", StatusText(d.status)},
                                {"instance_id", d.instance_id},
                                {"manifest_id", d.manifest_id},
                                {"requested_by", d.requested_by},
                                {"reason", d.reason},
                                {"force", d.force},
                                {"skip_validation", d.skip_validation},
                                {"plan", boost::json::parse(PlanToJson(d.plan))}};
        if (d.previous_manifest_id) {
            row["previous_manifest_id"] = *d.previous_manifest_id;
        }
        if (auto rule = ApprovalRuleText(d.approval)) {
            row["approval_rule"] = boost::json::parse(*rule);
        }
        if (d.rollout_id) {
            row["rollout_id"] = *d.rollout_id;
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

boost::json::array EventRows(const std::vector<domain::Deployment>& deployments) {
    boost::json::array rows;
    for (const auto& d : deployments) {
        for (const auto& event : d.events) {
            // n keeps each deployment's events in their order (the ids follow the insert's).
            rows.push_back({{"d", d.id},
                            {"s", StatusText(event.status)},
                            {"st", event.step},
                            {"m", event.message},
                            {"n", rows.size()}});
        }
    }
    return rows;
}

// Links every rollout member to its deployment while it is still pending, and every revert to its
// member once; false when one cannot be (its rollout was aborted meanwhile, or a revert was already
// made): the caller then stores nothing.
bool LinkMembers(pqxx::work& tx, const std::vector<domain::Deployment>& deployments) {
    boost::json::array starts;
    boost::json::array reverts;
    for (const auto& d : deployments) {
        if (d.rollout_id) {
            (d.kind == "rollback" ? reverts : starts)
                .push_back({{"r", *d.rollout_id}, {"i", d.instance_id}, {"d", d.id}});
        }
    }
    if (!starts.empty() &&
        tx.exec_params("UPDATE rollout_members m SET deployment_id = x.d, state = 'started' FROM "
                       "jsonb_to_recordset($1::jsonb) AS x(r text, i text, d text) WHERE "
                       "m.rollout_id = x.r AND m.instance_id = x.i AND m.state = 'pending' "
                       "RETURNING m.instance_id",
                       boost::json::serialize(starts))
                .size() != starts.size()) {
        return false;
    }
    return reverts.empty() ||
           tx.exec_params(
                 "UPDATE rollout_members m SET revert_deployment_id = x.d FROM "
                 "jsonb_to_recordset($1::jsonb) AS x(r text, i text, d text) WHERE "
                 "m.rollout_id = x.r AND m.instance_id = x.i AND "
                 "m.revert_deployment_id IS NULL RETURNING m.instance_id",
                 boost::json::serialize(reverts))
                   .size() == reverts.size();
}

// PatchRepository::Link for every deployment of a fleet patch, in one statement.
void LinkPatch(pqxx::work& tx, const std::vector<domain::Deployment>& deployments,
               const std::string& patch_id, bool enforced) {
    boost::json::array rows;
    for (const auto& d : deployments) {
        rows.push_back({{"d", d.id}, {"i", d.instance_id}});
    }
    tx.exec_params(
        "INSERT INTO patch_deployments (deployment_id, patch_id, instance_id, enforced) "
        "SELECT x.d, $2, x.i, $3 FROM jsonb_to_recordset($1::jsonb) AS x(d text, i text)",
        boost::json::serialize(rows), patch_id, enforced);
}

}  // namespace

boost::asio::awaitable<Expected<std::vector<ports::FleetMember>>>
PgDeploymentRepository::LoadFleetMembers(const std::vector<std::string>& instance_ids) {
    co_return co_await database_.Run(
        [&](pqxx::connection& c) -> Expected<std::vector<ports::FleetMember>> {
            pqxx::read_transaction tx(c);
            return FindMembers(tx, instance_ids);
        });
}

boost::asio::awaitable<Expected<ports::FleetInputs>> PgDeploymentRepository::LoadFleetTargets(
    const std::vector<std::string>& manifest_ids,
    const std::vector<domain::Manifest>& new_manifests) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<ports::FleetInputs> {
        pqxx::read_transaction tx(c);
        auto stored = ManifestsOf(tx, JsonTextArray(manifest_ids));
        for (const auto& m : new_manifests) {
            stored.emplace(m.id, m);
        }
        std::vector<const domain::Manifest*> manifests;
        for (const auto& [id, m] : stored) {
            manifests.push_back(&m);
        }
        auto releases = ReleasesOfManifests(tx, manifests);
        ports::FleetInputs inputs;
        for (auto& [id, m] : stored) {
            inputs.targets.emplace(id, ports::FleetTarget{std::move(m), std::move(releases[id])});
        }
        inputs.floors = SelectFloors(tx);
        return inputs;
    });
}

boost::asio::awaitable<Expected<void>> PgDeploymentRepository::InsertBatch(
    const ports::FleetWrite& write) {
    const auto now = clock_.Now();
    const auto& deployments = write.deployments;
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        auto audits = InsertManifests(tx, write.manifests, write.actor, now);
        audits.insert(audits.end(), write.audits.begin(), write.audits.end());
        tx.exec_params(
            "INSERT INTO deployments (id, kind, status, instance_id, manifest_id, "
            "previous_manifest_id, requested_by, reason, force, skip_validation, plan, "
            "created_at, updated_at, approval_rule, rollout_id) SELECT x.id, x.kind, x.status, "
            "x.instance_id, x.manifest_id, x.previous_manifest_id, x.requested_by, x.reason, "
            "x.force, x.skip_validation, x.plan, $2::timestamptz, $2::timestamptz, "
            "x.approval_rule, x.rollout_id FROM jsonb_to_recordset($1::jsonb) "
            "AS x(id text, kind text, status text, instance_id text, manifest_id text, "
            "previous_manifest_id text, requested_by text, reason text, force boolean, "
            "skip_validation boolean, plan jsonb, approval_rule jsonb, rollout_id text)",
            boost::json::serialize(DeploymentRows(deployments)), FormatRfc3339(now));
        tx.exec_params(
            "INSERT INTO deployment_events (deployment_id, at, status, step, message) SELECT "
            "x.d, $2::timestamptz, x.s, x.st, x.m FROM jsonb_to_recordset($1::jsonb) "
            "AS x(d text, s text, st text, m text, n bigint) ORDER BY x.n",
            boost::json::serialize(EventRows(deployments)), FormatRfc3339(now));
        if (write.patch_id) {
            LinkPatch(tx, deployments, *write.patch_id, write.enforced);
        }
        if (!LinkMembers(tx, deployments)) {
            return MakeError(Errc::kConflict,
                             "a rollout member is no longer waiting to start: nothing stored");
        }
        if (auto audited = AppendAudits(tx, audit_key_, audits, now); !audited) {
            return audited.error();
        }
        tx.commit();
        return {};
    });
}

// ClaimNext's rules for a set: the instances' rows are locked (in id order, so two claimers never
// deadlock), and each instance with nothing deploying has its oldest dispatchable deployment moved
// to deploying, all in one statement. The update checks the status again, so a deployment another
// claimer took meanwhile is never taken twice.
boost::asio::awaitable<Expected<std::vector<domain::Dispatch>>> PgDeploymentRepository::ClaimBatch(
    const std::vector<std::string>& instance_ids) {
    const auto now = clock_.Now();
    const auto from = domain::StatusesAccepting(domain::StatusEvent::kDispatched);
    co_return co_await database_.Run([&](pqxx::connection& c)
                                         -> Expected<std::vector<domain::Dispatch>> {
        pqxx::work tx(c);
        const std::string ids = JsonTextArray(instance_ids);
        tx.exec_params(
            "SELECT 1 FROM instances WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb)) "
            "ORDER BY id FOR UPDATE",
            ids);
        auto claimed = tx.exec_params(
            "WITH next AS (SELECT DISTINCT ON (d.instance_id) d.id AS next_id FROM deployments d "
            "WHERE d.instance_id IN (SELECT jsonb_array_elements_text($1::jsonb)) "
            "AND d.status = ANY($2::text[]) AND NOT EXISTS (SELECT 1 FROM deployments x "
            "WHERE x.instance_id = d.instance_id AND x.status = 'deploying') "
            "ORDER BY d.instance_id, d.created_at, d.queue_seq) "
            "UPDATE deployments d SET status = 'deploying', started_at = $3::timestamptz, "
            "updated_at = $3::timestamptz FROM next WHERE d.id = next.next_id "
            "AND d.status = ANY($2::text[]) RETURNING " +
                DeploymentColumns(),
            ids, StatusesText(from), FormatRfc3339(now));
        std::vector<domain::Deployment> deployments;
        std::vector<std::string> manifest_ids;
        for (const auto& row : claimed) {
            deployments.push_back(DeploymentFromRow(row));
            manifest_ids.push_back(deployments.back().manifest_id);
        }
        tx.exec_params(
            "INSERT INTO deployment_events (deployment_id, at, status, step, message) "
            "SELECT id, $2::timestamptz, 'deploying', '', 'instruction sent to the agent' "
            "FROM jsonb_array_elements_text($1::jsonb) AS x(id)",
            JsonTextArray([&] {
                std::vector<std::string> claimed_ids;
                for (const auto& d : deployments) {
                    claimed_ids.push_back(d.id);
                }
                return claimed_ids;
            }()),
            FormatRfc3339(now));
        const auto manifests = ManifestsOf(tx, JsonTextArray(manifest_ids));
        const auto floors = SelectFloors(tx);
        std::vector<domain::Dispatch> dispatches;
        for (auto& d : deployments) {
            const auto manifest = manifests.find(d.manifest_id);
            std::string configuration =
                manifest == manifests.end() ? "{}" : manifest->second.configuration_json;
            dispatches.push_back({std::move(d), std::move(configuration), floors});
        }
        tx.commit();
        return dispatches;
    });
}

}  // namespace waka::coordinator::pg
