#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "coordinator/domain/model.hpp"
#include "shared/core/error.hpp"

// The append-only, hash-chained audit log (docs/design.md §3). Mutations of the other repositories
// append their own entry in their own transaction; Record is for decisions that store nothing else
// (dry runs, refusals).
namespace waka::coordinator::ports {

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
    std::int64_t entries = 0;  // entries that verified, from the first one on
    std::optional<std::int64_t> first_bad_seq;
    std::string problem;
    // The first and the last entry sealed with the audit key (none: every verified entry is an
    // unkeyed one of before ADR 0028, or the log is empty).
    std::optional<std::int64_t> keyed_from_seq;
    std::optional<std::int64_t> last_keyed_seq;
    // The last entry verified (0 and "" when none).
    std::int64_t head_seq = 0;
    std::string head_hash;
};

// One page of GET /api/v1/audit/export: entries with seq > after_seq, in seq order, and the last
// entry of the whole log (the chain head) read in the same snapshot.
struct AuditExportPage {
    std::vector<domain::AuditEntry> entries;
    std::int64_t head_seq = 0;  // 0 and "" when the log is empty
    std::string head_hash;
};

class AuditLog {
public:
    virtual ~AuditLog() = default;

    // An audit entry with no other change.
    virtual boost::asio::awaitable<Expected<void>> Record(const domain::AuditDraft& audit) = 0;
    // Entries matching every given filter field, in increasing seq, at most min(limit, 1000); since
    // and until are inclusive; after_seq answers entries with a greater seq.
    virtual boost::asio::awaitable<Expected<std::vector<domain::AuditEntry>>> List(
        AuditFilter filter) = 0;
    // Recomputes the whole chain and reports the first entry whose hash or link does not match,
    // or that is not sealed with the configured audit key although it should be (ADR 0028).
    virtual boost::asio::awaitable<Expected<AuditVerification>> Verify() = 0;
    // Up to min(limit, 10000) entries with seq > after_seq, and the chain head, in one snapshot.
    virtual boost::asio::awaitable<Expected<AuditExportPage>> Export(std::int64_t after_seq,
                                                                     std::size_t limit) = 0;
};

}  // namespace waka::coordinator::ports
