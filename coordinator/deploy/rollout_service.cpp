#include "coordinator/deploy/rollout_service.hpp"

#include <algorithm>
#include <limits>
#include <map>

#include "coordinator/deploy/fleet_targets.hpp"
#include "shared/core/ids.hpp"
#include "shared/core/log.hpp"

namespace waka::coordinator::deploy {
namespace {

namespace asio = boost::asio;
using domain::ProgressStep;
using domain::RolloutEvent;
using domain::RolloutState;

// Steps one rollout may take in one pass (finish a phase, start the next, start its members...),
// so that a phase with no bake flows into the next without waiting a whole interval.
constexpr int kStepsPerPass = 8;

const domain::Principal kSystem{"system", domain::Role::kAdmin, ""};

domain::RolloutProgress ProgressOf(const ports::Rollout& rollout) {
    return {rollout.state, rollout.current_phase, rollout.phases, rollout.phase_finished_at};
}

void KeepEarliest(std::optional<TimePoint>& earliest, std::optional<TimePoint> candidate) {
    if (candidate && (!earliest || *candidate < *earliest)) {
        earliest = candidate;
    }
}

}  // namespace

RolloutService::RolloutService(ports::Repositories& repositories, ResolutionService& resolution,
                               DeploymentService& deployments, ApprovalService& approvals,
                               const Clock& clock, RolloutOptions options)
    : rollouts_(repositories.rollouts),
      patches_(repositories.patches),
      manifests_(repositories.manifests),
      resolution_(resolution),
      deployments_(deployments),
      approvals_(approvals),
      clock_(clock),
      options_(options) {}

asio::awaitable<Expected<ports::Rollout>> RolloutService::Create(
    const domain::Principal& by, const CreateRolloutRequest& request) {
    if (auto valid = domain::ValidateStrategy(request.strategy); !valid) {
        co_return valid.error();
    }
    // An id named twice is one member, at its first place.
    std::vector<std::string> explicit_ids;
    for (const auto& id : request.instance_ids) {
        if (std::find(explicit_ids.begin(), explicit_ids.end(), id) == explicit_ids.end()) {
            explicit_ids.push_back(id);
        }
    }
    ports::NewRollout rollout{NewId("rollout"),        request.manifest_id, request.selector,
                              std::move(explicit_ids), request.strategy,    request.reason,
                              request.patch_id,        request.enforced,    request.within,
                              request.constraints};
    auto created = co_await rollouts_.Create(by, rollout);
    if (created) {
        log::Info("rollout created rollout_id={} manifest_id={} patch_id={} members={}",
                  created->id, created->manifest_id, created->patch_id.value_or(""),
                  created->member_count);
        Changed();
    }
    co_return created;
}

asio::awaitable<Expected<ports::Rollout>> RolloutService::Get(const std::string& id,
                                                              std::size_t member_limit) {
    co_return co_await rollouts_.Get(id, member_limit);
}

asio::awaitable<Expected<std::vector<ports::Rollout>>> RolloutService::List(
    const ports::RolloutListFilter& filter) {
    co_return co_await rollouts_.List(filter);
}

asio::awaitable<Expected<ports::Rollout>> RolloutService::Control(const domain::Principal& by,
                                                                  const std::string& id,
                                                                  RolloutEvent event,
                                                                  const std::string& reason) {
    auto after = co_await rollouts_.Apply(by, id, event, reason);
    if (after) {
        log::Info("rollout {} rollout_id={} by={} state={}", domain::ToString(event), id, by.actor,
                  domain::ToString(after->state));
        Changed();
    }
    co_return after;
}

asio::awaitable<Expected<RolloutService::ApproveAnswer>> RolloutService::Approve(
    const domain::Principal& by, const std::string& id, const std::string& comment) {
    auto rollout = co_await rollouts_.Get(id, 0);
    if (!rollout) {
        co_return rollout.error();
    }
    if (domain::IsFinished(rollout->state)) {
        co_return MakeError(Errc::kConflict, "Rollout " + id + " is " +
                                                 std::string(domain::ToString(rollout->state)) +
                                                 ": nothing awaits approval");
    }
    // Every member awaiting approval, read and approved set-based (ADR 0039).
    DeploymentFilter awaiting;
    awaiting.status = domain::DeploymentStatus::kAwaitingApproval;
    awaiting.rollout_id = id;
    awaiting.limit = std::max<std::size_t>(rollout->member_count, 1);
    auto deployments = co_await deployments_.List(awaiting);
    if (!deployments) {
        co_return deployments.error();
    }
    auto decided = co_await approvals_.ApproveAll(by, *deployments, comment);
    if (!decided) {
        co_return decided.error();
    }
    ApproveAnswer answer{decided->approved, std::move(decided->refused)};
    if (answer.approved > 0) {
        Changed();
    }
    co_return answer;
}

asio::awaitable<Expected<RolloutPassReport>> RolloutService::Advance() {
    auto active = co_await rollouts_.Active();
    if (!active) {
        co_return active.error();
    }
    RolloutPassReport report;
    for (const auto& id : *active) {
        if (auto advanced = co_await AdvanceOne(id, report); !advanced) {
            // One rollout's trouble does not hold the others back; the next pass retries it. A
            // conflict is another coordinator having claimed the same members first.
            if (advanced.error().Is(Errc::kConflict)) {
                log::Info("rollout step yielded rollout_id={} reason=\"{}\"", id,
                          advanced.error().message);
            } else {
                log::Warn("rollout step failed rollout_id={} error=\"{}\"", id,
                          advanced.error().message);
            }
        }
    }
    co_return report;
}

asio::awaitable<Expected<RolloutPassReport>> RolloutService::AdvanceNow(const std::string& id) {
    RolloutPassReport report;
    if (auto advanced = co_await AdvanceOne(id, report); !advanced) {
        co_return advanced.error();
    }
    co_return report;
}

asio::awaitable<Expected<void>> RolloutService::AdvanceOne(const std::string& id,
                                                           RolloutPassReport& report) {
    {
        std::scoped_lock lock(advancing_mutex_);
        if (!advancing_.insert(id).second) {
            co_return Expected<void>{};  // a step of this coordinator is moving it already
        }
    }
    struct Release {
        RolloutService& service;
        const std::string& id;
        ~Release() {
            std::scoped_lock lock(service.advancing_mutex_);
            service.advancing_.erase(id);
        }
    } release{*this, id};
    co_return co_await Steps(id, report);
}

asio::awaitable<Expected<void>> RolloutService::Steps(const std::string& id,
                                                      RolloutPassReport& report) {
    for (int i = 0; i < kStepsPerPass; ++i) {
        auto rollout = co_await rollouts_.Get(id, 0);
        if (!rollout) {
            co_return rollout.error();
        }
        if (rollout->state == RolloutState::kReverting) {
            co_return co_await RevertStep(*rollout, report);
        }
        const auto step =
            domain::DecideProgress(rollout->strategy, ProgressOf(*rollout), clock_.Now());
        switch (step.kind) {
            case ProgressStep::Kind::kWait:
                KeepEarliest(report.wake_at, step.wake_at);
                co_return Expected<void>{};
            case ProgressStep::Kind::kStartMembers: {
                // A full batch may leave more to start now: the next step starts the next batch.
                const std::size_t batch = std::min(step.count, options_.batch_size);
                if (auto started = co_await StartMembers(*rollout, batch, report); !started) {
                    co_return started;
                }
                if (batch == step.count) {
                    co_return Expected<void>{};
                }
                break;
            }
            case ProgressStep::Kind::kPhaseFinished:
                if (auto finished = co_await rollouts_.FinishPhase(id, rollout->current_phase);
                    !finished) {
                    co_return finished.error();
                }
                break;
            case ProgressStep::Kind::kNextPhase: {
                auto next = co_await rollouts_.NextPhase(id, rollout->current_phase);
                if (!next) {
                    co_return next.error();
                }
                report.phases_started += *next ? 1 : 0;
                break;
            }
            case ProgressStep::Kind::kComplete: {
                auto done = co_await rollouts_.Apply(kSystem, id, RolloutEvent::kCompleted,
                                                     "every phase finished");
                report.finished += done ? 1 : 0;
                co_return done ? Expected<void>{} : Expected<void>(done.error());
            }
            case ProgressStep::Kind::kThreshold: {
                const bool revert = rollout->strategy.on_failure == domain::FailureAction::kRevert;
                auto stopped = co_await rollouts_.Apply(
                    kSystem, id,
                    revert ? RolloutEvent::kThresholdRevert : RolloutEvent::kThresholdPaused,
                    step.reason);
                if (!stopped) {
                    co_return stopped.error();
                }
                log::Warn("rollout threshold crossed rollout_id={} action={} reason=\"{}\"", id,
                          revert ? "revert" : "pause", step.reason);
                report.paused += revert ? 0 : 1;
                break;  // a revert starts in the next step
            }
        }
    }
    co_return Expected<void>{};
}

// Members are started together (ADR 0037): their deployments are evaluated by the one pipeline
// (docs/design.md §4.3) on inputs read once, stored in one transaction and claimed in another, so
// a phase of 10,000 costs a few statements, not a few per member. Those the pipeline refuses are
// skipped with its reason, in one statement.
asio::awaitable<Expected<void>> RolloutService::StartMembers(const ports::Rollout& rollout,
                                                             std::size_t count,
                                                             RolloutPassReport& report) {
    auto ids = co_await rollouts_.PendingMembers(rollout.id, rollout.current_phase, count);
    if (!ids) {
        co_return ids.error();
    }
    const domain::Principal creator{rollout.created_by, rollout.created_role, ""};
    const auto& phase = rollout.strategy.phases.at(rollout.current_phase).name;
    CreateDeploymentRequest request;
    request.manifest_id = rollout.manifest_id;
    request.reason = "rollout " + rollout.id + " phase " + phase +
                     (rollout.reason.empty() ? std::string() : ": " + rollout.reason);
    request.rollout_id = rollout.id;
    DeploymentService::TargetChooser choose;
    if (rollout.patch_id) {
        auto patched = co_await PatchStart(*rollout.patch_id, request, rollout.enforced);
        if (!patched) {
            co_return patched.error();
        }
        choose = std::move(*patched);
    } else if (rollout.constraints) {
        choose = CompiledStart(*rollout.constraints);
    }
    auto created = co_await deployments_.CreateFleet(creator, request, *ids, choose);
    if (!created) {
        co_return created.error();
    }
    report.members_started += static_cast<int>(created->created.size());
    if (auto skipped = co_await rollouts_.Skip(rollout.id, created->refused); !skipped) {
        co_return skipped.error();
    }
    report.members_skipped += static_cast<int>(created->refused.size());
    co_return Expected<void>{};
}

// The request becomes a patch application's (kind patch, decided by the patch rows of
// docs/design.md §4.1 for its severity), and the chooser gives each member the patch applied to
// its current manifest, read with the members (fleet_targets.hpp).
asio::awaitable<Expected<DeploymentService::TargetChooser>> RolloutService::PatchStart(
    const std::string& patch_id, CreateDeploymentRequest& request, bool enforced) {
    std::string id = patch_id;
    auto patch = co_await patches_.Get(id);
    if (!patch) {
        co_return patch.error().WithContext("load the rollout's patch");
    }
    auto shared = std::make_shared<const domain::SecurityPatch>(std::move(*patch));
    request.kind = "patch";
    request.severity = shared->severity;
    request.patch = shared;
    request.enforced = enforced;
    co_return DeploymentService::TargetChooser(
        [this, shared](const std::vector<ports::FleetMember>& members)
            -> asio::awaitable<Expected<ports::FleetTargets>> {
            std::string patch_key = shared->id;
            std::string every_instance;
            auto links = co_await patches_.Deployments(patch_key, every_instance);
            if (!links) {
                co_return links.error();
            }
            // An earlier batch may have stored the same patched manifest: it is reused.
            co_return co_await WithStoredTwins(
                PatchTargets(*shared, members, *links, [] { return NewId("manifest"); }));
        });
}

DeploymentService::TargetChooser RolloutService::CompiledStart(domain::CompileTarget target) {
    return [this, target = std::move(target)](const std::vector<ports::FleetMember>& members)
               -> asio::awaitable<Expected<ports::FleetTargets>> {
        std::vector<const ports::FleetMember*> each;
        for (const auto& member : members) {
            each.push_back(&member);
        }
        auto compiled =
            co_await resolution_.CompileFleet(each, target, [] { return NewId("manifest"); });
        if (!compiled) {
            co_return compiled.error();
        }
        // A member compiled to what it was given before (a rollout run again) reuses that one.
        co_return co_await WithStoredTwins(CompiledTargets(members, std::move(*compiled)));
    };
}

asio::awaitable<Expected<ports::FleetTargets>> RolloutService::WithStoredTwins(
    Expected<ports::FleetTargets> targets) {
    if (!targets) {
        co_return targets;
    }
    auto same = co_await manifests_.FindSameContent(targets->new_manifests);
    if (!same) {
        co_return same.error();
    }
    ReuseStored(*targets, *same);
    co_return targets;
}

// The revert is set-based too (ADR 0037): changed members are grouped by the manifest their
// deployment replaced (usually one), and each group's rollbacks are made as one fleet change of
// kind rollback, which runs now under every channel (docs/design.md §4.1). A member with nothing
// to go back to, or whose rollback is refused, is listed with the reason.
asio::awaitable<Expected<void>> RolloutService::RevertStep(const ports::Rollout& rollout,
                                                           RolloutPassReport& report) {
    auto work = co_await rollouts_.Revert(rollout.id);
    if (!work) {
        co_return work.error();
    }
    if (work->to_revert.empty() && work->unfinished == 0) {
        auto done = co_await rollouts_.Apply(kSystem, rollout.id, RolloutEvent::kRevertCompleted,
                                             "every changed member is back");
        report.finished += done ? 1 : 0;
        co_return done ? Expected<void>{} : Expected<void>(done.error());
    }
    std::map<std::string, std::vector<std::string>> by_target;
    std::vector<std::pair<std::string, std::string>> failed;
    for (const auto& member : work->to_revert) {
        if (member.previous_manifest_id) {
            by_target[*member.previous_manifest_id].push_back(member.instance_id);
        } else {
            failed.emplace_back(member.instance_id, "no manifest before the rollout to go back to");
        }
    }
    for (const auto& [target, ids] : by_target) {
        CreateDeploymentRequest request;
        request.manifest_id = target;
        request.kind = "rollback";
        request.reason = "rollout " + rollout.id + " reverted: " + rollout.state_reason;
        request.rollout_id = rollout.id;
        auto created = co_await deployments_.CreateFleet(kSystem, request, ids);
        if (!created) {
            co_return created.error();  // retried on the next pass
        }
        report.reverts_started += static_cast<int>(created->created.size());
        failed.insert(failed.end(), created->refused.begin(), created->refused.end());
    }
    for (const auto& [instance_id, error] : failed) {
        if (auto noted = co_await rollouts_.RevertFailed(rollout.id, instance_id, error); !noted) {
            co_return noted.error();
        }
    }
    co_return Expected<void>{};
}

}  // namespace waka::coordinator::deploy
