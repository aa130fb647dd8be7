#include "coordinator/deploy/agent_sessions.hpp"

#include <chrono>

#include "coordinator/domain/artifact_files.hpp"
#include "shared/core/crypto.hpp"
#include "shared/core/ids.hpp"
#include "shared/core/log.hpp"

namespace waka::coordinator::deploy {
namespace {

namespace asio = boost::asio;

// last_seen_at is written at most this often per instance, so heartbeats cost the database little.
constexpr auto kSeenFlushInterval = std::chrono::seconds(30);

ports::HelloDecision Refused(std::string reason) { return {false, std::move(reason), ""}; }

}  // namespace

domain::StatusEvent OutcomeEvent(ports::AgentOutcome outcome) {
    switch (outcome) {
        case ports::AgentOutcome::kSucceeded:
            return domain::StatusEvent::kAgentSucceeded;
        case ports::AgentOutcome::kRolledBack:
            return domain::StatusEvent::kAgentRolledBack;
        case ports::AgentOutcome::kFailed:
            break;
    }
    return domain::StatusEvent::kAgentFailed;
}

AgentSessions::AgentSessions(ports::Repositories& repositories, Dispatcher& dispatcher,
                             ProgressBoard& progress, PatchService& patches, TaskGroup& background,
                             const Clock& clock, std::filesystem::path artifact_dir,
                             AgentIdentityOptions identity)
    : identity_(std::move(identity), repositories.instances, clock),
      repositories_(repositories),
      dispatcher_(dispatcher),
      progress_(progress),
      patches_(patches),
      background_(background),
      clock_(clock),
      artifact_dir_(std::move(artifact_dir)) {}

// Every floor, for the Welcome (ADR 0022). A failure to read them is logged and the session still
// opens: the next instruction carries the floors again, and the agent keeps what it has.
asio::awaitable<std::vector<ports::SignedFloor>> AgentSessions::FloorsInForce() {
    std::vector<ports::SignedFloor> out;
    auto floors = co_await repositories_.floors.List();
    if (!floors) {
        log::Warn("floors not read for a Welcome error=\"{}\"", floors.error().message);
        co_return out;
    }
    for (const auto& floor : *floors) {
        out.push_back({floor.statement, floor.signature});
    }
    co_return out;
}

asio::awaitable<ports::HelloDecision> AgentSessions::Authenticate(const ports::AgentHello& hello) {
    if (!IsValidId(hello.instance_id) || hello.credential.empty()) {
        co_return Refused("unknown instance or invalid credential");
    }
    HelloIdentity certificate = identity_.ForHello(hello);
    if (!certificate.refusal.empty()) {
        log::Warn("agent refused instance_id={} peer={} reason=\"{}\"", hello.instance_id,
                  hello.peer, certificate.refusal);
        co_return Refused(certificate.refusal);
    }
    const auto new_credential = "cred_" + RandomHex(32);
    ports::AgentLogin login{hello.instance_id,
                            Sha256Hex(hello.credential),
                            Sha256Hex(new_credential),
                            certificate.presented_serial,
                            std::nullopt,
                            certificate.credential_needs_certificate};
    if (certificate.issued) {
        login.issued = RecordOf(*certificate.issued);
    }
    auto auth = co_await repositories_.instances.AuthenticateAgent(login);
    if (!auth) {
        log::Error("agent authentication failed instance_id={} error=\"{}\"", hello.instance_id,
                   auth.error().message);
        co_return Refused("coordinator unavailable; retry later");
    }
    if (*auth == ports::AgentAuth::kRefused) {
        log::Warn("agent refused instance_id={} peer={}", hello.instance_id, hello.peer);
        co_return Refused("unknown instance or invalid credential");
    }
    if (*auth == ports::AgentAuth::kCertificateRevoked ||
        *auth == ports::AgentAuth::kCertificateRequired) {
        const char* reason = *auth == ports::AgentAuth::kCertificateRevoked
                                 ? "client certificate revoked or not issued to this instance"
                                 : "a client certificate is required";
        log::Warn("agent refused instance_id={} peer={} reason=\"{}\"", hello.instance_id,
                  hello.peer, reason);
        co_return Refused(reason);
    }
    // Not inside the braces below: GCC 12 destroys a co_await result in an aggregate initialiser
    // twice.
    auto floors = co_await FloorsInForce();
    ports::HelloDecision accepted{true, "", "", std::move(floors)};
    if (*auth == ports::AgentAuth::kEnrolled) {
        log::Info("agent enrolled instance_id={} peer={}", hello.instance_id, hello.peer);
        accepted.new_credential = new_credential;
    }
    if (certificate.issued) {
        log::Info("agent certificate issued instance_id={} serial={} not_after={}",
                  hello.instance_id, certificate.issued->facts.serial,
                  FormatRfc3339(certificate.issued->facts.not_after));
        accepted.certificate = std::move(certificate.issued->certificate_pem);
    }
    co_return accepted;
}

asio::awaitable<Expected<std::string>> AgentSessions::RenewCertificate(
    const std::string& instance_id, const std::string& request_pem) {
    co_return co_await identity_.Renew(instance_id, request_pem);
}

asio::awaitable<void> AgentSessions::OnConnected(const ports::AgentHello& hello,
                                                 const std::string& session_id) {
    auto recorded = co_await repositories_.instances.RecordConnected(
        hello.instance_id, session_id, hello.agent_version, hello.inventory);
    if (!recorded) {
        log::Warn("cannot record connection instance_id={} error=\"{}\"", hello.instance_id,
                  recorded.error().message);
    }
    // Patches registered while it was away (or before it had a manifest) are applied now; in the
    // background, so that the session's start does not wait for them.
    background_.Spawn(
        [this, instance_id = hello.instance_id] { return patches_.CatchUp(instance_id); });
    co_await dispatcher_.ResumeOrDispatch(hello.instance_id);
}

asio::awaitable<void> AgentSessions::OnDisconnected(const std::string& instance_id,
                                                    const std::string& session_id) {
    auto recorded = co_await repositories_.instances.RecordDisconnected(instance_id, session_id);
    if (!recorded) {
        log::Warn("cannot record disconnection instance_id={} error=\"{}\"", instance_id,
                  recorded.error().message);
    }
}

std::vector<std::string> AgentSessions::NoteSeen(const std::string& instance_id) {
    std::lock_guard lock(mutex_);
    seen_.insert(instance_id);
    const auto now = clock_.Now();
    if (seen_flush_running_ || now - seen_flushed_at_ < kSeenFlushInterval) {
        return {};
    }
    seen_flush_running_ = true;
    seen_flushed_at_ = now;
    std::vector<std::string> due(seen_.begin(), seen_.end());
    seen_.clear();
    return due;
}

// No timer of its own: with a fleet, some heartbeat arrives every moment; a lone agent's
// last_seen_at lags by at most the interval plus one heartbeat.
asio::awaitable<void> AgentSessions::OnHeartbeat(const std::string& instance_id) {
    auto due = NoteSeen(instance_id);
    if (due.empty()) {
        co_return;
    }
    const bool spawned = background_.Spawn([this, due = std::move(due)]() -> asio::awaitable<void> {
        auto written = co_await repositories_.instances.RecordSeen(due);
        if (!written) {
            log::Warn("last seen not recorded instances={} error=\"{}\"", due.size(),
                      written.error().message);
        }
        std::lock_guard lock(mutex_);
        seen_flush_running_ = false;
    });
    if (!spawned) {
        std::lock_guard lock(mutex_);
        seen_flush_running_ = false;
    }
}

asio::awaitable<void> AgentSessions::OnInventory(
    const std::string& instance_id, const std::vector<domain::InstalledComponent>& inventory) {
    auto recorded = co_await repositories_.instances.RecordInventory(instance_id, inventory);
    if (!recorded) {
        log::Warn("cannot record inventory instance_id={} error=\"{}\"", instance_id,
                  recorded.error().message);
    }
}

asio::awaitable<void> AgentSessions::OnAck(const std::string& instance_id,
                                           const std::string& op_id) {
    const std::string step = "ack";
    const std::string message = "agent acknowledged the instruction";
    auto added = co_await repositories_.deployments.AddEvent(op_id, instance_id, step, message);
    if (!added) {
        log::Warn("ack ignored instance_id={} op_id={} error=\"{}\"", instance_id, op_id,
                  added.error().message);
    }
}

asio::awaitable<void> AgentSessions::OnProgress(const std::string& instance_id,
                                                const ports::AgentProgress& progress) {
    // Byte counters arrive often; the event history keeps one entry per step and component.
    if (!progress_.Record(progress)) {
        co_return;
    }
    auto message = progress.step + (progress.component.empty() ? "" : " " + progress.component);
    if (progress.bytes_total > 0) {
        message += " (" + std::to_string(progress.bytes_total) + " bytes)";
    }
    (void)co_await repositories_.deployments.AddEvent(progress.op_id, instance_id, progress.step,
                                                      message);
}

asio::awaitable<void> AgentSessions::OnResult(const std::string& instance_id,
                                              const ports::AgentResult& result) {
    progress_.Forget(result.op_id);
    const auto outcome = OutcomeEvent(result.outcome);
    auto completed = co_await repositories_.deployments.Complete(result.op_id, instance_id, outcome,
                                                                 result.error, result.inventory);
    if (!completed) {
        log::Error("cannot record result instance_id={} op_id={} error=\"{}\"", instance_id,
                   result.op_id, completed.error().message);
        co_return;
    }
    if (!*completed) {
        log::Info("duplicate or stale result ignored instance_id={} op_id={}", instance_id,
                  result.op_id);
    } else {
        // Complete also quarantined what the deployment removed, in the same transaction.
        log::Info("deployment finished deployment_id={} instance_id={} status={}", result.op_id,
                  instance_id, domain::ToString((*completed)->status));
        if (deployment_finished_) {
            deployment_finished_(**completed);
        }
    }
    co_await dispatcher_.DispatchNext(instance_id);
}

asio::awaitable<bool> AgentSessions::CheckCredential(const std::string& instance_id,
                                                     const std::string& credential) {
    if (!IsValidId(instance_id) || credential.empty()) {
        co_return false;
    }
    const auto credential_hash = Sha256Hex(credential);
    auto ok = co_await repositories_.instances.CheckCredential(instance_id, credential_hash);
    co_return ok&&* ok;
}

asio::awaitable<Expected<bool>> AgentSessions::MayDownload(const std::string& instance_id,
                                                           const std::string& sha256) {
    if (!IsValidId(instance_id) || !IsSha256Hex(sha256)) {
        co_return false;
    }
    co_return co_await repositories_.deployments.PlansArtifact(instance_id, sha256);
}

asio::awaitable<Expected<std::filesystem::path>> AgentSessions::ArtifactPath(
    const std::string& sha256) {
    if (!IsSha256Hex(sha256)) {
        co_return MakeError(Errc::kInvalidArgument, "not a SHA-256 digest");
    }
    auto exists = co_await repositories_.catalog.ArtifactExists(sha256);
    if (!exists) {
        co_return exists.error();
    }
    auto path = domain::ArtifactFilePath(artifact_dir_, sha256);
    std::error_code ec;
    if (!*exists || !std::filesystem::exists(path, ec)) {
        co_return MakeError(Errc::kNotFound, "artifact " + sha256 + " not found");
    }
    co_return path;
}

}  // namespace waka::coordinator::deploy
