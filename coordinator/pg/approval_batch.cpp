// PgApprovalRepository::ApproveMany: one approver's approval of many deployments (a rollout's
// members, ADR 0039) in one transaction of a few statements, with Approve's checks and records.
#include <boost/json.hpp>
#include <map>
#include <pqxx/pqxx>

#include "coordinator/db/database.hpp"
#include "coordinator/pg/approval_repository.hpp"
#include "coordinator/pg/audit_chain.hpp"
#include "coordinator/pg/rollout_rows.hpp"
#include "coordinator/pg/row_codec.hpp"

namespace waka::coordinator::pg {
namespace {

// What a decision reads of each deployment, locked.
struct Row {
    domain::DeploymentStatus status = domain::DeploymentStatus::kPending;
    std::string instance_id;
    std::string requested_by;
    std::optional<std::string> earlier;  // this approver's earlier decision
};

std::map<std::string, Row> LockAll(pqxx::work& tx, const std::vector<std::string>& ids,
                                   const std::string& approver) {
    std::map<std::string, Row> rows;
    for (const auto& row : tx.exec_params(
             "SELECT d.id, d.status, d.instance_id, d.requested_by, (SELECT a.decision FROM "
             "approvals a WHERE a.deployment_id = d.id AND a.approver = $2 LIMIT 1) AS earlier "
             "FROM deployments d WHERE d.id IN (SELECT jsonb_array_elements_text($1::jsonb)) "
             "ORDER BY d.id FOR UPDATE OF d",
             JsonTextArray(ids), approver)) {
        rows.emplace(row["id"].as<std::string>(),
                     Row{StatusFromText(row["status"].as<std::string>()),
                         row["instance_id"].as<std::string>(),
                         row["requested_by"].as<std::string>(), OptionalText(row["earlier"])});
    }
    return rows;
}

// Approve's refusals, with the same words (approval_repository.cpp LockForDecision).
std::optional<Error> Refusal(const ports::ApprovalItem& item, const Row* row,
                             const std::string& approver) {
    if (row == nullptr) {
        return MakeError(Errc::kNotFound, "Deployment not found");
    }
    if (item.refused) {
        return MakeError(Errc::kPermissionDenied, *item.refused);
    }
    if (!domain::NextStatus(row->status, item.next.event)) {
        return MakeError(Errc::kConflict, "Deployment " + item.deployment_id + " is " +
                                              StatusText(row->status) +
                                              ": only a deployment awaiting approval can be "
                                              "approved");
    }
    if (row->requested_by == approver) {
        return MakeError(Errc::kPermissionDenied,
                         approver + " requested deployment " + item.deployment_id +
                             " and cannot approve it: another approver must decide");
    }
    if (row->earlier) {
        return MakeError(Errc::kConflict, approver + " already decided (" + *row->earlier +
                                              ") on deployment " + item.deployment_id);
    }
    return std::nullopt;
}

std::map<std::string, std::int64_t> CountApprovals(pqxx::work& tx,
                                                   const std::vector<std::string>& ids) {
    std::map<std::string, std::int64_t> counts;
    for (const auto& row : tx.exec_params(
             "SELECT deployment_id, count(DISTINCT approver) FROM approvals WHERE deployment_id "
             "IN (SELECT jsonb_array_elements_text($1::jsonb)) AND decision = 'approve' GROUP BY 1",
             JsonTextArray(ids))) {
        counts.emplace(row[0].as<std::string>(), row[1].as<std::int64_t>());
    }
    return counts;
}

std::string WithComment(std::string message, const std::string& comment) {
    return comment.empty() ? message : message + ": " + comment;
}

}  // namespace

boost::asio::awaitable<Expected<ports::ApprovedMany>> PgApprovalRepository::ApproveMany(
    const domain::Principal& by, const std::string& comment,
    const std::vector<ports::ApprovalItem>& items) {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<ports::ApprovedMany> {
        pqxx::work tx(c);
        std::vector<std::string> ids;
        for (const auto& item : items) {
            ids.push_back(item.deployment_id);
        }
        const auto rows = LockAll(tx, ids, by.actor);
        ports::ApprovedMany answer;
        std::vector<const ports::ApprovalItem*> taken;
        std::vector<domain::AuditDraft> audits;
        for (const auto& item : items) {
            const auto found = rows.find(item.deployment_id);
            const Row* row = found == rows.end() ? nullptr : &found->second;
            if (auto refusal = Refusal(item, row, by.actor)) {
                if (refusal->Is(Errc::kPermissionDenied)) {  // audited, as Approve's are
                    audits.push_back({by.actor, "deployment.approve", "deployment",
                                      item.deployment_id, row->instance_id, "refused",
                                      refusal->message, "{}"});
                }
                answer.refused.emplace_back(item.deployment_id, std::move(*refusal));
                continue;
            }
            taken.push_back(&item);
        }
        std::vector<std::string> taken_ids;
        for (const auto* item : taken) {
            taken_ids.push_back(item->deployment_id);
        }
        tx.exec_params(
            "INSERT INTO approvals (deployment_id, approver, decision, comment, at) SELECT x, $2, "
            "'approve', $3, $4::timestamptz FROM jsonb_array_elements_text($1::jsonb) AS t(x)",
            JsonTextArray(taken_ids), by.actor, comment, FormatRfc3339(now));
        const auto counts = CountApprovals(tx, taken_ids);
        boost::json::array events;
        boost::json::array moves;
        for (const auto* item : taken) {
            const Row& row = rows.at(item->deployment_id);
            ports::ApprovalResult result{
                row.status, row.instance_id,
                counts.contains(item->deployment_id) ? counts.at(item->deployment_id) : 0,
                item->required, false};
            events.push_back({{"d", item->deployment_id},
                              {"s", StatusText(row.status)},
                              {"m", WithComment("approved by " + by.actor + " (" +
                                                    std::to_string(result.approvals) + " of " +
                                                    std::to_string(item->required) + ")",
                                                comment)},
                              {"n", events.size()}});
            if (result.approvals >= item->required) {
                result.status = *domain::NextStatus(row.status, item->next.event);
                moves.push_back({{"d", item->deployment_id}, {"s", StatusText(result.status)}});
                events.push_back({{"d", item->deployment_id},
                                  {"s", StatusText(result.status)},
                                  {"m", "approvals complete; " + item->next.reason},
                                  {"n", events.size()}});
            }
            boost::json::object details{{"decision", "approve"},
                                        {"approvals", result.approvals},
                                        {"required_approvals", item->required},
                                        {"status", StatusText(result.status)}};
            audits.push_back({by.actor, "deployment.approve", "deployment", item->deployment_id,
                              row.instance_id, "recorded", comment,
                              boost::json::serialize(details)});
            answer.approved.emplace_back(item->deployment_id, std::move(result));
        }
        tx.exec_params(
            "UPDATE deployments d SET status = x.s, updated_at = $2::timestamptz FROM "
            "jsonb_to_recordset($1::jsonb) AS x(d text, s text) WHERE d.id = x.d",
            boost::json::serialize(moves), FormatRfc3339(now));
        tx.exec_params(
            "INSERT INTO deployment_events (deployment_id, at, status, step, message) SELECT x.d, "
            "$2::timestamptz, x.s, '', x.m FROM jsonb_to_recordset($1::jsonb) AS x(d text, s "
            "text, m text, n bigint) ORDER BY x.n",
            boost::json::serialize(events), FormatRfc3339(now));
        if (auto audited = AppendAudits(tx, audit_key_, audits, now); !audited) {
            return audited.error();
        }
        tx.commit();
        return answer;
    });
}

}  // namespace waka::coordinator::pg
