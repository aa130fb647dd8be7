#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "coordinator/domain/compile_target.hpp"
#include "coordinator/domain/model.hpp"
#include "coordinator/domain/rollout.hpp"
#include "coordinator/domain/selector.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/error.hpp"

// Rollouts as stored (docs/rollouts.md). Work on members is set-based: selecting them, counting
// them by phase and status, and cancelling the unstarted ones are single statements over the whole
// rollout, never a round trip per instance. A member's status is derived from its row and its
// deployment in SQL (the words of domain::MemberStatus). Every state change is a conditional update
// guarded by domain::RolloutTransitions and writes its rollout event and audit entry in the same
// transaction. Times come from the injected clock.
namespace waka::coordinator::ports {

struct RolloutMember {
    std::string instance_id;
    std::size_t phase = 0;
    std::size_t position = 0;
    domain::MemberStatus status = domain::MemberStatus::kPending;
    std::string reason;  // why skipped, or why its revert could not be made
    std::optional<std::string> previous_manifest_id;
    std::optional<std::string> deployment_id;
    std::optional<domain::DeploymentStatus> deployment_status;
    std::optional<std::string> revert_deployment_id;
};

struct RolloutEventEntry {
    TimePoint at;
    domain::RolloutState state = domain::RolloutState::kRunning;
    std::size_t phase = 0;
    std::string message;
};

struct Rollout {
    std::string id;
    domain::RolloutState state = domain::RolloutState::kRunning;
    std::string manifest_id;                           // empty for a patch or constraints rollout
    std::optional<std::string> patch_id;               // a patch rollout's (ADR 0038)
    std::optional<domain::CompileTarget> constraints;  // compiled per member (ADR 0038)
    bool enforced = false;                             // made by the patch's enforcement
    std::string selector;  // canonical text; empty when only explicit ids were given
    std::vector<std::string> instance_ids;
    domain::RolloutStrategy strategy;
    std::string reason;
    std::size_t current_phase = 0;
    TimePoint phase_started_at;
    std::optional<TimePoint> phase_finished_at;
    std::string state_reason;
    std::string created_by;
    domain::Role created_role = domain::Role::kOperator;
    TimePoint created_at;
    TimePoint updated_at;
    std::optional<TimePoint> finished_at;
    std::vector<domain::PhaseCounts> phases;  // one per strategy phase, always filled
    // Filled by Get only.
    std::vector<RolloutEventEntry> events;
    std::vector<RolloutMember> members;  // in start order, at most Get's member_limit
    std::size_t member_count = 0;
};

struct NewRollout {
    std::string id;
    std::string manifest_id;                   // empty when patch_id or constraints is set
    std::optional<domain::Selector> selector;  // none: only the explicit ids
    std::vector<std::string> instance_ids;
    domain::RolloutStrategy strategy;
    std::string reason;
    std::optional<std::string> patch_id;
    bool enforced = false;
    // When set, only these instances can be members (a patch rollout: those the patch affects).
    std::optional<std::vector<std::string>> within;
    std::optional<domain::CompileTarget> constraints;
};

struct RolloutListFilter {
    std::optional<domain::RolloutState> state;
    std::size_t limit = 100;
    std::optional<std::string> cursor;  // id of the last row of the previous page
};

// A changed member a revert puts back, and where to.
struct MemberToRevert {
    std::string instance_id;
    std::optional<std::string> previous_manifest_id;
};

// What a reverting rollout still has to do, read in one snapshot.
struct RevertWork {
    std::vector<MemberToRevert> to_revert;  // changed members with no revert deployment yet
    std::size_t unfinished = 0;             // members on their agent, or reverts not finished
};

class RolloutRepository {
public:
    virtual ~RolloutRepository() = default;

    // Selects the live instances the selector matches plus the explicit ones, spreads them over
    // the phases (domain::PhaseSizes, in a stable order mixed by the rollout id so the canary is
    // not always the first instance by name), and stores the rollout, its members, its first event
    // and its audit entry. Errors: kNotFound (the manifest, the patch or an explicit instance),
    // kInvalidArgument (no instance selected; an explicit instance decommissioned; an
    // instance-scoped manifest for another instance), kConflict (an instance is in another active
    // rollout: the message names both; for a patch rollout, another unfinished rollout of the
    // patch). A patch rollout's members do not claim their instances (ADR 0038).
    virtual boost::asio::awaitable<Expected<Rollout>> Create(const domain::Principal& by,
                                                             const NewRollout& rollout) = 0;
    // With events and at most `member_limit` members; 0: the counts only (a scheduler pass, a
    // client following the bars). kNotFound "Rollout not found".
    virtual boost::asio::awaitable<Expected<Rollout>> Get(const std::string& id,
                                                          std::size_t member_limit) = 0;
    // Newest first, with counts, without events and members.
    virtual boost::asio::awaitable<Expected<std::vector<Rollout>>> List(
        const RolloutListFilter& filter) = 0;
    // Ids of the rollouts a scheduler pass moves (running and reverting), oldest first.
    virtual boost::asio::awaitable<Expected<std::vector<std::string>>> Active() = 0;

    // Applies `event` when the rollout is in a state that accepts it; answers the rollout after it.
    // Leaving for a finished state ends its members' claim on their instances; abort and revert
    // cancel, in the same transaction, the members not started and their deployments that have
    // not reached an agent. Errors: kNotFound; kConflict naming the state and the event.
    virtual boost::asio::awaitable<Expected<Rollout>> Apply(const domain::Principal& by,
                                                            const std::string& id,
                                                            domain::RolloutEvent event,
                                                            const std::string& reason) = 0;
    // The current phase finished now (its bake starts); false when it had already been recorded.
    virtual boost::asio::awaitable<Expected<bool>> FinishPhase(const std::string& id,
                                                               std::size_t phase) = 0;
    // Moves from `phase` to the next one; false when another pass already did.
    virtual boost::asio::awaitable<Expected<bool>> NextPhase(const std::string& id,
                                                             std::size_t phase) = 0;
    // Instance ids of the pending members of a phase in start order, at most `limit`.
    virtual boost::asio::awaitable<Expected<std::vector<std::string>>> PendingMembers(
        const std::string& id, std::size_t phase, std::size_t limit) = 0;
    // Members that could not start (frozen, their pins, a refusal): skipped with the reason, in
    // one statement. (instance id, reason) pairs.
    virtual boost::asio::awaitable<Expected<void>> Skip(
        const std::string& id, const std::vector<std::pair<std::string, std::string>>& skipped) = 0;
    virtual boost::asio::awaitable<Expected<RevertWork>> Revert(const std::string& id) = 0;
    // A changed member whose revert could not be made (no previous manifest, a refusal).
    virtual boost::asio::awaitable<Expected<void>> RevertFailed(const std::string& id,
                                                                const std::string& instance_id,
                                                                const std::string& error) = 0;
    // Rollouts by state and members by status over every stored rollout (GET /metrics).
    struct Counts {
        std::vector<std::pair<domain::RolloutState, std::uint64_t>> rollouts;
        std::vector<std::pair<domain::MemberStatus, std::uint64_t>> members;
    };
    virtual boost::asio::awaitable<Expected<Counts>> Count() = 0;
    // Patches with a rollout not finished (running, paused, reverting): their rollout paces them,
    // so a reconnecting agent's catch-up leaves them to it (ADR 0038).
    virtual boost::asio::awaitable<Expected<std::set<std::string>>> PatchesRollingOut() = 0;
};

}  // namespace waka::coordinator::ports
