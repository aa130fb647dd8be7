#pragma once

#include <boost/asio/awaitable.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/deploy/patching.hpp"
#include "coordinator/gateway/agent_directory.hpp"
#include "coordinator/store/types.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/error.hpp"

namespace waka::coordinator::db {
class Database;
}
namespace waka::coordinator::gateway {
class GatewayServer;
}

namespace waka::coordinator::deploy {

class ResolutionService;

// The runbook's body plus the overrides of DESIGN §4.1.
struct CreateDeploymentRequest {
    std::string manifest_id;
    std::string instance_id;
    bool dry_run = false;
    bool skip_validation = false;
    bool force = false;
    std::string reason;
    std::string kind = "deploy";
    // Server side only, never read from the API. A fixed id makes creation idempotent (the
    // scheduler's auto-updates: a second Create with the same id fails with kConflict); empty:
    // a new "deploy-<uuid>".
    std::string id;
    // Decided as the "auto-update" row of DESIGN §4.1 instead of "operator deployment".
    bool auto_update = false;
    // kind patch: critical | high | medium | low, for the patch rows of DESIGN §4.1.
    std::string severity;
};

struct CreateDeploymentOutcome {
    store::Deployment deployment;  // for dry_run: what would be stored (not stored)
    bool dry_run = false;
    std::string decision;  // "allowed"; later issues add deferred/awaiting_approval/refused
};

// POST /api/v1/rollback (docs/patches-and-rollback.md): back to a manifest the instance ran before.
struct CreateRollbackRequest {
    std::string instance_id;
    std::optional<std::string> to_manifest_id;  // absent: the manifest before the current one
    std::string reason;                         // required (checked by the API)
    bool dry_run = false;
    bool skip_validation = false;  // admin only (checked by the API)
};

// POST /api/v1/security/patches/apply (docs/patches-and-rollback.md, ADR 0011).
struct ApplyPatchRequest {
    std::string instance_id;
    std::string patch_id;
    bool dry_run = false;
    bool force = false;  // admin only, reason required (checked by the API)
    std::string reason;
    bool enforced = false;  // made by the coordinator's enforcement, not asked by an operator
};

struct ApplyPatchOutcome {
    store::SecurityPatch patch;
    PatchCheck check;  // whether the instance's current manifest is affected, and why
    // When affected: the patched manifest (stored unless dry run) and the deployment of kind
    // patch (planned for a dry run, created otherwise).
    std::optional<store::Manifest> manifest;
    std::optional<CreateDeploymentOutcome> deployment;
};

struct DeploymentFilter {
    std::optional<std::string> instance_id;
    std::optional<std::string> status;
    std::size_t limit = 100;
    std::optional<std::string> cursor;  // id of the last deployment of the previous page
};

// Owns the life of deployments: validates and plans them, queues them, dispatches them to the
// connected agent through the gateway, and follows the agent's acks, progress and result. Also the
// gateway's AgentDirectory (enrollment, credentials, inventory, artifact lookup).
// Errors from Create: kNotFound (instance or manifest unknown), kInvalidArgument (a release or
// artifact named by the manifest is missing; the message names it), kConflict (decommissioned).
class DeploymentService final : public gateway::AgentDirectory {
public:
    // The agent's latest progress report on a deployment it is running (bytes included), as held
    // in memory by the coordinator its agent is connected to.
    struct LiveProgress {
        std::string step;
        std::string component;
        std::uint64_t bytes_done = 0;
        std::uint64_t bytes_total = 0;
    };

    // How many policy decisions this process took for one kind of change and verdict.
    struct DecisionCount {
        std::string kind;     // policy::ToString(ChangeKind)
        std::string verdict;  // policy::ToString(Verdict)
        std::uint64_t count = 0;
    };

    DeploymentService(db::Database& database, const Clock& clock, std::filesystem::path artifact_dir);
    ~DeploymentService() override;

    // The gateway used to reach agents; set once at start-up, before agents connect.
    void AttachGateway(gateway::GatewayServer& gateway);
    // The resolver wiring deployments are validated with (its quarantine source included), for
    // the API's pin, compile, compatibility and explain routes, so that they all agree.
    [[nodiscard]] ResolutionService& Resolution();

    boost::asio::awaitable<Expected<CreateDeploymentOutcome>> Create(
        const store::Principal& principal, const CreateDeploymentRequest& request);
    // A deployment of kind rollback, decided by the rollback row of DESIGN §4.1 (now, under every
    // channel). Errors: those of deploy::ChooseRollbackTarget (rollback.hpp), then those of Create.
    boost::asio::awaitable<Expected<CreateDeploymentOutcome>> CreateRollback(
        const store::Principal& principal, const CreateRollbackRequest& request);
    // A deployment of kind patch moving the patch's component of the instance's current manifest to
    // the patched version (a new manifest), decided by the patch rows of DESIGN §4.1. Not affected
    // or already patched: answered with no deployment. Checked before anything is stored: a refusal
    // stores only its audit entry. Errors: kNotFound (patch, instance), kConflict (decommissioned,
    // no current manifest, the patch already being applied, policy refusal), those of validation.
    boost::asio::awaitable<Expected<ApplyPatchOutcome>> ApplyPatch(const store::Principal& principal,
                                                                   const ApplyPatchRequest& request);
    // Enforcement: applies the patch, as "system", to every instance whose current manifest it
    // affects and that has nothing under way for it; each is decided by its channel (critical: now,
    // through frozen, windows and approvals). Refusals are audited by ApplyPatch; nothing is thrown.
    boost::asio::awaitable<void> EnforcePatch(std::string patch_id);
    // The same for one instance and every patch, skipping patches whose last deployment there failed
    // (they wait for an operator): run when its agent connects, so late instances catch up.
    boost::asio::awaitable<void> CatchUpPatches(std::string instance_id);
    boost::asio::awaitable<Expected<store::Deployment>> Get(const std::string& id);  // with events
    boost::asio::awaitable<Expected<std::vector<store::Deployment>>> List(const DeploymentFilter& filter);
    // Hands the instance's oldest queued deployment to its agent when the agent is connected here
    // and idle; used after an approval or the scheduler moved a deployment to queued.
    boost::asio::awaitable<void> DispatchQueued(const std::string& instance_id);
    // Asks the agent to cancel the deployment it holds; false when the agent is not connected
    // here. The agent answers with a result (cancelled before start, or it runs to its end).
    bool RequestCancel(const std::string& instance_id, const std::string& deployment_id);
    // Policy decisions taken since start (dry runs excluded), sorted by kind then verdict; for
    // GET /metrics. Thread-safe.
    [[nodiscard]] std::vector<DecisionCount> DecisionCounts() const;
    // The latest progress of a running deployment whose agent reports to this coordinator;
    // nullopt otherwise. Thread-safe.
    [[nodiscard]] std::optional<LiveProgress> Progress(const std::string& deployment_id) const;

    // AgentDirectory.
    boost::asio::awaitable<gateway::HelloDecision> Authenticate(const gateway::AgentHello& hello) override;
    boost::asio::awaitable<void> OnConnected(const gateway::AgentHello& hello,
                                             const std::string& session_id) override;
    boost::asio::awaitable<void> OnDisconnected(const std::string& instance_id,
                                                const std::string& session_id) override;
    boost::asio::awaitable<void> OnHeartbeat(const std::string& instance_id) override;
    boost::asio::awaitable<void> OnInventory(
        const std::string& instance_id,
        const std::vector<gateway::InstalledComponent>& inventory) override;
    boost::asio::awaitable<void> OnAck(const std::string& instance_id, const std::string& op_id) override;
    boost::asio::awaitable<void> OnProgress(const std::string& instance_id,
                                            const gateway::AgentProgress& progress) override;
    boost::asio::awaitable<void> OnResult(const std::string& instance_id,
                                          const gateway::AgentResult& result) override;
    boost::asio::awaitable<bool> CheckCredential(const std::string& instance_id,
                                                 const std::string& credential) override;
    boost::asio::awaitable<Expected<std::filesystem::path>> ArtifactPath(const std::string& sha256) override;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace waka::coordinator::deploy
