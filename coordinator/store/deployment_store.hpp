#pragma once

#include <boost/asio/awaitable.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/store/types.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/error.hpp"

namespace waka::coordinator::db {
class Database;
}

// Deployments, their events, and the agent-facing side of instances (enrollment, credentials,
// connection state, inventory). Every method is one transaction on the DB pool; mutations append
// their audit entry in the same transaction. Safe to call from any executor.
namespace waka::coordinator::store {

// Everything needed to validate and plan a deployment, read in one snapshot.
struct DeploymentInputs {
    std::optional<Instance> instance;
    std::optional<Manifest> manifest;
    // Releases named by the manifest, keyed "<type>:<name>" (absent when not registered).
    std::map<std::string, Release> releases;
};

struct DeploymentListFilter {
    std::optional<std::string> instance_id;
    std::optional<std::string> status;
    std::size_t limit = 100;
    std::optional<std::string> cursor;  // id of the last row of the previous page
};

// A deployment handed to the agent, with what the instruction needs besides the plan.
struct Dispatch {
    Deployment deployment;
    std::string configuration_json;
};

enum class AgentAuth { kRefused, kCredential, kEnrolled };

class DeploymentStore {
public:
    DeploymentStore(db::Database& database, const Clock& clock);

    boost::asio::awaitable<Expected<DeploymentInputs>> LoadInputs(const std::string& instance_id,
                                                                  const std::string& manifest_id);
    // Stores a new deployment with its first events.
    boost::asio::awaitable<Expected<Deployment>> Insert(const Deployment& deployment,
                                                        const AuditDraft& audit);
    boost::asio::awaitable<Expected<std::optional<Deployment>>> Find(const std::string& id);
    // Newest first; without events.
    boost::asio::awaitable<Expected<std::vector<Deployment>>> List(const DeploymentListFilter& filter);

    // The deployment on the agent now (status deploying), if any.
    boost::asio::awaitable<Expected<std::optional<Dispatch>>> InFlight(const std::string& instance_id);
    // Moves the oldest queued deployment of the instance to deploying, unless one already is.
    boost::asio::awaitable<Expected<std::optional<Dispatch>>> ClaimNext(const std::string& instance_id);
    boost::asio::awaitable<Expected<void>> AddEvent(const std::string& deployment_id,
                                                    const std::string& instance_id,
                                                    const std::string& step,
                                                    const std::string& message);
    // Records the agent's result on a deploying deployment of that instance: final status, error,
    // inventory, and on "deployed" the instance's new current manifest. Answers nullopt when the
    // deployment is unknown or no longer deploying (a re-delivered result).
    boost::asio::awaitable<Expected<std::optional<Deployment>>> Complete(
        const std::string& deployment_id, const std::string& instance_id, const std::string& status,
        const std::string& error, const std::vector<InstalledComponent>& inventory);

    // Agent side of instances. Hashes are SHA-256 hex of the secrets; secrets never reach here.
    boost::asio::awaitable<Expected<AgentAuth>> AuthenticateAgent(const std::string& instance_id,
                                                                  const std::string& secret_hash,
                                                                  const std::string& new_credential_hash);
    boost::asio::awaitable<Expected<bool>> CheckCredential(const std::string& instance_id,
                                                           const std::string& credential_hash);
    boost::asio::awaitable<Expected<void>> RecordConnected(const std::string& instance_id,
                                                           const std::string& session_id,
                                                           const std::string& agent_version,
                                                           const std::vector<InstalledComponent>& inventory);
    boost::asio::awaitable<Expected<void>> RecordDisconnected(const std::string& instance_id,
                                                              const std::string& session_id);
    boost::asio::awaitable<Expected<void>> RecordSeen(const std::string& instance_id);
    boost::asio::awaitable<Expected<void>> RecordInventory(const std::string& instance_id,
                                                           const std::vector<InstalledComponent>& inventory);
    boost::asio::awaitable<Expected<bool>> ArtifactExists(const std::string& sha256);
    // An audit entry with no other change (dry runs, refusals).
    boost::asio::awaitable<Expected<void>> RecordAudit(const AuditDraft& audit);

private:
    db::Database& database_;
    const Clock& clock_;
};

}  // namespace waka::coordinator::store
