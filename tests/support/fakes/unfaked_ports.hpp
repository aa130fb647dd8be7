#pragma once

// Every repository port with each method refusing with kInternal "not faked: <Port>::<Method>": a
// fake derives from one and overrides only what its test uses, so a test that reaches further fails
// loudly instead of passing on a default. Made from coordinator/ports; keep in step with it.
#include "coordinator/ports/repositories.hpp"

namespace waka::coordinator::fakes {

class UnfakedApprovalRepository : public ports::ApprovalRepository {
public:
    boost::asio::awaitable<Expected<ports::ApprovalResult>> Approve(
        const ports::ApprovalAction&, std::int64_t, const ports::AfterApproval&) override {
        co_return MakeError(Errc::kInternal, "not faked: ApprovalRepository::Approve");
    }
    boost::asio::awaitable<Expected<ports::ApprovalResult>> Reject(
        const ports::ApprovalAction&) override {
        co_return MakeError(Errc::kInternal, "not faked: ApprovalRepository::Reject");
    }
    boost::asio::awaitable<Expected<ports::ApprovalResult>> Cancel(
        const ports::ApprovalAction&) override {
        co_return MakeError(Errc::kInternal, "not faked: ApprovalRepository::Cancel");
    }
    boost::asio::awaitable<Expected<ports::ApprovedMany>> ApproveMany(
        const domain::Principal&, const std::string&,
        const std::vector<ports::ApprovalItem>&) override {
        co_return MakeError(Errc::kInternal, "not faked: ApprovalRepository::ApproveMany");
    }
};

class UnfakedAuditLog : public ports::AuditLog {
public:
    boost::asio::awaitable<Expected<void>> Record(const domain::AuditDraft&) override {
        co_return MakeError(Errc::kInternal, "not faked: AuditLog::Record");
    }
    boost::asio::awaitable<Expected<std::vector<domain::AuditEntry>>> List(
        ports::AuditFilter) override {
        co_return MakeError(Errc::kInternal, "not faked: AuditLog::List");
    }
    boost::asio::awaitable<Expected<ports::AuditVerification>> Verify() override {
        co_return MakeError(Errc::kInternal, "not faked: AuditLog::Verify");
    }
    boost::asio::awaitable<Expected<ports::AuditExportPage>> Export(std::int64_t,
                                                                    std::size_t) override {
        co_return MakeError(Errc::kInternal, "not faked: AuditLog::Export");
    }
};

class UnfakedCatalogRepository : public ports::CatalogRepository {
public:
    boost::asio::awaitable<Expected<domain::Release>> Create(const domain::Principal&,
                                                             ports::NewRelease) override {
        co_return MakeError(Errc::kInternal, "not faked: CatalogRepository::Create");
    }
    boost::asio::awaitable<Expected<domain::Release>> Get(ports::ReleaseKey) override {
        co_return MakeError(Errc::kInternal, "not faked: CatalogRepository::Get");
    }
    boost::asio::awaitable<Expected<std::vector<domain::Release>>> List(
        ports::ReleaseFilter) override {
        co_return MakeError(Errc::kInternal, "not faked: CatalogRepository::List");
    }
    boost::asio::awaitable<Expected<std::string>> CatalogGeneration() override {
        co_return MakeError(Errc::kInternal, "not faked: CatalogRepository::CatalogGeneration");
    }
    boost::asio::awaitable<Expected<std::vector<domain::Release>>> Find(
        std::vector<ports::ReleaseKey>) override {
        co_return MakeError(Errc::kInternal, "not faked: CatalogRepository::Find");
    }
    boost::asio::awaitable<Expected<ports::AttachedArtifact>> AttachArtifact(
        const domain::Principal&, ports::ReleaseKey, std::string, std::uint64_t,
        std::optional<ports::VerifiedStatement>, std::function<Expected<void>()>) override {
        co_return MakeError(Errc::kInternal, "not faked: CatalogRepository::AttachArtifact");
    }
    boost::asio::awaitable<Expected<domain::Artifact>> GetArtifact(std::string) override {
        co_return MakeError(Errc::kInternal, "not faked: CatalogRepository::GetArtifact");
    }
    boost::asio::awaitable<Expected<bool>> ArtifactExists(const std::string&) override {
        co_return MakeError(Errc::kInternal, "not faked: CatalogRepository::ArtifactExists");
    }
};

class UnfakedDeploymentRepository : public ports::DeploymentRepository {
public:
    boost::asio::awaitable<Expected<domain::DeploymentInputs>> LoadInputs(
        const std::string&, const std::string&) override {
        co_return MakeError(Errc::kInternal, "not faked: DeploymentRepository::LoadInputs");
    }
    boost::asio::awaitable<Expected<domain::Deployment>> Insert(
        const domain::Deployment&, const domain::AuditDraft&) override {
        co_return MakeError(Errc::kInternal, "not faked: DeploymentRepository::Insert");
    }
    boost::asio::awaitable<Expected<std::optional<domain::Deployment>>> Find(
        const std::string&) override {
        co_return MakeError(Errc::kInternal, "not faked: DeploymentRepository::Find");
    }
    boost::asio::awaitable<Expected<std::vector<domain::Deployment>>> List(
        const ports::DeploymentListFilter&) override {
        co_return MakeError(Errc::kInternal, "not faked: DeploymentRepository::List");
    }
    boost::asio::awaitable<Expected<std::optional<domain::Dispatch>>> InFlight(
        const std::string&) override {
        co_return MakeError(Errc::kInternal, "not faked: DeploymentRepository::InFlight");
    }
    boost::asio::awaitable<Expected<bool>> PlansArtifact(const std::string&,
                                                         const std::string&) override {
        co_return MakeError(Errc::kInternal, "not faked: DeploymentRepository::PlansArtifact");
    }
    boost::asio::awaitable<Expected<std::optional<domain::Dispatch>>> ClaimNext(
        const std::string&) override {
        co_return MakeError(Errc::kInternal, "not faked: DeploymentRepository::ClaimNext");
    }
    boost::asio::awaitable<Expected<void>> AddEvent(const std::string&, const std::string&,
                                                    const std::string&,
                                                    const std::string&) override {
        co_return MakeError(Errc::kInternal, "not faked: DeploymentRepository::AddEvent");
    }
    boost::asio::awaitable<Expected<std::optional<domain::Deployment>>> Complete(
        const std::string&, const std::string&, domain::StatusEvent, const std::string&,
        const std::vector<domain::InstalledComponent>&) override {
        co_return MakeError(Errc::kInternal, "not faked: DeploymentRepository::Complete");
    }
    boost::asio::awaitable<Expected<domain::InstanceHistory>> History(std::string,
                                                                      std::string) override {
        co_return MakeError(Errc::kInternal, "not faked: DeploymentRepository::History");
    }
    boost::asio::awaitable<Expected<std::vector<domain::Deployment>>> ListRollbacks(
        ports::RollbackListFilter) override {
        co_return MakeError(Errc::kInternal, "not faked: DeploymentRepository::ListRollbacks");
    }
    boost::asio::awaitable<Expected<ports::StatusCounts>> CountByStatus() override {
        co_return MakeError(Errc::kInternal, "not faked: DeploymentRepository::CountByStatus");
    }
    boost::asio::awaitable<Expected<std::vector<ports::FleetMember>>> LoadFleetMembers(
        const std::vector<std::string>&) override {
        co_return MakeError(Errc::kInternal, "not faked: DeploymentRepository::LoadFleetMembers");
    }
    boost::asio::awaitable<Expected<ports::FleetInputs>> LoadFleetTargets(
        const std::vector<std::string>&, const std::vector<domain::Manifest>&) override {
        co_return MakeError(Errc::kInternal, "not faked: DeploymentRepository::LoadFleetTargets");
    }
    boost::asio::awaitable<Expected<void>> InsertBatch(const ports::FleetWrite&) override {
        co_return MakeError(Errc::kInternal, "not faked: DeploymentRepository::InsertBatch");
    }
    boost::asio::awaitable<Expected<std::vector<domain::Dispatch>>> ClaimBatch(
        const std::vector<std::string>&) override {
        co_return MakeError(Errc::kInternal, "not faked: DeploymentRepository::ClaimBatch");
    }
};

class UnfakedInstanceRepository : public ports::InstanceRepository {
public:
    boost::asio::awaitable<Expected<domain::Instance>> Create(const domain::Principal&,
                                                              ports::NewInstance) override {
        co_return MakeError(Errc::kInternal, "not faked: InstanceRepository::Create");
    }
    boost::asio::awaitable<Expected<domain::Instance>> Get(std::string) override {
        co_return MakeError(Errc::kInternal, "not faked: InstanceRepository::Get");
    }
    boost::asio::awaitable<Expected<std::vector<domain::Instance>>> List(
        ports::InstanceFilter) override {
        co_return MakeError(Errc::kInternal, "not faked: InstanceRepository::List");
    }
    boost::asio::awaitable<Expected<domain::Instance>> Decommission(const domain::Principal&,
                                                                    std::string) override {
        co_return MakeError(Errc::kInternal, "not faked: InstanceRepository::Decommission");
    }
    boost::asio::awaitable<Expected<domain::Instance>> ReplaceLabels(
        const domain::Principal&, std::string, std::map<std::string, std::string>) override {
        co_return MakeError(Errc::kInternal, "not faked: InstanceRepository::ReplaceLabels");
    }
    boost::asio::awaitable<Expected<ports::AgentAuth>> AuthenticateAgent(
        const ports::AgentLogin&) override {
        co_return MakeError(Errc::kInternal, "not faked: InstanceRepository::AuthenticateAgent");
    }
    boost::asio::awaitable<Expected<void>> RecordCertificate(const std::string&,
                                                             const ports::AgentCertificateRecord&,
                                                             TimePoint) override {
        co_return MakeError(Errc::kInternal, "not faked: InstanceRepository::RecordCertificate");
    }
    boost::asio::awaitable<Expected<bool>> CheckCredential(const std::string&,
                                                           const std::string&) override {
        co_return MakeError(Errc::kInternal, "not faked: InstanceRepository::CheckCredential");
    }
    boost::asio::awaitable<Expected<void>> RecordConnected(
        const std::string&, const std::string&, const std::string&,
        const std::vector<domain::InstalledComponent>&) override {
        co_return MakeError(Errc::kInternal, "not faked: InstanceRepository::RecordConnected");
    }
    boost::asio::awaitable<Expected<void>> RecordDisconnected(const std::string&,
                                                              const std::string&) override {
        co_return MakeError(Errc::kInternal, "not faked: InstanceRepository::RecordDisconnected");
    }
    boost::asio::awaitable<Expected<void>> RecordSeen(const std::vector<std::string>&) override {
        co_return MakeError(Errc::kInternal, "not faked: InstanceRepository::RecordSeen");
    }
    boost::asio::awaitable<Expected<void>> RecordInventory(
        const std::string&, const std::vector<domain::InstalledComponent>&) override {
        co_return MakeError(Errc::kInternal, "not faked: InstanceRepository::RecordInventory");
    }
};

class UnfakedManifestRepository : public ports::ManifestRepository {
public:
    boost::asio::awaitable<Expected<ports::CreatedManifest>> Create(const domain::Principal&,
                                                                    domain::Manifest) override {
        co_return MakeError(Errc::kInternal, "not faked: ManifestRepository::Create");
    }
    boost::asio::awaitable<Expected<domain::Manifest>> Get(std::string) override {
        co_return MakeError(Errc::kInternal, "not faked: ManifestRepository::Get");
    }
    boost::asio::awaitable<Expected<std::vector<domain::Manifest>>> List(
        ports::ManifestFilter) override {
        co_return MakeError(Errc::kInternal, "not faked: ManifestRepository::List");
    }
    boost::asio::awaitable<Expected<std::map<std::string, std::string>>> FindSameContent(
        const std::vector<domain::Manifest>&) override {
        co_return MakeError(Errc::kInternal, "not faked: ManifestRepository::FindSameContent");
    }
};

class UnfakedPatchRepository : public ports::PatchRepository {
public:
    boost::asio::awaitable<Expected<domain::SecurityPatch>> Create(const domain::Principal&,
                                                                   domain::SecurityPatch) override {
        co_return MakeError(Errc::kInternal, "not faked: PatchRepository::Create");
    }
    boost::asio::awaitable<Expected<domain::SecurityPatch>> Get(std::string) override {
        co_return MakeError(Errc::kInternal, "not faked: PatchRepository::Get");
    }
    boost::asio::awaitable<Expected<std::vector<domain::SecurityPatch>>> List(
        ports::PatchFilter) override {
        co_return MakeError(Errc::kInternal, "not faked: PatchRepository::List");
    }
    boost::asio::awaitable<Expected<std::vector<domain::PatchDeployment>>> Deployments(
        std::string, std::string) override {
        co_return MakeError(Errc::kInternal, "not faked: PatchRepository::Deployments");
    }
    boost::asio::awaitable<Expected<std::vector<domain::InstanceManifest>>> CurrentManifests(
        std::string) override {
        co_return MakeError(Errc::kInternal, "not faked: PatchRepository::CurrentManifests");
    }
    boost::asio::awaitable<Expected<std::map<std::pair<std::string, std::string>, std::string>>>
    Refusals(std::string) override {
        co_return MakeError(Errc::kInternal, "not faked: PatchRepository::Refusals");
    }
    boost::asio::awaitable<Expected<void>> Link(std::string, std::string, std::string,
                                                bool) override {
        co_return MakeError(Errc::kInternal, "not faked: PatchRepository::Link");
    }
};

class UnfakedPinRepository : public ports::PinRepository {
public:
    boost::asio::awaitable<Expected<domain::PinRecord>> Create(const domain::Principal&,
                                                               domain::PinRecord) override {
        co_return MakeError(Errc::kInternal, "not faked: PinRepository::Create");
    }
    boost::asio::awaitable<Expected<domain::PinRecord>> Get(std::string) override {
        co_return MakeError(Errc::kInternal, "not faked: PinRepository::Get");
    }
    boost::asio::awaitable<Expected<std::vector<domain::PinRecord>>> List(std::string,
                                                                          bool) override {
        co_return MakeError(Errc::kInternal, "not faked: PinRepository::List");
    }
    boost::asio::awaitable<Expected<domain::PinRecord>> Remove(const domain::Principal&,
                                                               std::string) override {
        co_return MakeError(Errc::kInternal, "not faked: PinRepository::Remove");
    }
    boost::asio::awaitable<Expected<void>> RecordRefusal(const domain::Principal&,
                                                         domain::PinRecord, std::string) override {
        co_return MakeError(Errc::kInternal, "not faked: PinRepository::RecordRefusal");
    }
};

class UnfakedPolicyRepository : public ports::PolicyRepository {
public:
    boost::asio::awaitable<Expected<domain::PolicyRecord>> Create(const domain::Principal&,
                                                                  domain::PolicyRecord) override {
        co_return MakeError(Errc::kInternal, "not faked: PolicyRepository::Create");
    }
    boost::asio::awaitable<Expected<domain::PolicyRecord>> Get(std::string) override {
        co_return MakeError(Errc::kInternal, "not faked: PolicyRepository::Get");
    }
    boost::asio::awaitable<Expected<std::vector<domain::PolicyRecord>>> List(std::string) override {
        co_return MakeError(Errc::kInternal, "not faked: PolicyRepository::List");
    }
    boost::asio::awaitable<Expected<std::optional<domain::PolicyRecord>>> Active(
        std::string) override {
        co_return MakeError(Errc::kInternal, "not faked: PolicyRepository::Active");
    }
    boost::asio::awaitable<Expected<domain::PolicyRecord>> Update(const domain::Principal&,
                                                                  domain::PolicyRecord) override {
        co_return MakeError(Errc::kInternal, "not faked: PolicyRepository::Update");
    }
    boost::asio::awaitable<Expected<domain::PolicyRecord>> Delete(const domain::Principal&,
                                                                  std::string) override {
        co_return MakeError(Errc::kInternal, "not faked: PolicyRepository::Delete");
    }
};

class UnfakedQuarantineRepository : public ports::QuarantineRepository {
public:
    boost::asio::awaitable<Expected<void>> Add(std::string, std::vector<domain::InstalledComponent>,
                                               std::string, std::string) override {
        co_return MakeError(Errc::kInternal, "not faked: QuarantineRepository::Add");
    }
    boost::asio::awaitable<Expected<std::vector<domain::Quarantine>>> List(std::string,
                                                                           bool) override {
        co_return MakeError(Errc::kInternal, "not faked: QuarantineRepository::List");
    }
    boost::asio::awaitable<Expected<std::map<std::string, std::vector<std::string>>>> Active(
        std::string) override {
        co_return MakeError(Errc::kInternal, "not faked: QuarantineRepository::Active");
    }
    boost::asio::awaitable<Expected<domain::Quarantine>> Clear(const domain::Principal&,
                                                               std::string, std::string,
                                                               std::string) override {
        co_return MakeError(Errc::kInternal, "not faked: QuarantineRepository::Clear");
    }
};

class UnfakedScheduleRepository : public ports::ScheduleRepository {
public:
    boost::asio::awaitable<Expected<std::vector<ports::WaitingDeployment>>> Waiting(
        std::size_t) override {
        co_return MakeError(Errc::kInternal, "not faked: ScheduleRepository::Waiting");
    }
    boost::asio::awaitable<Expected<bool>> Move(const std::string&, domain::DeploymentStatus,
                                                domain::StatusEvent, const std::string&) override {
        co_return MakeError(Errc::kInternal, "not faked: ScheduleRepository::Move");
    }
    boost::asio::awaitable<Expected<std::vector<std::string>>> ExpireApprovals() override {
        co_return MakeError(Errc::kInternal, "not faked: ScheduleRepository::ExpireApprovals");
    }
    boost::asio::awaitable<Expected<long long>> CatalogVersion() override {
        co_return MakeError(Errc::kInternal, "not faked: ScheduleRepository::CatalogVersion");
    }
    boost::asio::awaitable<Expected<std::vector<ports::UpdatableInstance>>> UpdatableInstances()
        override {
        co_return MakeError(Errc::kInternal, "not faked: ScheduleRepository::UpdatableInstances");
    }
    boost::asio::awaitable<Expected<std::vector<std::string>>> InstancesWithQueuedWork() override {
        co_return MakeError(Errc::kInternal,
                            "not faked: ScheduleRepository::InstancesWithQueuedWork");
    }
};

class UnfakedTokenRepository : public ports::TokenRepository {
public:
    boost::asio::awaitable<Expected<domain::ApiToken>> EnsureBootstrapToken(std::string,
                                                                            std::string,
                                                                            domain::Role) override {
        co_return MakeError(Errc::kInternal, "not faked: TokenRepository::EnsureBootstrapToken");
    }
    using ports::TokenRepository::Create;
    boost::asio::awaitable<Expected<ports::CreatedToken>> Create(
        const domain::Principal&, std::string, domain::Role, std::optional<TimePoint>) override {
        co_return MakeError(Errc::kInternal, "not faked: TokenRepository::Create");
    }
    boost::asio::awaitable<Expected<std::optional<domain::Principal>>> Authenticate(
        std::string) override {
        co_return MakeError(Errc::kInternal, "not faked: TokenRepository::Authenticate");
    }
    boost::asio::awaitable<Expected<ports::RotatedToken>> Rotate(const domain::Principal&,
                                                                 std::string,
                                                                 std::optional<TimePoint>,
                                                                 std::chrono::seconds) override {
        co_return MakeError(Errc::kInternal, "not faked: TokenRepository::Rotate");
    }
    boost::asio::awaitable<Expected<std::vector<domain::ApiToken>>> List() override {
        co_return MakeError(Errc::kInternal, "not faked: TokenRepository::List");
    }
    boost::asio::awaitable<Expected<domain::ApiToken>> Revoke(const domain::Principal&,
                                                              std::string) override {
        co_return MakeError(Errc::kInternal, "not faked: TokenRepository::Revoke");
    }
};

class UnfakedDatabaseHealth : public ports::DatabaseHealth {
public:
    boost::asio::awaitable<Expected<void>> Ping() override {
        co_return MakeError(Errc::kInternal, "not faked: DatabaseHealth::Ping");
    }
    std::size_t PoolSize() const override { return 0; }
    std::size_t InUse() const override { return 0; }
};

class UnfakedRolloutRepository : public ports::RolloutRepository {
public:
    boost::asio::awaitable<Expected<std::set<std::string>>> PatchesRollingOut() override {
        co_return MakeError(Errc::kInternal, "not faked: RolloutRepository::PatchesRollingOut");
    }
    boost::asio::awaitable<Expected<ports::Rollout>> Create(const domain::Principal&,
                                                            const ports::NewRollout&) override {
        co_return MakeError(Errc::kInternal, "not faked: RolloutRepository::Create");
    }
    boost::asio::awaitable<Expected<ports::Rollout>> Get(const std::string&, std::size_t) override {
        co_return MakeError(Errc::kInternal, "not faked: RolloutRepository::Get");
    }
    boost::asio::awaitable<Expected<std::vector<ports::Rollout>>> List(
        const ports::RolloutListFilter&) override {
        co_return MakeError(Errc::kInternal, "not faked: RolloutRepository::List");
    }
    // No rollout: a scheduler pass over fakes has nothing to move.
    boost::asio::awaitable<Expected<std::vector<std::string>>> Active() override {
        co_return std::vector<std::string>{};
    }
    boost::asio::awaitable<Expected<ports::Rollout>> Apply(const domain::Principal&,
                                                           const std::string&, domain::RolloutEvent,
                                                           const std::string&) override {
        co_return MakeError(Errc::kInternal, "not faked: RolloutRepository::Apply");
    }
    boost::asio::awaitable<Expected<bool>> FinishPhase(const std::string&, std::size_t) override {
        co_return MakeError(Errc::kInternal, "not faked: RolloutRepository::FinishPhase");
    }
    boost::asio::awaitable<Expected<bool>> NextPhase(const std::string&, std::size_t) override {
        co_return MakeError(Errc::kInternal, "not faked: RolloutRepository::NextPhase");
    }
    boost::asio::awaitable<Expected<std::vector<std::string>>> PendingMembers(
        const std::string&, std::size_t, std::size_t) override {
        co_return MakeError(Errc::kInternal, "not faked: RolloutRepository::PendingMembers");
    }
    boost::asio::awaitable<Expected<void>> Skip(
        const std::string&, const std::vector<std::pair<std::string, std::string>>&) override {
        co_return MakeError(Errc::kInternal, "not faked: RolloutRepository::Skip");
    }
    boost::asio::awaitable<Expected<ports::RevertWork>> Revert(const std::string&) override {
        co_return MakeError(Errc::kInternal, "not faked: RolloutRepository::Revert");
    }
    boost::asio::awaitable<Expected<void>> RevertFailed(const std::string&, const std::string&,
                                                        const std::string&) override {
        co_return MakeError(Errc::kInternal, "not faked: RolloutRepository::RevertFailed");
    }
    boost::asio::awaitable<Expected<Counts>> Count() override {
        co_return MakeError(Errc::kInternal, "not faked: RolloutRepository::Count");
    }
};

}  // namespace waka::coordinator::fakes
