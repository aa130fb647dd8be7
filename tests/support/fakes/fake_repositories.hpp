#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/fakes/unfaked_ports.hpp"

// In-memory fakes of the repositories the dispatch and agent-result paths use. Each keeps to the
// port's contract where a test can see it (the transition table guards every status change, a
// re-delivered result changes nothing); everything else is refused by its Unfaked base. Not
// thread-safe: tests drive them from one io_context.
namespace waka::coordinator::fakes {

class FakeDeploymentRepository final : public UnfakedDeploymentRepository {
public:
    // Adds a deployment as stored (status, plan and events as given).
    void Put(domain::Deployment deployment);
    [[nodiscard]] const domain::Deployment& At(const std::string& id) const;

    boost::asio::awaitable<Expected<domain::Deployment>> Insert(
        const domain::Deployment& deployment, const domain::AuditDraft& audit) override;
    boost::asio::awaitable<Expected<std::optional<domain::Deployment>>> Find(
        const std::string& id) override;
    boost::asio::awaitable<Expected<std::optional<domain::Dispatch>>> InFlight(
        const std::string& instance_id) override;
    boost::asio::awaitable<Expected<bool>> PlansArtifact(const std::string& instance_id,
                                                         const std::string& sha256) override;
    boost::asio::awaitable<Expected<std::optional<domain::Dispatch>>> ClaimNext(
        const std::string& instance_id) override;
    boost::asio::awaitable<Expected<void>> AddEvent(const std::string& deployment_id,
                                                    const std::string& instance_id,
                                                    const std::string& step,
                                                    const std::string& message) override;
    boost::asio::awaitable<Expected<std::optional<domain::Deployment>>> Complete(
        const std::string& deployment_id, const std::string& instance_id,
        domain::StatusEvent outcome, const std::string& error,
        const std::vector<domain::InstalledComponent>& inventory) override;

    std::vector<domain::AuditDraft> audits;  // stored with inserted deployments
    std::map<std::string, std::vector<domain::InstalledComponent>> inventories;  // by instance
    std::map<std::string, std::string> current_manifests;  // by instance, on success

private:
    std::vector<std::string> order_;  // ids in creation order (the queue order)
    std::map<std::string, domain::Deployment> deployments_;
};

class FakeInstanceRepository final : public UnfakedInstanceRepository {
public:
    struct Agent {
        std::string credential_hash;
        std::string enrollment_hash;
    };
    std::map<std::string, Agent> agents;  // instance id -> hashes
    std::vector<std::string> calls;       // "connected instance session", "seen instance", ...
    std::map<std::string, std::string> certificates;  // serial -> instance id (none revoked)

    boost::asio::awaitable<Expected<ports::AgentAuth>> AuthenticateAgent(
        const ports::AgentLogin& login) override;
    boost::asio::awaitable<Expected<bool>> CheckCredential(
        const std::string& instance_id, const std::string& credential_hash) override;
    boost::asio::awaitable<Expected<void>> RecordConnected(
        const std::string& instance_id, const std::string& session_id,
        const std::string& agent_version,
        const std::vector<domain::InstalledComponent>& inventory) override;
    boost::asio::awaitable<Expected<void>> RecordDisconnected(
        const std::string& instance_id, const std::string& session_id) override;
    boost::asio::awaitable<Expected<void>> RecordSeen(
        const std::vector<std::string>& instance_ids) override;
    boost::asio::awaitable<Expected<void>> RecordInventory(
        const std::string& instance_id,
        const std::vector<domain::InstalledComponent>& inventory) override;
};

class FakeQuarantineRepository final : public UnfakedQuarantineRepository {
public:
    struct Added {
        std::string instance_id;
        std::vector<domain::InstalledComponent> versions;
        std::string deployment_id;
        std::string reason;
    };
    std::vector<Added> added;

    boost::asio::awaitable<Expected<void>> Add(std::string instance_id,
                                               std::vector<domain::InstalledComponent> versions,
                                               std::string deployment_id,
                                               std::string reason) override;
};

// A patch catalog with nothing in it: catch-up on connect finds nothing to do.
class EmptyPatchRepository final : public UnfakedPatchRepository {
public:
    boost::asio::awaitable<Expected<std::vector<domain::SecurityPatch>>> List(
        ports::PatchFilter filter) override;
    boost::asio::awaitable<Expected<std::vector<domain::PatchDeployment>>> Deployments(
        std::string patch_id, std::string instance_id) override;
    boost::asio::awaitable<Expected<std::vector<domain::InstanceManifest>>> CurrentManifests(
        std::string instance_id) override;
};

class FakeCatalogRepository final : public UnfakedCatalogRepository {
public:
    std::set<std::string> artifacts;  // registered digests

    boost::asio::awaitable<Expected<bool>> ArtifactExists(const std::string& sha256) override;
};

class FakeAuditLog final : public UnfakedAuditLog {
public:
    std::vector<domain::AuditDraft> entries;

    boost::asio::awaitable<Expected<void>> Record(const domain::AuditDraft& audit) override;
};

// No floor is in force; raising one is not faked.
class NoFloors final : public ports::FloorRepository {
public:
    boost::asio::awaitable<Expected<domain::Floor>> Raise(const domain::Principal&,
                                                          domain::Floor) override {
        co_return MakeError(Errc::kInternal, "not faked: FloorRepository::Raise");
    }
    boost::asio::awaitable<Expected<std::vector<domain::Floor>>> List() override {
        co_return std::vector<domain::Floor>{};
    }
};

// One of each: the fakes above where a test needs behaviour, Unfaked ports elsewhere.
struct FakeRepositories {
    UnfakedTokenRepository tokens;
    FakeCatalogRepository catalog;
    UnfakedManifestRepository manifests;
    FakeInstanceRepository instances;
    FakeDeploymentRepository deployments;
    EmptyPatchRepository patches;
    UnfakedPinRepository pins;
    UnfakedPolicyRepository policies;
    FakeQuarantineRepository quarantines;
    UnfakedApprovalRepository approvals;
    UnfakedScheduleRepository schedule;
    FakeAuditLog audit;
    UnfakedDatabaseHealth health;
    NoFloors floors;
    UnfakedRolloutRepository rollouts;
    ports::Repositories ports{tokens,   catalog, manifests, instances,   deployments,
                              patches,  pins,    policies,  quarantines, approvals,
                              schedule, audit,   health,    floors,      rollouts};
};

}  // namespace waka::coordinator::fakes
