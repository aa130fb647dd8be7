#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "coordinator/deploy/requests.hpp"
#include "coordinator/policy/decision.hpp"
#include "coordinator/ports/policy_repository.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/error.hpp"

// The policy step of a deployment (docs/design.md §4.1): the instance's active policy, or the
// default one, decides the change now; every decision taken (dry runs excluded) is counted for
// GET /metrics.
namespace waka::coordinator::deploy {

// How many policy decisions this process took for one kind of change and verdict.
struct DecisionCount {
    std::string kind;     // policy::ToString(ChangeKind)
    std::string verdict;  // policy::ToString(Verdict)
    std::uint64_t count = 0;
};

class PolicyDecider {
public:
    PolicyDecider(ports::PolicyRepository& policies, const Clock& clock);

    // A refusal is a decision too: the caller records it and answers 409 with the reason.
    boost::asio::awaitable<Expected<policy::Decision>> Decide(
        const domain::Principal& principal, const CreateDeploymentRequest& request);
    // The same on the instance's active policy already read (a fleet change reads them all at
    // once, ADR 0037).
    [[nodiscard]] Expected<policy::Decision> DecideWith(
        const std::optional<domain::PolicyRecord>& active, const domain::Principal& principal,
        const CreateDeploymentRequest& request);
    // Decisions taken since start, sorted by kind then verdict. Thread-safe.
    [[nodiscard]] std::vector<DecisionCount> Counts() const;

private:
    ports::PolicyRepository& policies_;
    const Clock& clock_;
    mutable std::mutex mutex_;
    std::map<std::pair<std::string, std::string>, std::uint64_t> counts_;  // (kind, verdict)
};

// Which row of docs/design.md §4.1 decides the request.
[[nodiscard]] policy::ChangeKind ChangeKindOf(const CreateDeploymentRequest& request);

}  // namespace waka::coordinator::deploy
