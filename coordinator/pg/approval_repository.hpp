#pragma once

#include "coordinator/pg/audit_key.hpp"
#include "coordinator/ports/approval_repository.hpp"
#include "shared/core/clock.hpp"

namespace waka::coordinator::db {
class Database;
}

namespace waka::coordinator::pg {

// Every method is one transaction on the database pool (safe from any executor; resumes on the
// caller's); the contracts are those of the port.
class PgApprovalRepository final : public ports::ApprovalRepository {
public:
    PgApprovalRepository(db::Database& database, const Clock& clock, const AuditKey& audit_key);

    // approval_batch.cpp.
    boost::asio::awaitable<Expected<ports::ApprovedMany>> ApproveMany(
        const domain::Principal& by, const std::string& comment,
        const std::vector<ports::ApprovalItem>& items) override;
    boost::asio::awaitable<Expected<ports::ApprovalResult>> Approve(
        const ports::ApprovalAction& action, std::int64_t required,
        const ports::AfterApproval& next) override;
    boost::asio::awaitable<Expected<ports::ApprovalResult>> Reject(
        const ports::ApprovalAction& action) override;
    boost::asio::awaitable<Expected<ports::ApprovalResult>> Cancel(
        const ports::ApprovalAction& action) override;

private:
    db::Database& database_;
    const Clock& clock_;
    const AuditKey& audit_key_;  // seals the entries appended (ADR 0028)
};

}  // namespace waka::coordinator::pg
