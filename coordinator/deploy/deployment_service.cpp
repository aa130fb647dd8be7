#include "coordinator/deploy/deployment_service.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/json.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <chrono>
#include <map>
#include <mutex>

#include "coordinator/db/database.hpp"
#include "coordinator/deploy/planner.hpp"
#include "coordinator/deploy/resolution.hpp"
#include "coordinator/deploy/rollback.hpp"
#include "coordinator/gateway/gateway_server.hpp"
#include "coordinator/store/artifact_files.hpp"
#include "coordinator/store/deployment_store.hpp"
#include "coordinator/store/manifest_store.hpp"
#include "coordinator/store/patch_store.hpp"
#include "coordinator/store/policy_store.hpp"
#include "coordinator/store/quarantine_store.hpp"
#include "coordinator/store/release_store.hpp"
#include "coordinator/store/rollback_store.hpp"
#include "shared/core/crypto.hpp"
#include "shared/core/ids.hpp"
#include "shared/core/log.hpp"

namespace waka::coordinator::deploy {
namespace {

namespace asio = boost::asio;

// Agents get this long to finish an instruction; it bounds how long a stale instruction is honoured.
constexpr auto kInstructionDeadline = std::chrono::hours(1);
// last_seen_at is written at most this often per instance, so heartbeats cost the database little.
constexpr auto kSeenWriteInterval = std::chrono::seconds(30);

std::vector<store::InstalledComponent> ToStore(const std::vector<gateway::InstalledComponent>& items) {
    std::vector<store::InstalledComponent> out;
    out.reserve(items.size());
    for (const auto& item : items) {
        out.push_back({item.type, item.name, item.version});
    }
    return out;
}

std::string StatusOf(gateway::Outcome outcome) {
    switch (outcome) {
        case gateway::Outcome::kSucceeded: return "deployed";
        case gateway::Outcome::kRolledBack: return "rolled_back";
        case gateway::Outcome::kFailed: return "failed";
    }
    return "failed";
}

gateway::Instruction MakeInstruction(const store::Dispatch& dispatch, TimePoint now) {
    gateway::Instruction instruction;
    instruction.op_id = dispatch.deployment.id;
    instruction.kind = dispatch.deployment.kind;
    instruction.configuration_json = dispatch.configuration_json;
    instruction.deadline_unix_seconds =
        std::chrono::duration_cast<std::chrono::seconds>((now + kInstructionDeadline).time_since_epoch())
            .count();
    for (const auto& change : dispatch.deployment.plan) {
        gateway::ComponentChange component{change.type, change.name, change.from_version,
                                           change.to_version, change.artifact_sha256, change.size, ""};
        if (!change.artifact_sha256.empty()) {
            component.download_path = "/agent/v1/artifacts/" + change.artifact_sha256;
        }
        instruction.components.push_back(std::move(component));
    }
    return instruction;
}

store::Deployment NewDeployment(const store::Principal& principal, const CreateDeploymentRequest& request,
                                const store::Instance& instance, std::vector<store::PlannedChange> plan,
                                TimePoint now) {
    store::Deployment d;
    d.id = request.id.empty() ? NewId("deploy") : request.id;
    d.kind = request.kind;
    d.status = "queued";
    d.instance_id = request.instance_id;
    d.manifest_id = request.manifest_id;
    d.previous_manifest_id = instance.current_manifest_id;
    d.requested_by = principal.actor;
    d.reason = request.reason;
    d.force = request.force;
    d.skip_validation = request.skip_validation;
    d.plan = std::move(plan);
    d.created_at = d.updated_at = now;
    d.events.push_back({now, "pending", "", "requested by " + principal.actor});
    d.events.push_back({now, "queued", "", "validated; waiting for the agent"});
    return d;
}

// The deployment's status for a policy verdict (DESIGN §3); refusals are not stored.
std::string StatusFor(policy::Verdict verdict) {
    switch (verdict) {
        case policy::Verdict::DeferToWindow:
            return "scheduled";
        case policy::Verdict::AwaitApproval:
            return "awaiting_approval";
        default:
            return "queued";
    }
}

std::string AuditDecision(policy::Verdict verdict) {
    switch (verdict) {
        case policy::Verdict::AllowNow:
            return "allowed";
        case policy::Verdict::Refuse:
            return "refused";
        default:
            return "deferred";
    }
}

// "deployment.create", "rollback.create", "patch.dry_run": the kind names the action, so that the
// audit log can be filtered by it.
std::string AuditAction(const CreateDeploymentRequest& request) {
    const std::string resource = request.kind == "deploy" ? "deployment" : request.kind;
    return resource + (request.dry_run ? ".dry_run" : ".create");
}

// Which row of DESIGN §4.1 decides the request.
policy::ChangeKind ChangeKindOf(const CreateDeploymentRequest& request) {
    if (request.kind == "rollback") {
        return policy::ChangeKind::Rollback;
    }
    if (request.kind == "patch") {
        return policy::ChangeKind::Patch;
    }
    return request.auto_update ? policy::ChangeKind::AutoUpdate
                               : policy::ChangeKind::OperatorDeployment;
}

// Applies the policy decision to the new deployment: its status and the event that says why.
void ApplyDecision(store::Deployment& d, const policy::Decision& decision) {
    d.status = StatusFor(decision.verdict);
    if (decision.verdict != policy::Verdict::AllowNow) {
        d.events.back() = {d.created_at, d.status, "", decision.reason};
    }
}

// A deployment the resolver refuses (pins, dependencies) is a decision too: it is audited as
// refused, with the chain as the reason, and nothing else is stored.
asio::awaitable<Error> RefuseInvalid(store::DeploymentStore& store,
                                     const store::Principal& principal,
                                     const CreateDeploymentRequest& request, Error invalid) {
    std::string details = request.skip_validation ? R"({"skip_validation":true})" : "{}";
    store::AuditDraft audit{principal.actor,     "deployment.validate", "manifest",
                            request.manifest_id, request.instance_id,   "refused",
                            invalid.message,     std::move(details)};
    if (auto recorded = co_await store.RecordAudit(audit); !recorded) {
        co_return recorded.error();
    }
    co_return invalid;
}

}  // namespace

struct DeploymentService::Impl {
    Impl(db::Database& database, const Clock& clock_ref, std::filesystem::path dir)
        : store(database, clock_ref),
          policies(database, clock_ref),
          resolution(database, clock_ref),
          rollbacks(database),
          patches(database, clock_ref),
          manifests(database, clock_ref),
          releases(database, clock_ref),
          quarantines(database, clock_ref),
          clock(clock_ref),
          artifact_dir(std::move(dir)) {
        // The resolver refuses quarantined versions on their instance (validation, auto-update).
        resolution.SetQuarantineSource(
            [this](std::string instance_id) { return quarantines.Active(std::move(instance_id)); });
    }

    store::DeploymentStore store;
    store::PolicyStore policies;
    ResolutionService resolution;
    store::RollbackStore rollbacks;
    store::PatchStore patches;
    store::ManifestStore manifests;
    store::ReleaseStore releases;
    store::QuarantineStore quarantines;
    const Clock& clock;
    std::filesystem::path artifact_dir;
    gateway::GatewayServer* gateway = nullptr;

    std::mutex mutex;  // guards the three maps below
    std::map<std::string, TimePoint> last_seen_write;  // instance_id -> last last_seen_at write
    std::map<std::pair<std::string, std::string>, std::uint64_t> decisions;  // (kind, verdict)
    std::map<std::string, LiveProgress> live_progress;  // op_id -> latest report, bytes included

    asio::awaitable<Expected<CreateDeploymentOutcome>> Create(const store::Principal& principal,
                                                              const CreateDeploymentRequest& request);
    asio::awaitable<Expected<policy::Decision>> DecidePolicy(const store::Principal& principal,
                                                            const CreateDeploymentRequest& request);
    asio::awaitable<void> DispatchNext(std::string instance_id);
    // Patches (ApplyPatch): the instance's current manifest, an open patch deployment, and the
    // whole evaluation of a patched manifest that is not stored yet.
    asio::awaitable<Expected<store::Manifest>> CurrentManifest(const std::string& instance_id);
    asio::awaitable<Expected<void>> CheckNotInProgress(const store::SecurityPatch& patch,
                                                       const std::string& instance_id);
    asio::awaitable<Expected<CreateDeploymentOutcome>> Evaluate(const store::Principal& principal,
                                                                const CreateDeploymentRequest& request,
                                                                const store::Manifest& manifest,
                                                                const store::Manifest& current,
                                                                const std::string& patch_id);
    asio::awaitable<Expected<void>> AuditPatch(const store::Principal& principal,
                                               const CreateDeploymentRequest& request,
                                               const std::string& deployment_id,
                                               const std::string& decision, const std::string& reason,
                                               const std::string& patch_id);
    asio::awaitable<Expected<std::map<std::string, store::Release>>> ReleasesOf(
        const store::Manifest& manifest, const store::Manifest& current,
        std::map<std::string, store::Release> known);
    asio::awaitable<Expected<ApplyPatchOutcome>> ApplyPatch(const store::Principal& principal,
                                                            const ApplyPatchRequest& request);
    asio::awaitable<bool> Enforce(const store::SecurityPatch& patch, const std::string& instance_id);
    asio::awaitable<void> QuarantineRemoved(const store::Deployment& deployment);
    void Send(const store::Dispatch& dispatch);
    // Keeps the report as the latest; true when it names another step or component than the
    // previous one (the event history keeps one entry per step and component).
    bool RecordProgress(const gateway::AgentProgress& progress);
    bool SeenWriteDue(const std::string& instance_id);
};

asio::awaitable<Expected<CreateDeploymentOutcome>> DeploymentService::Impl::Create(
    const store::Principal& principal, const CreateDeploymentRequest& request) {
    auto inputs = co_await store.LoadInputs(request.instance_id, request.manifest_id);
    if (!inputs) {
        co_return inputs.error().WithContext("load deployment inputs");
    }
    if (!inputs->instance) {
        co_return MakeError(Errc::kNotFound, "Instance " + request.instance_id + " not found");
    }
    if (inputs->instance->decommissioned_at) {
        co_return MakeError(Errc::kConflict, "Instance " + request.instance_id + " is decommissioned");
    }
    if (!inputs->manifest) {
        co_return MakeError(Errc::kNotFound, "Manifest " + request.manifest_id + " not found");
    }
    const auto& scope = inputs->manifest->instance_id;
    if (scope && *scope != request.instance_id) {
        co_return MakeError(Errc::kInvalidArgument, "manifest " + request.manifest_id +
                                                        " belongs to instance " + *scope);
    }
    auto plan = PlanChanges(*inputs->manifest, inputs->instance->inventory, inputs->releases);
    if (!plan) {
        co_return plan.error();
    }
    // Validation before the policy decision (DESIGN §4.3): pins and compatibility, same resolver.
    auto valid = co_await resolution.ValidateDeployment(request.instance_id, *inputs->manifest,
                                                        request.skip_validation);
    if (!valid) {
        Error invalid = valid.error();
        co_return co_await RefuseInvalid(store, principal, request, std::move(invalid));
    }
    auto decision = co_await DecidePolicy(principal, request);
    if (!decision) {
        co_return decision.error();
    }
    const auto now = clock.Now();
    CreateDeploymentOutcome outcome{
        NewDeployment(principal, request, *inputs->instance, std::move(*plan), now), request.dry_run,
        AuditDecision(decision->verdict)};
    ApplyDecision(outcome.deployment, *decision);
    store::AuditDraft audit{principal.actor, AuditAction(request),
                            "deployment", outcome.deployment.id, request.instance_id,
                            AuditDecision(decision->verdict),
                            request.reason.empty() ? decision->reason
                                                   : request.reason + "; policy: " + decision->reason,
                            "{\"manifest_id\":\"" + request.manifest_id + "\",\"kind\":\"" +
                                request.kind + "\",\"verdict\":\"" +
                                std::string(policy::ToString(decision->verdict)) + "\"}"};
    if (request.dry_run || decision->verdict == policy::Verdict::Refuse) {
        if (auto recorded = co_await store.RecordAudit(audit); !recorded) {
            co_return recorded.error();
        }
        if (!request.dry_run) {
            co_return MakeError(Errc::kConflict, decision->reason);
        }
        co_return outcome;
    }
    auto stored = co_await store.Insert(outcome.deployment, audit);
    if (!stored) {
        co_return stored.error().WithContext("store deployment");
    }
    outcome.deployment = std::move(*stored);
    log::Info("deployment {} deployment_id={} instance_id={} manifest_id={} changes={}",
              outcome.deployment.status, outcome.deployment.id, request.instance_id,
              request.manifest_id, outcome.deployment.plan.size());
    if (outcome.deployment.status != "queued") {
        co_return outcome;  // waits for a window or approvals: only queued work is dispatched
    }
    // Dispatch runs on its own so the operator's answer does not wait for the agent round trip.
    auto executor = co_await asio::this_coro::executor;
    asio::co_spawn(executor, DispatchNext(request.instance_id), asio::detached);
    co_return outcome;
}

// The instance's active policy (or the default) decides the change (DESIGN §4.1). A refusal is a
// decision too: the caller records it and answers 409 with the reason.
asio::awaitable<Expected<policy::Decision>> DeploymentService::Impl::DecidePolicy(
    const store::Principal& principal, const CreateDeploymentRequest& request) {
    std::string instance_id = request.instance_id;
    auto active = co_await policies.Active(instance_id);
    if (!active) {
        co_return active.error().WithContext("load policy");
    }
    policy::Change change;
    change.kind = ChangeKindOf(request);
    change.severity = policy::ParseSeverity(request.severity);
    change.force = request.force;
    change.principal_role = std::string(store::RoleName(principal.role));
    change.reason = request.reason;
    const policy::Policy* settings = *active ? &(*active)->settings : nullptr;
    auto decision = policy::Decide(settings, change, clock.Now());
    if (decision && !request.dry_run) {
        std::lock_guard lock(mutex);
        ++decisions[{std::string(policy::ToString(change.kind)),
                     std::string(policy::ToString(decision->verdict))}];
    }
    co_return decision;
}

asio::awaitable<void> DeploymentService::Impl::DispatchNext(std::string instance_id) {
    if (gateway == nullptr || !gateway->IsConnected(instance_id)) {
        co_return;
    }
    auto claimed = co_await store.ClaimNext(instance_id);
    if (!claimed) {
        log::Warn("dispatch failed instance_id={} error=\"{}\"", instance_id, claimed.error().message);
        co_return;
    }
    if (*claimed) {
        Send(**claimed);
    }
}

void DeploymentService::Impl::Send(const store::Dispatch& dispatch) {
    const auto& d = dispatch.deployment;
    const bool sent = gateway != nullptr && gateway->Send(d.instance_id, MakeInstruction(dispatch, clock.Now()));
    // Not sent: it stays "deploying" and is re-sent when the agent's next session starts.
    log::Info("instruction {} deployment_id={} instance_id={}", sent ? "sent" : "deferred", d.id,
              d.instance_id);
}

bool DeploymentService::Impl::RecordProgress(const gateway::AgentProgress& progress) {
    std::lock_guard lock(mutex);
    auto [entry, first] = live_progress.try_emplace(progress.op_id);
    LiveProgress& live = entry->second;
    const bool changed = first || live.step != progress.step || live.component != progress.component;
    live = {progress.step, progress.component, progress.bytes_done, progress.bytes_total};
    return changed;
}

bool DeploymentService::Impl::SeenWriteDue(const std::string& instance_id) {
    std::lock_guard lock(mutex);
    const auto now = clock.Now();
    auto& last = last_seen_write[instance_id];
    if (now - last < kSeenWriteInterval) {
        return false;
    }
    last = now;
    return true;
}

DeploymentService::DeploymentService(db::Database& database, const Clock& clock,
                                     std::filesystem::path artifact_dir)
    : impl_(std::make_unique<Impl>(database, clock, std::move(artifact_dir))) {}

DeploymentService::~DeploymentService() = default;

void DeploymentService::AttachGateway(gateway::GatewayServer& gateway) { impl_->gateway = &gateway; }

ResolutionService& DeploymentService::Resolution() { return impl_->resolution; }

std::optional<DeploymentService::LiveProgress> DeploymentService::Progress(
    const std::string& deployment_id) const {
    std::lock_guard lock(impl_->mutex);
    auto found = impl_->live_progress.find(deployment_id);
    if (found == impl_->live_progress.end()) {
        return std::nullopt;
    }
    return found->second;
}

std::vector<DeploymentService::DecisionCount> DeploymentService::DecisionCounts() const {
    std::lock_guard lock(impl_->mutex);
    std::vector<DecisionCount> out;
    out.reserve(impl_->decisions.size());
    for (const auto& [key, count] : impl_->decisions) {
        out.push_back({key.first, key.second, count});
    }
    return out;
}

asio::awaitable<Expected<CreateDeploymentOutcome>> DeploymentService::Create(
    const store::Principal& principal, const CreateDeploymentRequest& request) {
    co_return co_await impl_->Create(principal, request);
}

// A rollback is a deployment like any other once its target is chosen: Create validates it (the one
// validation call site; skip_validation passes through), decides it by the rollback row (now,
// under every channel), stores it and dispatches it to the agent.
asio::awaitable<Expected<CreateDeploymentOutcome>> DeploymentService::CreateRollback(
    const store::Principal& principal, const CreateRollbackRequest& request) {
    std::string instance_id = request.instance_id;
    std::string asked = request.to_manifest_id.value_or("");
    auto history = co_await impl_->rollbacks.History(instance_id, asked);
    if (!history) {
        co_return history.error().WithContext("load rollback history");
    }
    auto target = ChooseRollbackTarget(request.instance_id, *history, request.to_manifest_id);
    if (!target) {
        co_return target.error();
    }
    CreateDeploymentRequest deployment{.manifest_id = *target,
                                       .instance_id = request.instance_id,
                                       .dry_run = request.dry_run,
                                       .skip_validation = request.skip_validation,
                                       .reason = request.reason,
                                       .kind = "rollback"};
    co_return co_await impl_->Create(principal, deployment);
}

asio::awaitable<Expected<ApplyPatchOutcome>> DeploymentService::ApplyPatch(
    const store::Principal& principal, const ApplyPatchRequest& request) {
    co_return co_await impl_->ApplyPatch(principal, request);
}

asio::awaitable<void> DeploymentService::EnforcePatch(std::string patch_id) {
    auto patch = co_await impl_->patches.Get(patch_id);
    std::string everyone;
    auto fleet = co_await impl_->patches.CurrentManifests(everyone);
    if (!patch || !fleet) {
        log::Warn("patch enforcement skipped patch_id={} error=\"{}\"", patch_id,
                  !patch ? patch.error().message : fleet.error().message);
        co_return;
    }
    std::size_t affected = 0;
    std::size_t created = 0;
    for (const auto& item : *fleet) {
        if (CheckPatch(*patch, item.manifest).fit == PatchFit::kAffected) {
            ++affected;
            created += co_await impl_->Enforce(*patch, item.instance_id) ? 1 : 0;
        }
    }
    // The end of enforcement is an audit entry of its own: what it found and did.
    boost::json::object details{{"instances_checked", fleet->size()},
                                {"affected", affected},
                                {"deployments_created", created}};
    store::AuditDraft audit{"system",
                            "patch.enforce",
                            "security_patch",
                            patch_id,
                            "",
                            "recorded",
                            "applied to " + std::to_string(created) + " of " +
                                std::to_string(affected) + " affected instances",
                            boost::json::serialize(details)};
    if (auto recorded = co_await impl_->store.RecordAudit(audit); !recorded) {
        log::Warn("patch enforcement not audited patch_id={} error=\"{}\"", patch_id,
                  recorded.error().message);
    }
}

asio::awaitable<void> DeploymentService::CatchUpPatches(std::string instance_id) {
    auto current = co_await impl_->patches.CurrentManifests(instance_id);
    store::PatchFilter all;
    all.limit = 1000;
    auto catalog = co_await impl_->patches.List(std::move(all));
    std::string any_patch;
    auto links = co_await impl_->patches.Deployments(any_patch, instance_id);
    if (!current || !catalog || !links || current->empty()) {
        co_return;  // no current manifest: nothing to patch yet
    }
    for (const auto& patch : *catalog) {
        std::vector<store::PatchDeployment> mine;
        for (const auto& link : *links) {
            if (link.patch_id == patch.id) {
                mine.push_back(link);
            }
        }
        if (StateOf(patch, current->front().manifest, mine) == PatchState::kAvailable) {
            co_await impl_->Enforce(patch, instance_id);
        }
    }
}

asio::awaitable<Expected<store::Deployment>> DeploymentService::Get(const std::string& id) {
    auto found = co_await impl_->store.Find(id);
    if (!found) {
        co_return found.error();
    }
    if (!*found) {
        co_return MakeError(Errc::kNotFound, "Deployment not found");
    }
    co_return std::move(**found);
}

asio::awaitable<Expected<std::vector<store::Deployment>>> DeploymentService::List(
    const DeploymentFilter& filter) {
    // A named local, not a braced temporary in the co_await: g++ 12 destroyed it twice (double free).
    store::DeploymentListFilter store_filter{filter.instance_id, filter.status, filter.limit, filter.cursor};
    co_return co_await impl_->store.List(std::move(store_filter));
}

asio::awaitable<void> DeploymentService::DispatchQueued(const std::string& instance_id) {
    co_await impl_->DispatchNext(instance_id);
}

bool DeploymentService::RequestCancel(const std::string& instance_id,
                                      const std::string& deployment_id) {
    return impl_->gateway != nullptr && impl_->gateway->SendCancel(instance_id, deployment_id);
}

asio::awaitable<gateway::HelloDecision> DeploymentService::Authenticate(const gateway::AgentHello& hello) {
    if (!IsValidId(hello.instance_id) || hello.credential.empty()) {
        co_return gateway::HelloDecision{false, "unknown instance or invalid credential", ""};
    }
    const auto new_credential = "cred_" + RandomHex(32);
    // Arguments are named locals: g++ 12 may destroy temporaries inside a co_await twice.
    const auto secret_hash = Sha256Hex(hello.credential);
    const auto new_credential_hash = Sha256Hex(new_credential);
    auto auth = co_await impl_->store.AuthenticateAgent(hello.instance_id, secret_hash, new_credential_hash);
    if (!auth) {
        log::Error("agent authentication failed instance_id={} error=\"{}\"", hello.instance_id,
                   auth.error().message);
        co_return gateway::HelloDecision{false, "coordinator unavailable; retry later", ""};
    }
    switch (*auth) {
        case store::AgentAuth::kCredential: co_return gateway::HelloDecision{true, "", ""};
        case store::AgentAuth::kEnrolled:
            log::Info("agent enrolled instance_id={} peer={}", hello.instance_id, hello.peer);
            co_return gateway::HelloDecision{true, "", new_credential};
        case store::AgentAuth::kRefused: break;
    }
    log::Warn("agent refused instance_id={} peer={}", hello.instance_id, hello.peer);
    co_return gateway::HelloDecision{false, "unknown instance or invalid credential", ""};
}

asio::awaitable<void> DeploymentService::OnConnected(const gateway::AgentHello& hello,
                                                     const std::string& session_id) {
    const auto inventory = ToStore(hello.inventory);
    auto recorded = co_await impl_->store.RecordConnected(hello.instance_id, session_id,
                                                          hello.agent_version, inventory);
    if (!recorded) {
        log::Warn("cannot record connection instance_id={} error=\"{}\"", hello.instance_id,
                  recorded.error().message);
    }
    // Patches registered while it was away (or before it had a manifest) are applied now; on its
    // own, so that the session's start does not wait for them.
    auto executor = co_await asio::this_coro::executor;
    asio::co_spawn(executor, CatchUpPatches(hello.instance_id), asio::detached);
    // At-least-once: an instruction that was on the agent when the last session ended goes again;
    // the agent de-duplicates by op_id and answers its stored result.
    auto in_flight = co_await impl_->store.InFlight(hello.instance_id);
    if (in_flight && *in_flight) {
        impl_->Send(**in_flight);
        co_return;
    }
    co_await impl_->DispatchNext(hello.instance_id);
}

asio::awaitable<void> DeploymentService::OnDisconnected(const std::string& instance_id,
                                                        const std::string& session_id) {
    auto recorded = co_await impl_->store.RecordDisconnected(instance_id, session_id);
    if (!recorded) {
        log::Warn("cannot record disconnection instance_id={} error=\"{}\"", instance_id,
                  recorded.error().message);
    }
}

asio::awaitable<void> DeploymentService::OnHeartbeat(const std::string& instance_id) {
    if (impl_->SeenWriteDue(instance_id)) {
        (void)co_await impl_->store.RecordSeen(instance_id);
    }
}

asio::awaitable<void> DeploymentService::OnInventory(
    const std::string& instance_id, const std::vector<gateway::InstalledComponent>& inventory) {
    const auto items = ToStore(inventory);
    auto recorded = co_await impl_->store.RecordInventory(instance_id, items);
    if (!recorded) {
        log::Warn("cannot record inventory instance_id={} error=\"{}\"", instance_id,
                  recorded.error().message);
    }
}

asio::awaitable<void> DeploymentService::OnAck(const std::string& instance_id, const std::string& op_id) {
    const std::string step = "ack";
    const std::string message = "agent acknowledged the instruction";
    auto added = co_await impl_->store.AddEvent(op_id, instance_id, step, message);
    if (!added) {
        log::Warn("ack ignored instance_id={} op_id={} error=\"{}\"", instance_id, op_id,
                  added.error().message);
    }
}

asio::awaitable<void> DeploymentService::OnProgress(const std::string& instance_id,
                                                    const gateway::AgentProgress& progress) {
    // Byte counters arrive often; the event history keeps one entry per step and component.
    if (!impl_->RecordProgress(progress)) {
        co_return;
    }
    auto message = progress.step + (progress.component.empty() ? "" : " " + progress.component);
    if (progress.bytes_total > 0) {
        message += " (" + std::to_string(progress.bytes_total) + " bytes)";
    }
    (void)co_await impl_->store.AddEvent(progress.op_id, instance_id, progress.step, message);
}

asio::awaitable<void> DeploymentService::OnResult(const std::string& instance_id,
                                                  const gateway::AgentResult& result) {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->live_progress.erase(result.op_id);
    }
    const auto status = StatusOf(result.outcome);
    const auto inventory = ToStore(result.inventory);
    auto completed =
        co_await impl_->store.Complete(result.op_id, instance_id, status, result.error, inventory);
    if (!completed) {
        log::Error("cannot record result instance_id={} op_id={} error=\"{}\"", instance_id,
                   result.op_id, completed.error().message);
        co_return;
    }
    if (!*completed) {
        log::Info("duplicate or stale result ignored instance_id={} op_id={}", instance_id, result.op_id);
    } else {
        log::Info("deployment finished deployment_id={} instance_id={} status={}", result.op_id,
                  instance_id, status);
        co_await impl_->QuarantineRemoved(**completed);
    }
    co_await impl_->DispatchNext(instance_id);
}

asio::awaitable<bool> DeploymentService::CheckCredential(const std::string& instance_id,
                                                         const std::string& credential) {
    if (!IsValidId(instance_id) || credential.empty()) {
        co_return false;
    }
    const auto credential_hash = Sha256Hex(credential);
    auto ok = co_await impl_->store.CheckCredential(instance_id, credential_hash);
    co_return ok && *ok;
}

asio::awaitable<Expected<std::filesystem::path>> DeploymentService::ArtifactPath(const std::string& sha256) {
    if (!IsSha256Hex(sha256)) {
        co_return MakeError(Errc::kInvalidArgument, "not a SHA-256 digest");
    }
    auto exists = co_await impl_->store.ArtifactExists(sha256);
    if (!exists) {
        co_return exists.error();
    }
    auto path = store::ArtifactFilePath(impl_->artifact_dir, sha256);
    std::error_code ec;
    if (!*exists || !std::filesystem::exists(path, ec)) {
        co_return MakeError(Errc::kNotFound, "artifact " + sha256 + " not found");
    }
    co_return path;
}

}  // namespace waka::coordinator::deploy

namespace waka::coordinator::deploy {

asio::awaitable<Expected<store::Manifest>> DeploymentService::Impl::CurrentManifest(
    const std::string& instance_id) {
    std::string id = instance_id;
    std::string no_target;
    auto history = co_await rollbacks.History(id, no_target);
    if (!history) {
        co_return history.error().WithContext("load instance");
    }
    if (!history->found) {
        co_return MakeError(Errc::kNotFound, "Instance " + instance_id + " not found");
    }
    if (history->decommissioned) {
        co_return MakeError(Errc::kConflict, "Instance " + instance_id + " is decommissioned");
    }
    if (!history->current_manifest_id) {
        co_return MakeError(Errc::kConflict, "Instance " + instance_id +
                                                 " has no current manifest: deploy one before "
                                                 "patching it");
    }
    std::string manifest_id = *history->current_manifest_id;
    co_return co_await manifests.Get(manifest_id);
}

asio::awaitable<Expected<void>> DeploymentService::Impl::CheckNotInProgress(
    const store::SecurityPatch& patch, const std::string& instance_id) {
    std::string patch_id = patch.id;
    std::string instance = instance_id;
    auto links = co_await patches.Deployments(patch_id, instance);
    if (!links) {
        co_return links.error();
    }
    for (const auto& link : *links) {
        if (!store::IsTerminalStatus(link.status)) {
            co_return MakeError(Errc::kConflict, "Patch " + patch.id +
                                                     " is already being applied to " + instance_id +
                                                     " by " + link.deployment_id + " (" +
                                                     link.status + ")");
        }
    }
    co_return Expected<void>{};
}

// The releases a manifest names: those of the current manifest it shares, the others read.
asio::awaitable<Expected<std::map<std::string, store::Release>>>
DeploymentService::Impl::ReleasesOf(const store::Manifest& manifest, const store::Manifest& current,
                                    std::map<std::string, store::Release> known) {
    const auto wanted = ManifestComponents(manifest);
    const auto had = ManifestComponents(current);
    std::map<std::string, store::Release> out;
    for (const auto& [key, version] : wanted) {
        auto found = known.find(key);
        auto before = had.find(key);
        if (found != known.end() && before != had.end() && before->second == version) {
            out.emplace(key, std::move(found->second));
            continue;
        }
        const auto colon = key.find(':');
        store::ReleaseKey release_key{key.substr(0, colon), key.substr(colon + 1), version};
        auto release = co_await releases.Get(release_key);
        if (release) {
            out.emplace(key, std::move(*release));
        } else if (!release.error().Is(Errc::kNotFound)) {
            co_return release.error();
        }
    }
    co_return out;
}

// A patch decision that stores nothing else (dry run, refusal); details name the patch, which the
// compliance report reads back.
asio::awaitable<Expected<void>> DeploymentService::Impl::AuditPatch(
    const store::Principal& principal, const CreateDeploymentRequest& request,
    const std::string& deployment_id, const std::string& decision, const std::string& reason,
    const std::string& patch_id) {
    boost::json::object details{
        {"manifest_id", request.manifest_id}, {"kind", "patch"}, {"patch_id", patch_id}};
    store::AuditDraft audit{principal.actor,
                            AuditAction(request),
                            "deployment",
                            deployment_id.empty() ? request.manifest_id : deployment_id,
                            request.instance_id,
                            decision,
                            reason,
                            boost::json::serialize(details)};
    co_return co_await store.RecordAudit(audit);
}

// What Create does, for a manifest that is not stored yet: validate, plan, decide. Dry runs and
// refusals record their audit entry here; nothing else is stored.
asio::awaitable<Expected<CreateDeploymentOutcome>> DeploymentService::Impl::Evaluate(
    const store::Principal& principal, const CreateDeploymentRequest& request,
    const store::Manifest& manifest, const store::Manifest& current, const std::string& patch_id) {
    std::string instance_id = request.instance_id;
    auto inputs = co_await store.LoadInputs(instance_id, current.id);
    if (!inputs) {
        co_return inputs.error();
    }
    if (!inputs->instance) {
        co_return MakeError(Errc::kNotFound, "Instance " + instance_id + " not found");
    }
    auto wanted = co_await ReleasesOf(manifest, current, std::move(inputs->releases));
    if (!wanted) {
        co_return wanted.error();
    }
    auto plan = PlanChanges(manifest, inputs->instance->inventory, *wanted);
    if (!plan) {
        co_return plan.error();
    }
    auto valid = co_await resolution.ValidateDeployment(instance_id, manifest, false);
    if (!valid) {
        // Audited like a policy refusal, so that a pin or a quarantine keeping a patch off an
        // instance is visible (the compliance report names it).
        const std::string no_deployment;
        if (auto recorded = co_await AuditPatch(principal, request, no_deployment, "refused",
                                                valid.error().message, patch_id);
            !recorded) {
            co_return recorded.error();
        }
        co_return valid.error();
    }
    auto decision = co_await DecidePolicy(principal, request);
    if (!decision) {
        co_return decision.error();
    }
    CreateDeploymentOutcome outcome{
        NewDeployment(principal, request, *inputs->instance, std::move(*plan), clock.Now()),
        request.dry_run, AuditDecision(decision->verdict)};
    ApplyDecision(outcome.deployment, *decision);
    if (request.dry_run || decision->verdict == policy::Verdict::Refuse) {
        if (auto recorded =
                co_await AuditPatch(principal, request, outcome.deployment.id,
                                    AuditDecision(decision->verdict), decision->reason, patch_id);
            !recorded) {
            co_return recorded.error();
        }
        if (decision->verdict == policy::Verdict::Refuse && !request.dry_run) {
            co_return MakeError(Errc::kConflict, decision->reason);
        }
    }
    co_return outcome;
}

asio::awaitable<Expected<ApplyPatchOutcome>> DeploymentService::Impl::ApplyPatch(
    const store::Principal& principal, const ApplyPatchRequest& request) {
    std::string patch_id = request.patch_id;
    auto patch = co_await patches.Get(patch_id);
    if (!patch && patch.error().Is(Errc::kNotFound)) {
        co_return MakeError(Errc::kNotFound, "Patch " + request.patch_id + " not found");
    }
    if (!patch) {
        co_return patch.error();
    }
    auto current = co_await CurrentManifest(request.instance_id);
    if (!current) {
        co_return current.error();
    }
    ApplyPatchOutcome outcome{*patch, CheckPatch(*patch, *current), std::nullopt, std::nullopt};
    if (outcome.check.fit != PatchFit::kAffected) {
        co_return outcome;  // nothing to do: answered, nothing stored
    }
    if (auto busy = co_await CheckNotInProgress(*patch, request.instance_id); !busy) {
        co_return busy.error();
    }
    auto manifest = PatchedManifest(*current, *patch, NewId("manifest"), request.instance_id);
    CreateDeploymentRequest deployment{.manifest_id = manifest.id,
                                       .instance_id = request.instance_id,
                                       .dry_run = request.dry_run,
                                       .force = request.force,
                                       .reason = request.reason,
                                       .kind = "patch",
                                       .severity = patch->severity};
    // Everything is checked on the unstored manifest first: a refusal stores nothing else.
    auto evaluated = co_await Evaluate(principal, deployment, manifest, *current, patch_id);
    if (!evaluated) {
        co_return evaluated.error();
    }
    if (request.dry_run) {
        outcome.manifest = std::move(manifest);
        outcome.deployment = std::move(*evaluated);
        co_return outcome;
    }
    auto stored = co_await manifests.Create(principal, std::move(manifest));
    if (!stored) {
        co_return stored.error().WithContext("store the patched manifest");
    }
    auto created = co_await Create(principal, deployment);
    if (!created) {
        co_return created.error();
    }
    std::string deployment_id = created->deployment.id;
    std::string instance_id = request.instance_id;
    if (auto linked = co_await patches.Link(deployment_id, patch_id, instance_id, request.enforced);
        !linked) {
        log::Warn("patch link not stored deployment_id={} patch_id={} error=\"{}\"", deployment_id,
                  patch_id, linked.error().message);
    }
    outcome.manifest = std::move(stored->manifest);
    outcome.deployment = std::move(*created);
    co_return outcome;
}

}  // namespace waka::coordinator::deploy

namespace waka::coordinator::deploy {

// One enforced application. Its decision (allowed, deferred or refused) is audited by ApplyPatch;
// here it is only logged.
asio::awaitable<bool> DeploymentService::Impl::Enforce(const store::SecurityPatch& patch,
                                                       const std::string& instance_id) {
    const store::Principal system{"system", store::Role::kAdmin, ""};
    ApplyPatchRequest request;
    request.instance_id = instance_id;
    request.patch_id = patch.id;
    request.enforced = true;
    auto applied = co_await ApplyPatch(system, request);
    if (!applied) {
        log::Info("patch not enforced patch_id={} instance_id={} reason=\"{}\"", patch.id,
                  instance_id, applied.error().message);
        co_return false;
    }
    if (applied->deployment) {
        log::Info("patch enforced patch_id={} instance_id={} deployment_id={} status={}", patch.id,
                  instance_id, applied->deployment->deployment.id,
                  applied->deployment->deployment.status);
    }
    co_return applied->deployment.has_value();
}

}  // namespace waka::coordinator::deploy

namespace waka::coordinator::deploy {

// Versions a rollback removed or the agent undid stay off the instance until an operator clears
// them: the resolver reads them through the quarantine source (DESIGN §4.1).
asio::awaitable<void> DeploymentService::Impl::QuarantineRemoved(
    const store::Deployment& deployment) {
    auto removed = RemovedVersions(deployment);
    if (removed.empty()) {
        co_return;
    }
    std::string reason =
        deployment.kind == "rollback" && deployment.status == "deployed"
            ? "removed by rollback " + deployment.id
            : deployment.status + " in deployment " + deployment.id +
                  (deployment.error_message ? ": " + *deployment.error_message : "");
    std::string instance_id = deployment.instance_id;
    std::string deployment_id = deployment.id;
    auto added = co_await quarantines.Add(instance_id, std::move(removed), deployment_id, reason);
    if (!added) {
        log::Warn("quarantine not recorded deployment_id={} instance_id={} error=\"{}\"",
                  deployment.id, deployment.instance_id, added.error().message);
    }
}

}  // namespace waka::coordinator::deploy
