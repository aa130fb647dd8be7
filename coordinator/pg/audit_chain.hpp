#pragma once

#include <optional>
#include <string>
#include <vector>

#include "coordinator/domain/model.hpp"
#include "coordinator/pg/audit_key.hpp"
#include "coordinator/ports/audit_log.hpp"
#include "shared/core/error.hpp"

namespace pqxx {
class transaction_base;
}  // namespace pqxx

// The append-only, hash-chained audit log. Every mutating repository call appends its entry inside
// its own transaction, so the change and its audit entry commit together or not at all.
namespace waka::coordinator::pg {

// Appends inside the caller's transaction, so a change and its audit entry commit together.
// Appenders are serialised by a transaction-level advisory lock to keep the chain linear: the lock
// is held until the caller's transaction ends, so append last, just before commit. The transaction
// must be READ COMMITTED (pqxx::work), so that the chain head is read after the lock is taken.
// `at` is truncated to milliseconds; details_json must be valid JSON (else kInvalidArgument, and
// the transaction is untouched); the answered entry carries details as jsonb prints them.
// Database failures answer kDatabase: the caller's transaction is then aborted and must be dropped.
// With a key (key.HasKey()) the entry is sealed with AuditSeal and records key.Id(); without one it
// carries the unkeyed AuditHash (ADR 0028).
[[nodiscard]] Expected<domain::AuditEntry> AppendAudit(pqxx::transaction_base& tx,
                                                       const AuditKey& key,
                                                       const domain::AuditDraft& draft,
                                                       TimePoint at);
// The same for several entries, chained in order, with one lock, one read of the chain head and
// one insert for all of them (a rollout phase's deployments, ADR 0037).
[[nodiscard]] Expected<void> AppendAudits(pqxx::transaction_base& tx, const AuditKey& key,
                                          const std::vector<domain::AuditDraft>& drafts,
                                          TimePoint at);
// Entries matching every given filter field, in increasing seq, at most min(limit, 1000); since
// and until are inclusive; after_seq answers entries with a greater seq (the next page's cursor is
// the last seq answered).
[[nodiscard]] Expected<std::vector<domain::AuditEntry>> ListAudit(pqxx::transaction_base& tx,
                                                                  const ports::AuditFilter& filter);
// Recomputes the whole chain, in pages, and reports the first entry that fails: its link to the
// entry before it, its hash or seal, an entry sealed with a key other than `key` (or with a key
// when there is none), or an unkeyed entry after a keyed one (a downgrade). Read it in one
// snapshot (REPEATABLE READ) so that appends going on do not matter.
[[nodiscard]] Expected<ports::AuditVerification> VerifyAudit(pqxx::transaction_base& tx,
                                                             const AuditKey& key);
// Up to min(limit, 10000) entries with seq > after_seq in seq order, and the chain head (the last
// entry of the log); read both in one snapshot.
[[nodiscard]] Expected<ports::AuditExportPage> ExportAudit(pqxx::transaction_base& tx,
                                                           std::int64_t after_seq,
                                                           std::size_t limit);
// Start-up check: the newest entry must be unkeyed or sealed with `key`, else appending would
// break the chain from here on (a key removed, or replaced: rotation is not supported yet).
// kInvalidArgument naming the key ids (never the secret).
[[nodiscard]] Expected<void> CheckAuditKey(pqxx::transaction_base& tx, const AuditKey& key);

// The hash of an entry, lower-case hex SHA-256 over these fields, each written as
// "<decimal byte length>:<bytes>", in this order:
//   "waka-audit-v1", FormatRfc3339(at) (UTC, milliseconds), actor, action, target_type, target_id,
//   instance_id ("" when none), decision, reason, details, prev_hash ("" for the first entry).
// seq is not covered (it is assigned by the insert); the prev_hash links fix the order instead.
// details is the text PostgreSQL prints for the stored jsonb (details::text), not the caller's
// text: jsonb normalises spacing and key order, and verification must read back the same bytes.
[[nodiscard]] std::string AuditHash(const std::string& prev_hash, const domain::AuditEntry& entry);
// The seal of an entry under `key` (which must HasKey()): lower-case hex HMAC-SHA256 over the same
// framing with "waka-audit-v2" first and key.Id() last, after prev_hash.
[[nodiscard]] std::string AuditSeal(const AuditKey& key, const std::string& prev_hash,
                                    const domain::AuditEntry& entry);

}  // namespace waka::coordinator::pg
