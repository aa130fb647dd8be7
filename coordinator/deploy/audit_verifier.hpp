#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "coordinator/ports/audit_log.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/error.hpp"

// The scheduled verification of the audit chain (issue 13, item 7; ADR 0028). Every coordinator
// runs its own, leader or not: it only reads, and each coordinator's key must verify the chain.
// A broken chain is logged at error level naming the first bad seq and shows in GET /metrics
// (waka_audit_chain_valid 0, waka_audit_verify_failures_total).
namespace waka::coordinator::deploy {

struct AuditVerifierOptions {
    std::chrono::milliseconds interval = std::chrono::hours(1);  // between verifications
    // Called on the verifier's strand after each completed verification with what it found
    // (tests wait on it instead of sleeping). May be empty.
    std::function<void(const ports::AuditVerification&)> on_verified{};
};

// What the verifications so far found (GET /metrics).
struct AuditVerifierStatus {
    std::uint64_t runs = 0;      // verifications that completed (whatever they found)
    std::uint64_t failures = 0;  // of those, the ones that found the chain broken
    std::uint64_t errors = 0;    // verifications that could not run (the database failed)
    std::optional<bool> valid;   // what the last completed one found; none before the first
    std::int64_t entries = 0;    // entries the last completed one verified
    std::optional<std::int64_t> first_bad_seq;
    std::optional<TimePoint> last_run_at;  // when the last completed one ended
};

class AuditVerifier {
public:
    // Verifications run on a strand of `executor`; `audit` and `clock` must outlive the verifier.
    AuditVerifier(boost::asio::any_io_executor executor, ports::AuditLog& audit, const Clock& clock,
                  AuditVerifierOptions options);
    ~AuditVerifier();
    AuditVerifier(const AuditVerifier&) = delete;
    AuditVerifier& operator=(const AuditVerifier&) = delete;

    // Starts the loop: one verification at once, then one per interval. Stop() ends it.
    void Start();
    void Stop();

    // One verification now (the loop runs the same; tests call it directly, nothing sleeps).
    // Besides ports::AuditLog::Verify it compares with what earlier verifications of this process
    // saw: a log now ending before the head seen then (entries removed at the end), or entries
    // seen sealed then and not now (a downgrade to unkeyed hashes), is a broken chain too.
    // An error: the verification could not run (counted in errors, logged at warn).
    boost::asio::awaitable<Expected<ports::AuditVerification>> RunOnce();

    // Thread-safe.
    [[nodiscard]] AuditVerifierStatus Status() const;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace waka::coordinator::deploy
