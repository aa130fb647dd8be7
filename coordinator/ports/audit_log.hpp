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
    std::int64_t entries = 0;
    std::optional<std::int64_t> first_bad_seq;
    std::string problem;
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
    // Recomputes the whole chain and reports the first entry whose hash or link does not match.
    virtual boost::asio::awaitable<Expected<AuditVerification>> Verify() = 0;
};

}  // namespace waka::coordinator::ports
