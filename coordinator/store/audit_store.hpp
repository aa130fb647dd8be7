#pragma once

#include <optional>
#include <string>
#include <vector>

#include "coordinator/store/types.hpp"
#include "shared/core/error.hpp"

namespace pqxx {
class transaction_base;
}  // namespace pqxx

// The append-only, hash-chained audit log. Every mutating store call appends its entry inside its
// own transaction, so the change and its audit entry commit together or not at all.
namespace waka::coordinator::store {

struct AuditFilter {
    std::optional<std::string> instance_id;
    std::optional<std::string> actor;
    std::optional<std::string> action;
    std::optional<TimePoint> since;
    std::optional<TimePoint> until;
    std::size_t limit = 100;
    std::optional<std::int64_t> after_seq;  // cursor
};

struct AuditVerification {
    bool ok = true;
    std::int64_t entries = 0;
    std::optional<std::int64_t> first_bad_seq;
    std::string problem;
};

// Appends inside the caller's transaction, so a change and its audit entry commit together.
// Appenders are serialised by a transaction-level advisory lock to keep the chain linear.
[[nodiscard]] Expected<AuditEntry> AppendAudit(pqxx::transaction_base& tx, const AuditDraft& draft,
                                               TimePoint at);
[[nodiscard]] Expected<std::vector<AuditEntry>> ListAudit(pqxx::transaction_base& tx,
                                                          const AuditFilter& filter);
// Recomputes the whole chain and reports the first entry whose hash or link does not match.
[[nodiscard]] Expected<AuditVerification> VerifyAudit(pqxx::transaction_base& tx);

// The hash of an entry: SHA-256 over prev_hash and every field in a fixed, length-prefixed layout.
[[nodiscard]] std::string AuditHash(const std::string& prev_hash, const AuditEntry& entry);

}  // namespace waka::coordinator::store
