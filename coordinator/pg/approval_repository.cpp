#include "coordinator/pg/approval_repository.hpp"

#include <boost/json.hpp>
#include <pqxx/pqxx>

#include "coordinator/db/database.hpp"
#include "coordinator/pg/audit_chain.hpp"
#include "coordinator/pg/row_codec.hpp"

namespace waka::coordinator::pg {
namespace {

// The columns a decision needs, read under a row lock.
struct Locked {
    domain::DeploymentStatus status = domain::DeploymentStatus::kPending;
    std::string instance_id;
    std::string requested_by;
};

Expected<Locked> LockDeployment(pqxx::work& tx, const std::string& id) {
    auto rows = tx.exec_params(
        "SELECT status, instance_id, requested_by FROM deployments WHERE id = $1 FOR UPDATE", id);
    if (rows.empty()) {
        return MakeError(Errc::kNotFound, "Deployment not found");
    }
    return Locked{StatusFromText(rows[0][0].as<std::string>()), rows[0][1].as<std::string>(),
                  rows[0][2].as<std::string>()};
}

void InsertEvent(pqxx::work& tx, const std::string& id, domain::DeploymentStatus status,
                 const std::string& message, TimePoint at) {
    tx.exec_params(
        "INSERT INTO deployment_events (deployment_id, at, status, step, message) "
        "VALUES ($1, $2::timestamptz, $3, '', $4)",
        id, FormatRfc3339(at), StatusText(status), message);
}

void SetStatus(pqxx::work& tx, const std::string& id, domain::DeploymentStatus status,
               TimePoint at) {
    const bool final = domain::IsTerminal(status);
    tx.exec_params(
        "UPDATE deployments SET status = $2, updated_at = $3::timestamptz, "
        "completed_at = CASE WHEN $4 THEN $3::timestamptz ELSE completed_at END WHERE id = $1",
        id, StatusText(status), FormatRfc3339(at), final);
}

std::string WithComment(std::string message, const std::string& comment) {
    return comment.empty() ? message : message + ": " + comment;
}

Expected<void> Audit(pqxx::work& tx, const AuditKey& audit_key, const ports::ApprovalAction& action,
                     const std::string& verb, const Locked& row, const boost::json::object& details,
                     TimePoint at) {
    domain::AuditDraft draft{.actor = action.by.actor,
                             .action = "deployment." + verb,
                             .target_type = "deployment",
                             .target_id = action.deployment_id,
                             .instance_id = row.instance_id,
                             .decision = "recorded",
                             .reason = action.comment,
                             .details_json = boost::json::serialize(details)};
    if (auto entry = AppendAudit(tx, audit_key, draft, at); !entry) {
        return entry.error();
    }
    return {};
}

// The checks shared by approve and reject (docs/design.md §4.1: the requester never approves their
// own).
Expected<Locked> LockForDecision(pqxx::work& tx, const ports::ApprovalAction& action,
                                 const std::string& verb, domain::StatusEvent event) {
    auto row = LockDeployment(tx, action.deployment_id);
    if (!row) {
        return row.error();
    }
    if (!domain::NextStatus(row->status, event)) {
        return MakeError(Errc::kConflict, "Deployment " + action.deployment_id + " is " +
                                              StatusText(row->status) +
                                              ": only a deployment awaiting "
                                              "approval can be " +
                                              verb + "d");
    }
    if (row->requested_by == action.by.actor) {
        return MakeError(Errc::kPermissionDenied, action.by.actor + " requested deployment " +
                                                      action.deployment_id + " and cannot " + verb +
                                                      " it: another approver must decide");
    }
    auto earlier =
        tx.exec_params("SELECT decision FROM approvals WHERE deployment_id = $1 AND approver = $2",
                       action.deployment_id, action.by.actor);
    if (!earlier.empty()) {
        return MakeError(Errc::kConflict, action.by.actor + " already decided (" +
                                              earlier[0][0].as<std::string>() + ") on deployment " +
                                              action.deployment_id);
    }
    return row;
}

void InsertApproval(pqxx::work& tx, const ports::ApprovalAction& action,
                    const std::string& decision, TimePoint at) {
    tx.exec_params(
        "INSERT INTO approvals (deployment_id, approver, decision, comment, at) "
        "VALUES ($1, $2, $3, $4, $5::timestamptz)",
        action.deployment_id, action.by.actor, decision, action.comment, FormatRfc3339(at));
}

std::int64_t CountApprovals(pqxx::work& tx, const std::string& id) {
    return tx
        .exec_params1(
            "SELECT count(DISTINCT approver) FROM approvals WHERE deployment_id = $1 "
            "AND decision = 'approve'",
            id)[0]
        .as<std::int64_t>();
}

Expected<ports::ApprovalResult> ApproveIn(pqxx::work& tx, const AuditKey& audit_key,
                                          const ports::ApprovalAction& action,
                                          std::int64_t required, const ports::AfterApproval& next,
                                          TimePoint now) {
    auto row = LockForDecision(tx, action, "approve", next.event);
    if (!row) {
        return row.error();
    }
    InsertApproval(tx, action, "approve", now);
    ports::ApprovalResult result{row->status, row->instance_id,
                                 CountApprovals(tx, action.deployment_id), required, false};
    InsertEvent(
        tx, action.deployment_id, row->status,
        WithComment("approved by " + action.by.actor + " (" + std::to_string(result.approvals) +
                        " of " + std::to_string(required) + ")",
                    action.comment),
        now);
    if (result.approvals >= required) {
        result.status = *domain::NextStatus(row->status, next.event);
        SetStatus(tx, action.deployment_id, result.status, now);
        InsertEvent(tx, action.deployment_id, result.status, "approvals complete; " + next.reason,
                    now);
    }
    boost::json::object details{{"decision", "approve"},
                                {"approvals", result.approvals},
                                {"required_approvals", required},
                                {"status", StatusText(result.status)}};
    if (auto audited = Audit(tx, audit_key, action, "approve", *row, details, now); !audited) {
        return audited.error();
    }
    tx.commit();
    return result;
}

Expected<ports::ApprovalResult> RejectIn(pqxx::work& tx, const AuditKey& audit_key,
                                         const ports::ApprovalAction& action, TimePoint now) {
    auto row = LockForDecision(tx, action, "reject", domain::StatusEvent::kRejected);
    if (!row) {
        return row.error();
    }
    const auto rejected = *domain::NextStatus(row->status, domain::StatusEvent::kRejected);
    InsertApproval(tx, action, "reject", now);
    SetStatus(tx, action.deployment_id, rejected, now);
    InsertEvent(tx, action.deployment_id, rejected,
                WithComment("rejected by " + action.by.actor, action.comment), now);
    boost::json::object details{{"decision", "reject"}, {"status", StatusText(rejected)}};
    if (auto audited = Audit(tx, audit_key, action, "reject", *row, details, now); !audited) {
        return audited.error();
    }
    ports::ApprovalResult result{rejected, row->instance_id,
                                 CountApprovals(tx, action.deployment_id), 0, false};
    tx.commit();
    return result;
}

Expected<ports::ApprovalResult> CancelIn(pqxx::work& tx, const AuditKey& audit_key,
                                         const ports::ApprovalAction& action, TimePoint now) {
    auto row = LockDeployment(tx, action.deployment_id);
    if (!row) {
        return row.error();
    }
    const auto next = domain::NextStatus(row->status, domain::StatusEvent::kCancelled);
    if (!next) {
        return MakeError(Errc::kConflict, "Deployment " + action.deployment_id + " is already " +
                                              StatusText(row->status) + ": nothing to cancel");
    }
    // The table keeps a running deployment where it is: only its agent can stop it.
    ports::ApprovalResult result{*next, row->instance_id, 0, 0, *next == row->status};
    if (result.running) {
        InsertEvent(tx, action.deployment_id, row->status,
                    WithComment("cancel requested by " + action.by.actor +
                                    "; the agent stops it only if it has not started",
                                action.comment),
                    now);
    } else {
        SetStatus(tx, action.deployment_id, *next, now);
        InsertEvent(tx, action.deployment_id, *next,
                    WithComment("cancelled by " + action.by.actor, action.comment), now);
    }
    boost::json::object details{{"previous_status", StatusText(row->status)},
                                {"status", StatusText(result.status)}};
    if (auto audited = Audit(tx, audit_key, action, "cancel", *row, details, now); !audited) {
        return audited.error();
    }
    tx.commit();
    return result;
}

}  // namespace

PgApprovalRepository::PgApprovalRepository(db::Database& database, const Clock& clock,
                                           const AuditKey& audit_key)
    : database_(database), clock_(clock), audit_key_(audit_key) {}

boost::asio::awaitable<Expected<ports::ApprovalResult>> PgApprovalRepository::Approve(
    const ports::ApprovalAction& action, std::int64_t required, const ports::AfterApproval& next) {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<ports::ApprovalResult> {
        pqxx::work tx(c);
        return ApproveIn(tx, audit_key_, action, required, next, now);
    });
}

boost::asio::awaitable<Expected<ports::ApprovalResult>> PgApprovalRepository::Reject(
    const ports::ApprovalAction& action) {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<ports::ApprovalResult> {
        pqxx::work tx(c);
        return RejectIn(tx, audit_key_, action, now);
    });
}

boost::asio::awaitable<Expected<ports::ApprovalResult>> PgApprovalRepository::Cancel(
    const ports::ApprovalAction& action) {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<ports::ApprovalResult> {
        pqxx::work tx(c);
        return CancelIn(tx, audit_key_, action, now);
    });
}

}  // namespace waka::coordinator::pg
