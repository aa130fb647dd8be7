#pragma once

#include <boost/asio/awaitable.hpp>
#include <filesystem>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "coordinator/deploy/agent_identity.hpp"
#include "coordinator/deploy/dispatcher.hpp"
#include "coordinator/deploy/live_progress.hpp"
#include "coordinator/deploy/patch_service.hpp"
#include "coordinator/deploy/task_group.hpp"
#include "coordinator/ports/agent_events.hpp"
#include "coordinator/ports/repositories.hpp"
#include "shared/core/clock.hpp"

// What the agents' sessions mean for the fleet (docs/design.md §6): enrollment and credentials,
// connection state and inventory, and each deployment's acks, progress and result, after which the
// next queued deployment of that instance goes out. The gateway calls it (ports::AgentEvents).
namespace waka::coordinator::deploy {

class AgentSessions final : public ports::AgentEvents {
public:
    AgentSessions(ports::Repositories& repositories, Dispatcher& dispatcher,
                  ProgressBoard& progress, PatchService& patches, TaskGroup& background,
                  const Clock& clock, std::filesystem::path artifact_dir,
                  AgentIdentityOptions identity = {});

    boost::asio::awaitable<ports::HelloDecision> Authenticate(
        const ports::AgentHello& hello) override;
    // Records the connection, catches up on patches in the background, and re-sends the unfinished
    // instruction or dispatches the next one.
    boost::asio::awaitable<void> OnConnected(const ports::AgentHello& hello,
                                             const std::string& session_id) override;
    boost::asio::awaitable<void> OnDisconnected(const std::string& instance_id,
                                                const std::string& session_id) override;
    boost::asio::awaitable<void> OnHeartbeat(const std::string& instance_id) override;
    boost::asio::awaitable<void> OnInventory(
        const std::string& instance_id,
        const std::vector<domain::InstalledComponent>& inventory) override;
    boost::asio::awaitable<void> OnAck(const std::string& instance_id,
                                       const std::string& op_id) override;
    boost::asio::awaitable<void> OnProgress(const std::string& instance_id,
                                            const ports::AgentProgress& progress) override;
    // Records the outcome (a re-delivered result changes nothing), quarantines the versions it
    // took off the instance, and dispatches the instance's next queued deployment.
    boost::asio::awaitable<void> OnResult(const std::string& instance_id,
                                          const ports::AgentResult& result) override;
    // Called after a result finished a deployment (once per deployment), on the session's
    // executor; the app wakes the scheduler for rollout members. Set before the gateway starts.
    void OnDeploymentFinished(std::function<void(const domain::Deployment&)> hook) {
        deployment_finished_ = std::move(hook);
    }
    // Signs and records a renewal (AgentIdentity::Renew).
    boost::asio::awaitable<Expected<std::string>> RenewCertificate(
        const std::string& instance_id, const std::string& request_pem) override;
    boost::asio::awaitable<bool> CheckCredential(const std::string& instance_id,
                                                 const std::string& credential) override;
    // Asks the deployments (one query): a deploying deployment of the instance plans the artifact.
    boost::asio::awaitable<Expected<bool>> MayDownload(const std::string& instance_id,
                                                       const std::string& sha256) override;
    boost::asio::awaitable<Expected<std::filesystem::path>> ArtifactPath(
        const std::string& sha256) override;

private:
    boost::asio::awaitable<std::vector<ports::SignedFloor>> FloorsInForce();
    // Heartbeats are coalesced: the instances heard from are written in one statement at most
    // every kSeenFlushInterval (docs/design.md §7). Answers the batch that is due, if any.
    std::vector<std::string> NoteSeen(const std::string& instance_id);

    AgentIdentity identity_;
    ports::Repositories& repositories_;
    Dispatcher& dispatcher_;
    ProgressBoard& progress_;
    PatchService& patches_;
    TaskGroup& background_;
    const Clock& clock_;
    std::filesystem::path artifact_dir_;
    std::mutex mutex_;                 // guards the three below
    std::set<std::string> seen_;       // heard from since the last flush (at most the sessions)
    TimePoint seen_flushed_at_{};      // when the last batch was taken
    bool seen_flush_running_ = false;  // one flush at a time
    std::function<void(const domain::Deployment&)> deployment_finished_;
};

// The status event of an agent's outcome.
[[nodiscard]] domain::StatusEvent OutcomeEvent(ports::AgentOutcome outcome);

}  // namespace waka::coordinator::deploy
