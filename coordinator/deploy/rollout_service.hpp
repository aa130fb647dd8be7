#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "coordinator/deploy/approval_service.hpp"
#include "coordinator/deploy/deployment_service.hpp"
#include "coordinator/deploy/resolution_service.hpp"
#include "coordinator/ports/repositories.hpp"
#include "coordinator/ports/rollout_repository.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/error.hpp"

// Fleet rollouts (docs/rollouts.md, ADR 0035) as operators make and control them, and the step the
// scheduler drives each pass. A member is started as an ordinary deployment of its instance
// (DeploymentService::Create, kind deploy, linked to the rollout), so the instance's channel still
// decides: a frozen member or one its pins make impossible is refused and listed as skipped with
// the reason, a maintenance window makes it wait, manual approval makes it await approvals. All
// state is in PostgreSQL: a restarted coordinator's next pass resumes every rollout where it was.
namespace waka::coordinator::deploy {

struct CreateRolloutRequest {
    std::string manifest_id;  // empty for a patch rollout
    std::optional<domain::Selector> selector;
    std::vector<std::string> instance_ids;
    domain::RolloutStrategy strategy = domain::DefaultStrategy();
    std::string reason;
    // A patch rollout (ADR 0038, made by PatchService): each member gets the patch applied to its
    // own current manifest; `within` the instances it affects.
    std::optional<std::string> patch_id;
    bool enforced = false;
    std::optional<std::vector<std::string>> within;
    // Instead of a manifest: compiled per member against its own pins and quarantine when it
    // starts (ADR 0038); a member its pins make impossible is skipped with the resolver's reason.
    std::optional<domain::CompileTarget> constraints;
};

// What one scheduler pass did to the rollouts.
struct RolloutPassReport {
    int members_started = 0;
    int members_skipped = 0;
    int phases_started = 0;
    int reverts_started = 0;
    int finished = 0;                  // succeeded, reverted
    int paused = 0;                    // by their threshold
    std::optional<TimePoint> wake_at;  // the earliest end of a bake
};

struct RolloutOptions {
    // Members started in one batch (rollouts.batch_size): a phase larger than this starts in
    // several batches, each one transaction, so no transaction holds an unbounded set.
    std::size_t batch_size = 10'000;
};

class RolloutService {
public:
    // Uses the rollout, patch and manifest repositories of `repositories`.
    RolloutService(ports::Repositories& repositories, ResolutionService& resolution,
                   DeploymentService& deployments, ApprovalService& approvals, const Clock& clock,
                   RolloutOptions options = {});

    // Errors: those of ports::RolloutRepository::Create and domain::ValidateStrategy.
    boost::asio::awaitable<Expected<ports::Rollout>> Create(const domain::Principal& by,
                                                            const CreateRolloutRequest& request);
    boost::asio::awaitable<Expected<ports::Rollout>> Get(const std::string& id,
                                                         std::size_t member_limit);
    boost::asio::awaitable<Expected<std::vector<ports::Rollout>>> List(
        const ports::RolloutListFilter& filter);
    // pause | resume | abort | revert. Errors: kNotFound; kConflict when the state does not
    // accept it (a finished rollout cannot be paused).
    boost::asio::awaitable<Expected<ports::Rollout>> Control(const domain::Principal& by,
                                                             const std::string& id,
                                                             domain::RolloutEvent event,
                                                             const std::string& reason);
    // One approval for every member awaiting approval (each judged by its own deployment's rule,
    // four-eyes included). Answers how many were approved and the refusals by deployment.
    struct ApproveAnswer {
        std::size_t approved = 0;
        std::vector<std::pair<std::string, std::string>> refused;  // deployment id, why
    };
    boost::asio::awaitable<Expected<ApproveAnswer>> Approve(const domain::Principal& by,
                                                            const std::string& id,
                                                            const std::string& comment);

    // Called after a rollout was created, resumed, reverted or approved, so that the next pass
    // runs now instead of at the next interval (the app wakes the scheduler). Set before use.
    void OnChange(std::function<void()> wake) { changed_ = std::move(wake); }

    // Moves every running or reverting rollout as far as it can go now.
    boost::asio::awaitable<Expected<RolloutPassReport>> Advance();
    // The same for one rollout, at once (a patch's enforcement starts its first batch without
    // waiting for the scheduler). Safe beside a pass: every step is a conditional claim.
    boost::asio::awaitable<Expected<RolloutPassReport>> AdvanceNow(const std::string& id);

private:
    void Changed() const {
        if (changed_) {
            changed_();
        }
    }
    // Steps under the advancing_ guard (one mover per rollout in this coordinator).
    boost::asio::awaitable<Expected<void>> AdvanceOne(const std::string& id,
                                                      RolloutPassReport& report);
    boost::asio::awaitable<Expected<void>> Steps(const std::string& id, RolloutPassReport& report);
    boost::asio::awaitable<Expected<void>> StartMembers(const ports::Rollout& rollout,
                                                        std::size_t count,
                                                        RolloutPassReport& report);
    boost::asio::awaitable<Expected<void>> RevertStep(const ports::Rollout& rollout,
                                                      RolloutPassReport& report);
    // A patch rollout's members start as patch applications, each on its own current manifest.
    boost::asio::awaitable<Expected<DeploymentService::TargetChooser>> PatchStart(
        const std::string& patch_id, CreateDeploymentRequest& request, bool enforced);
    // A constraints rollout's members start on the manifest compiled for each.
    DeploymentService::TargetChooser CompiledStart(domain::CompileTarget target);
    // The targets with every new manifest that has a stored twin replaced by it (one statement).
    boost::asio::awaitable<Expected<ports::FleetTargets>> WithStoredTwins(
        Expected<ports::FleetTargets> targets);

    ports::RolloutRepository& rollouts_;
    ports::PatchRepository& patches_;
    ports::ManifestRepository& manifests_;
    ResolutionService& resolution_;
    // Rollouts a step of this coordinator is moving now: a pass and an AdvanceNow of the same
    // rollout would evaluate the same members twice and one would lose the claim, so the second
    // one leaves it to the first.
    std::mutex advancing_mutex_;
    std::set<std::string> advancing_;
    DeploymentService& deployments_;
    ApprovalService& approvals_;
    const Clock& clock_;
    RolloutOptions options_;
    std::function<void()> changed_;
};

}  // namespace waka::coordinator::deploy
