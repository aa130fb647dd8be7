#pragma once

#include "coordinator/pg/audit_key.hpp"
#include "coordinator/ports/rollout_repository.hpp"
#include "shared/core/clock.hpp"

namespace waka::coordinator::db {
class Database;
}

namespace waka::coordinator::pg {

// Every method is one transaction on the database pool (safe from any executor; resumes on the
// caller's); the contracts are those of the port. Reads and creation are in rollout_repository.cpp,
// the steps of a pass in rollout_steps.cpp.
class PgRolloutRepository final : public ports::RolloutRepository {
public:
    PgRolloutRepository(db::Database& database, const Clock& clock, const AuditKey& audit_key);

    boost::asio::awaitable<Expected<ports::Rollout>> Create(
        const domain::Principal& by, const ports::NewRollout& rollout) override;
    boost::asio::awaitable<Expected<ports::Rollout>> Get(const std::string& id,
                                                         std::size_t member_limit) override;
    boost::asio::awaitable<Expected<std::vector<ports::Rollout>>> List(
        const ports::RolloutListFilter& filter) override;
    boost::asio::awaitable<Expected<std::vector<std::string>>> Active() override;
    boost::asio::awaitable<Expected<ports::Rollout>> Apply(const domain::Principal& by,
                                                           const std::string& id,
                                                           domain::RolloutEvent event,
                                                           const std::string& reason) override;
    boost::asio::awaitable<Expected<bool>> FinishPhase(const std::string& id,
                                                       std::size_t phase) override;
    boost::asio::awaitable<Expected<bool>> NextPhase(const std::string& id,
                                                     std::size_t phase) override;
    boost::asio::awaitable<Expected<std::vector<std::string>>> PendingMembers(
        const std::string& id, std::size_t phase, std::size_t limit) override;
    boost::asio::awaitable<Expected<void>> Skip(
        const std::string& id,
        const std::vector<std::pair<std::string, std::string>>& skipped) override;
    boost::asio::awaitable<Expected<ports::RevertWork>> Revert(const std::string& id) override;
    boost::asio::awaitable<Expected<void>> RevertFailed(const std::string& id,
                                                        const std::string& instance_id,
                                                        const std::string& error) override;
    boost::asio::awaitable<Expected<Counts>> Count() override;
    boost::asio::awaitable<Expected<std::set<std::string>>> PatchesRollingOut() override;

private:
    db::Database& database_;
    const Clock& clock_;
    const AuditKey& audit_key_;
};

}  // namespace waka::coordinator::pg
