#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/store/types.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/error.hpp"

namespace waka::coordinator::db {
class Database;
}

// Reads behind rollbacks (DESIGN §3: every deployment records the manifest it came from and the one
// it replaced; that history is what rollback uses). Rollbacks themselves are deployments of kind
// "rollback", written by DeploymentStore. Every method is one read transaction on the DB pool.
namespace waka::coordinator::store {

// One manifest an instance ran: a deployment that finished "deployed".
struct ManifestRun {
    std::string deployment_id;
    std::string kind;  // deploy | patch | rollback
    std::string manifest_id;
    std::optional<std::string> previous_manifest_id;
    TimePoint completed_at;
};

// An instance's current manifest and what it ran before, read in one snapshot. Lists are bounded
// (kHistoryLimit) so that an old instance's history does not grow the coordinator's memory.
struct InstanceHistory {
    bool found = false;
    bool decommissioned = false;
    std::optional<std::string> current_manifest_id;
    std::vector<ManifestRun> runs;  // newest first
    // Every manifest it ran except the current one, each once (its latest run), newest run first.
    std::vector<ManifestRun> available;
    bool target_exists = false;  // the manifest asked about exists at all
    bool target_ran = false;     // ... and ran on this instance
    std::int64_t total_rollbacks = 0;
    std::int64_t successful_rollbacks = 0;  // deployed
    std::int64_t failed_rollbacks = 0;      // failed or rolled_back by the agent
};

inline constexpr std::size_t kHistoryLimit = 100;

struct RollbackListFilter {
    std::optional<std::string> instance_id;
    std::size_t limit = 100;
    std::optional<std::string> cursor;  // id of the last rollback of the previous page
};

class RollbackStore {
public:
    explicit RollbackStore(db::Database& database);

    // `target`: a manifest id whose existence is reported in target_exists (empty: none asked).
    boost::asio::awaitable<Expected<InstanceHistory>> History(std::string instance_id,
                                                              std::string target);
    // Deployments of kind rollback, newest first, without events.
    boost::asio::awaitable<Expected<std::vector<Deployment>>> List(RollbackListFilter filter);

private:
    db::Database& database_;
};

}  // namespace waka::coordinator::store
