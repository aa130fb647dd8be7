#include "tests/support/fakes/fake_repositories.hpp"

#include <algorithm>
#include <stdexcept>

namespace waka::coordinator::fakes {
namespace {

namespace asio = boost::asio;

std::optional<domain::Dispatch> DispatchOf(const domain::Deployment& d) {
    return domain::Dispatch{d, "{}"};
}

}  // namespace

void FakeDeploymentRepository::Put(domain::Deployment deployment) {
    order_.push_back(deployment.id);
    deployments_[deployment.id] = std::move(deployment);
}

const domain::Deployment& FakeDeploymentRepository::At(const std::string& id) const {
    auto found = deployments_.find(id);
    if (found == deployments_.end()) {
        throw std::out_of_range("no fake deployment " + id);
    }
    return found->second;
}

asio::awaitable<Expected<domain::Deployment>> FakeDeploymentRepository::Insert(
    const domain::Deployment& deployment, const domain::AuditDraft& audit) {
    if (deployments_.contains(deployment.id)) {
        co_return MakeError(Errc::kConflict, "deployment " + deployment.id + " exists");
    }
    Put(deployment);
    audits.push_back(audit);
    co_return deployment;
}

asio::awaitable<Expected<std::optional<domain::Deployment>>> FakeDeploymentRepository::Find(
    const std::string& id) {
    auto found = deployments_.find(id);
    if (found == deployments_.end()) {
        co_return std::optional<domain::Deployment>();
    }
    co_return std::optional<domain::Deployment>(found->second);
}

asio::awaitable<Expected<std::optional<domain::Dispatch>>> FakeDeploymentRepository::InFlight(
    const std::string& instance_id) {
    for (const auto& id : order_) {
        const auto& d = deployments_.at(id);
        if (d.instance_id == instance_id && d.status == domain::DeploymentStatus::kDeploying) {
            co_return DispatchOf(d);
        }
    }
    co_return std::optional<domain::Dispatch>();
}

asio::awaitable<Expected<bool>> FakeDeploymentRepository::PlansArtifact(
    const std::string& instance_id, const std::string& sha256) {
    for (const auto& [id, d] : deployments_) {
        const bool planned = std::any_of(d.plan.begin(), d.plan.end(), [&](const auto& change) {
            return change.artifact_sha256 == sha256;
        });
        if (d.instance_id == instance_id && d.status == domain::DeploymentStatus::kDeploying &&
            planned) {
            co_return true;
        }
    }
    co_return false;
}

asio::awaitable<Expected<std::optional<domain::Dispatch>>> FakeDeploymentRepository::ClaimNext(
    const std::string& instance_id) {
    domain::Deployment* next = nullptr;
    for (const auto& id : order_) {
        auto& d = deployments_.at(id);
        if (d.instance_id != instance_id) {
            continue;
        }
        if (d.status == domain::DeploymentStatus::kDeploying) {
            co_return std::optional<domain::Dispatch>();  // one in flight per instance
        }
        if (next == nullptr && domain::NextStatus(d.status, domain::StatusEvent::kDispatched)) {
            next = &d;
        }
    }
    if (next == nullptr) {
        co_return std::optional<domain::Dispatch>();
    }
    next->status = *domain::NextStatus(next->status, domain::StatusEvent::kDispatched);
    next->events.push_back({{}, next->status, "", "instruction sent to the agent"});
    co_return DispatchOf(*next);
}

asio::awaitable<Expected<void>> FakeDeploymentRepository::AddEvent(const std::string& deployment_id,
                                                                   const std::string& instance_id,
                                                                   const std::string& step,
                                                                   const std::string& message) {
    auto found = deployments_.find(deployment_id);
    if (found == deployments_.end() || found->second.instance_id != instance_id) {
        co_return MakeError(Errc::kNotFound,
                            "no deployment " + deployment_id + " for " + instance_id);
    }
    found->second.events.push_back({{}, found->second.status, step, message});
    co_return Expected<void>{};
}

asio::awaitable<Expected<std::optional<domain::Deployment>>> FakeDeploymentRepository::Complete(
    const std::string& deployment_id, const std::string& instance_id, domain::StatusEvent outcome,
    const std::string& error, const std::vector<domain::InstalledComponent>& inventory) {
    auto found = deployments_.find(deployment_id);
    if (found == deployments_.end() || found->second.instance_id != instance_id) {
        co_return std::optional<domain::Deployment>();
    }
    auto& d = found->second;
    auto to = domain::NextStatus(d.status, outcome);
    if (!to || d.status != domain::DeploymentStatus::kDeploying) {
        co_return std::optional<domain::Deployment>();  // re-delivered: changes nothing
    }
    d.status = *to;
    if (!error.empty()) {
        d.error_message = error;
    }
    d.events.push_back({{}, d.status, "", std::string(domain::ToString(d.status))});
    inventories[instance_id] = inventory;
    if (d.status == domain::DeploymentStatus::kDeployed) {
        current_manifests[instance_id] = d.manifest_id;
    }
    co_return std::optional<domain::Deployment>(d);
}

asio::awaitable<Expected<ports::AgentAuth>> FakeInstanceRepository::AuthenticateAgent(
    const ports::AgentLogin& login) {
    const auto& [instance_id, secret_hash, new_credential_hash, presented, issued, needs] = login;
    auto found = agents.find(instance_id);
    if (found == agents.end()) {
        co_return ports::AgentAuth::kRefused;
    }
    auto& agent = found->second;
    auto auth = ports::AgentAuth::kRefused;
    if (!agent.credential_hash.empty() && agent.credential_hash == secret_hash) {
        auth = needs ? ports::AgentAuth::kCertificateRequired : ports::AgentAuth::kCredential;
    } else if (!agent.enrollment_hash.empty() && agent.enrollment_hash == secret_hash) {
        auth = ports::AgentAuth::kEnrolled;
    }
    if (auth == ports::AgentAuth::kRefused || auth == ports::AgentAuth::kCertificateRequired) {
        co_return auth;
    }
    const auto held = presented ? certificates.find(*presented) : certificates.end();
    if (presented && (held == certificates.end() || held->second != instance_id)) {
        co_return ports::AgentAuth::kCertificateRevoked;
    }
    // Accepted, as in one transaction: the token is spent and the certificate recorded.
    if (auth == ports::AgentAuth::kEnrolled) {
        agent = {new_credential_hash, ""};
    }
    if (issued) {
        certificates[issued->serial] = instance_id;
    }
    co_return auth;
}

asio::awaitable<Expected<bool>> FakeInstanceRepository::CheckCredential(
    const std::string& instance_id, const std::string& credential_hash) {
    auto found = agents.find(instance_id);
    co_return found != agents.end() && !found->second.credential_hash.empty() &&
        found->second.credential_hash == credential_hash;
}

asio::awaitable<Expected<void>> FakeInstanceRepository::RecordConnected(
    const std::string& instance_id, const std::string& session_id, const std::string&,
    const std::vector<domain::InstalledComponent>&) {
    calls.push_back("connected " + instance_id + " " + session_id);
    co_return Expected<void>{};
}

asio::awaitable<Expected<void>> FakeInstanceRepository::RecordDisconnected(
    const std::string& instance_id, const std::string& session_id) {
    calls.push_back("disconnected " + instance_id + " " + session_id);
    co_return Expected<void>{};
}

asio::awaitable<Expected<void>> FakeInstanceRepository::RecordSeen(
    const std::vector<std::string>& instance_ids) {
    std::string call = "seen";
    for (const auto& id : instance_ids) {
        call += " " + id;
    }
    calls.push_back(std::move(call));
    co_return Expected<void>{};
}

asio::awaitable<Expected<void>> FakeInstanceRepository::RecordInventory(
    const std::string& instance_id, const std::vector<domain::InstalledComponent>&) {
    calls.push_back("inventory " + instance_id);
    co_return Expected<void>{};
}

asio::awaitable<Expected<void>> FakeQuarantineRepository::Add(
    std::string instance_id, std::vector<domain::InstalledComponent> versions,
    std::string deployment_id, std::string reason) {
    added.push_back(
        {std::move(instance_id), std::move(versions), std::move(deployment_id), std::move(reason)});
    co_return Expected<void>{};
}

asio::awaitable<Expected<std::vector<domain::SecurityPatch>>> EmptyPatchRepository::List(
    ports::PatchFilter) {
    co_return std::vector<domain::SecurityPatch>{};
}

asio::awaitable<Expected<std::vector<domain::PatchDeployment>>> EmptyPatchRepository::Deployments(
    std::string, std::string) {
    co_return std::vector<domain::PatchDeployment>{};
}

asio::awaitable<Expected<std::vector<domain::InstanceManifest>>>
EmptyPatchRepository::CurrentManifests(std::string) {
    co_return std::vector<domain::InstanceManifest>{};
}

asio::awaitable<Expected<bool>> FakeCatalogRepository::ArtifactExists(const std::string& sha256) {
    co_return artifacts.contains(sha256);
}

asio::awaitable<Expected<void>> FakeAuditLog::Record(const domain::AuditDraft& audit) {
    entries.push_back(audit);
    co_return Expected<void>{};
}

}  // namespace waka::coordinator::fakes
