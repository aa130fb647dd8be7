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

// Deployments and their events: the life of a deployment as stored. Every status change is a
// conditional update guarded by the transition table (domain/deployment_status.hpp), so a
// deployment moves once even if two coordinators try; each writes its event, and mutations their
// audit entry, in the same transaction.
namespace waka::coordinator::ports {

struct DeploymentListFilter {
    std::optional<std::string> instance_id;
    std::optional<domain::DeploymentStatus> status;
    std::optional<std::string> rollout_id;  // a rollout's members and reverts
    std::size_t limit = 100;
    std::optional<std::string> cursor;  // id of the last row of the previous page
};

struct RollbackListFilter {
    std::optional<std::string> instance_id;
    std::size_t limit = 100;
    std::optional<std::string> cursor;  // id of the last rollback of the previous page
};

struct StatusCounts {
    std::map<domain::DeploymentStatus, std::uint64_t> all;        // every kind
    std::map<domain::DeploymentStatus, std::uint64_t> rollbacks;  // kind rollback only
};

// One instance of a fleet change with everything its evaluation reads (ADR 0037).
struct FleetMember {
    domain::Instance instance;
    std::vector<domain::PinRecord> pins;                          // active ones
    std::map<std::string, std::vector<std::string>> quarantined;  // "<type>:<name>" -> versions
    std::optional<domain::Manifest> current;                      // its current manifest
    std::optional<domain::PolicyRecord> policy;                   // its active policy
    // Its oldest deployment not finished (queued, waiting, on the agent), if any: a manifest
    // built from `current` would undo it once the queue runs it (ADR 0038).
    struct Open {
        std::string id;
        std::string kind;
        domain::DeploymentStatus status = domain::DeploymentStatus::kPending;
    };
    std::optional<Open> open;
};

// A manifest a fleet change deploys, with the releases it names.
struct FleetTarget {
    domain::Manifest manifest;
    std::map<std::string, domain::Release> releases;  // "<type>:<name>" -> release
};

// Which manifest each member of a fleet change gets (ADR 0038): one for all, or one per member
// (a patch applied to each member's own current manifest). New manifests are stored with the
// deployments, in their transaction.
struct FleetTargets {
    std::map<std::string, std::string> manifest_of;  // instance id -> manifest id
    std::vector<domain::Manifest> new_manifests;     // content hash set; stored with the change
    std::vector<std::pair<std::string, std::string>> refused;  // instance id, why it gets none
};

// A fleet change's inputs: per member what DeploymentService::Create would read for it alone
// (one snapshot), then every target manifest with its releases and the floors (a second one).
struct FleetInputs {
    std::map<std::string, FleetTarget> targets;  // by manifest id; a stored one not found is absent
    std::vector<domain::Floor> floors;
    std::vector<FleetMember> members;  // in the order asked; unknown ids are left out
};

// What a fleet change stores in one transaction.
struct FleetWrite {
    std::vector<domain::Manifest> manifests;  // new ones (FleetTargets::new_manifests)
    std::string actor;                        // who made the change, the manifests' creator
    std::vector<domain::Deployment> deployments;
    std::vector<domain::AuditDraft> audits;
    // Set for a patch: every deployment is linked to it (patch_deployments), as
    // PatchRepository::Link does for one.
    std::optional<std::string> patch_id;
    bool enforced = false;
};

class DeploymentRepository {
public:
    virtual ~DeploymentRepository() = default;

    virtual boost::asio::awaitable<Expected<domain::DeploymentInputs>> LoadInputs(
        const std::string& instance_id, const std::string& manifest_id) = 0;
    // Stores a new deployment with its first events and its audit entry.
    virtual boost::asio::awaitable<Expected<domain::Deployment>> Insert(
        const domain::Deployment& deployment, const domain::AuditDraft& audit) = 0;
    virtual boost::asio::awaitable<Expected<std::optional<domain::Deployment>>> Find(
        const std::string& id) = 0;
    // Newest first; without events.
    virtual boost::asio::awaitable<Expected<std::vector<domain::Deployment>>> List(
        const DeploymentListFilter& filter) = 0;

    // The deployment on the agent now (status deploying), if any.
    virtual boost::asio::awaitable<Expected<std::optional<domain::Dispatch>>> InFlight(
        const std::string& instance_id) = 0;
    // Whether the agent of the instance may download the artifact now (ADR 0024): a deployment of
    // that instance which the agent is carrying out (its outcome still accepted: deploying) has a
    // plan naming the sha256. One query; false for anything else, a finished deployment included.
    virtual boost::asio::awaitable<Expected<bool>> PlansArtifact(const std::string& instance_id,
                                                                 const std::string& sha256) = 0;
    // Moves the oldest queued deployment of the instance to deploying (StatusEvent::kDispatched),
    // unless one already is.
    virtual boost::asio::awaitable<Expected<std::optional<domain::Dispatch>>> ClaimNext(
        const std::string& instance_id) = 0;
    virtual boost::asio::awaitable<Expected<void>> AddEvent(const std::string& deployment_id,
                                                            const std::string& instance_id,
                                                            const std::string& step,
                                                            const std::string& message) = 0;
    // Records the agent's outcome (kAgentSucceeded, kAgentFailed or kAgentRolledBack) on a
    // deploying deployment of that instance: final status, error, inventory, and on success the
    // instance's new current manifest; in the same transaction, the versions it removed are
    // quarantined on the instance (domain::RemovedVersions, with domain::QuarantineReason). Answers
    // nullopt when the deployment is unknown or no longer deploying (a re-delivered result).
    virtual boost::asio::awaitable<Expected<std::optional<domain::Deployment>>> Complete(
        const std::string& deployment_id, const std::string& instance_id,
        domain::StatusEvent outcome, const std::string& error,
        const std::vector<domain::InstalledComponent>& inventory) = 0;

    // An instance's current manifest and what it ran before, in one snapshot (rollback targets).
    // `target`: a manifest id whose existence is reported in target_exists (empty: none asked).
    virtual boost::asio::awaitable<Expected<domain::InstanceHistory>> History(
        std::string instance_id, std::string target) = 0;
    // Deployments of kind rollback, newest first, without events.
    virtual boost::asio::awaitable<Expected<std::vector<domain::Deployment>>> ListRollbacks(
        RollbackListFilter filter) = 0;
    // Set-based forms for a rollout phase (ADR 0037): a few statements for the whole set, however
    // many instances. LoadFleetMembers reads in one snapshot what Create reads per instance;
    // LoadFleetTargets the manifests asked (stored ones by id, plus the new ones given) with
    // their releases, and the floors.
    virtual boost::asio::awaitable<Expected<std::vector<FleetMember>>> LoadFleetMembers(
        const std::vector<std::string>& instance_ids) = 0;
    virtual boost::asio::awaitable<Expected<FleetInputs>> LoadFleetTargets(
        const std::vector<std::string>& manifest_ids,
        const std::vector<domain::Manifest>& new_manifests) = 0;
    // Stores the new manifests (each with its "manifest.create" audit entry), the deployments with
    // their first events and, in the same transaction, every audit entry (theirs and the
    // refusals') and the patch links, and links each rollout member to its deployment while it
    // is still pending; kConflict, nothing stored, when one no longer is.
    virtual boost::asio::awaitable<Expected<void>> InsertBatch(const FleetWrite& write) = 0;
    // ClaimNext for every instance given, in one transaction: the dispatches claimed.
    virtual boost::asio::awaitable<Expected<std::vector<domain::Dispatch>>> ClaimBatch(
        const std::vector<std::string>& instance_ids) = 0;
    // Stored deployments by status, of every kind and of kind rollback (GET /metrics).
    virtual boost::asio::awaitable<Expected<StatusCounts>> CountByStatus() = 0;
};

}  // namespace waka::coordinator::ports
