#include "coordinator/deploy/audit_verifier.hpp"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <mutex>

#include "shared/core/log.hpp"

namespace waka::coordinator::deploy {
namespace {

namespace asio = boost::asio;

// What earlier verifications of this process saw: the chain may only grow.
struct Seen {
    std::int64_t head_seq = 0;
    std::optional<std::int64_t> last_keyed_seq;
};

void Fail(ports::AuditVerification& v, std::int64_t first_bad_seq, std::string problem) {
    v.ok = false;
    v.first_bad_seq = first_bad_seq;
    v.problem = std::move(problem);
}

// The checks one verification cannot make alone: the log must not have lost its end, nor entries
// their seal, since an earlier verification.
void CompareWithSeen(ports::AuditVerification& v, const Seen& seen) {
    if (!v.ok) {
        return;
    }
    if (v.head_seq < seen.head_seq) {
        Fail(v, v.head_seq + 1,
             "the log ends at entry " + std::to_string(v.head_seq) + " but held entry " +
                 std::to_string(seen.head_seq) +
                 " at an earlier verification (entries removed at the end)");
    } else if (seen.last_keyed_seq &&
               (!v.last_keyed_seq || *v.last_keyed_seq < *seen.last_keyed_seq)) {
        Fail(v, v.last_keyed_seq.value_or(0) + 1,
             "entry " + std::to_string(*seen.last_keyed_seq) +
                 " was sealed with the audit key at an earlier verification and is not now"
                 " (downgraded)");
    }
}

}  // namespace

struct AuditVerifier::Impl : std::enable_shared_from_this<Impl> {
    Impl(asio::any_io_executor executor, ports::AuditLog& audit_log, const Clock& clock_ref,
         AuditVerifierOptions opts)
        : timer(asio::make_strand(executor)), audit(audit_log), clock(clock_ref), options(opts) {}

    asio::steady_timer timer;
    ports::AuditLog& audit;
    const Clock& clock;
    AuditVerifierOptions options;
    std::atomic<bool> stopped{false};
    mutable std::mutex mutex;  // guards seen and status
    Seen seen;
    AuditVerifierStatus status;

    asio::awaitable<void> AsyncLoop();
    asio::awaitable<Expected<ports::AuditVerification>> Verify();
    void Record(const ports::AuditVerification& v);
};

asio::awaitable<void> AuditVerifier::Impl::AsyncLoop() {
    auto self = shared_from_this();
    while (!stopped) {
        co_await Verify();
        if (stopped) {
            break;
        }
        timer.expires_after(options.interval);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

asio::awaitable<Expected<ports::AuditVerification>> AuditVerifier::Impl::Verify() {
    auto verified = co_await audit.Verify();
    if (!verified) {
        {
            std::lock_guard lock(mutex);
            ++status.errors;
        }
        log::Warn("audit chain verification could not run error=\"{}\"", verified.error().message);
        co_return verified.error();
    }
    {
        std::lock_guard lock(mutex);
        CompareWithSeen(*verified, seen);
    }
    Record(*verified);
    if (options.on_verified) {
        options.on_verified(*verified);
    }
    co_return verified;
}

void AuditVerifier::Impl::Record(const ports::AuditVerification& v) {
    bool was_invalid = false;
    {
        std::lock_guard lock(mutex);
        was_invalid = status.valid == false;
        ++status.runs;
        status.valid = v.ok;
        status.entries = v.entries;
        status.first_bad_seq = v.first_bad_seq;
        status.last_run_at = clock.Now();
        if (!v.ok) {
            ++status.failures;
        } else {
            seen.head_seq = v.head_seq;
            seen.last_keyed_seq = v.last_keyed_seq;
        }
    }
    if (!v.ok) {
        log::Error(
            "audit chain verification failed first_bad_seq={} verified_entries={} "
            "problem=\"{}\"",
            v.first_bad_seq.value_or(0), v.entries, v.problem);
    } else if (was_invalid) {
        log::Info("audit chain verifies again entries={} head_seq={}", v.entries, v.head_seq);
    } else {
        log::Debug("audit chain verified entries={} head_seq={}", v.entries, v.head_seq);
    }
}

AuditVerifier::AuditVerifier(asio::any_io_executor executor, ports::AuditLog& audit,
                             const Clock& clock, AuditVerifierOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), audit, clock, options)) {}

AuditVerifier::~AuditVerifier() { Stop(); }

void AuditVerifier::Start() {
    asio::co_spawn(impl_->timer.get_executor(), impl_->AsyncLoop(), asio::detached);
}

void AuditVerifier::Stop() {
    impl_->stopped = true;
    asio::post(impl_->timer.get_executor(), [impl = impl_] { impl->timer.cancel(); });
}

asio::awaitable<Expected<ports::AuditVerification>> AuditVerifier::RunOnce() {
    co_return co_await impl_->Verify();
}

AuditVerifierStatus AuditVerifier::Status() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->status;
}

}  // namespace waka::coordinator::deploy
