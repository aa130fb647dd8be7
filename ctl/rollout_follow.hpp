#pragma once

#include <boost/json/value.hpp>
#include <string>

#include "ctl/client.hpp"
#include "shared/core/error.hpp"

// Following a rollout (docs/rollouts.md): one line per phase with a bar of succeeded / failed /
// running / waiting members, printed again whenever a count changes.
namespace waka::ctl {

// "canary     [SSSSFF..RR..........]  4/10 succeeded  2 failed  2 running  0 waiting  0 pending"
// for each phase of the rollout (the current one marked with '>').
[[nodiscard]] std::string PhaseLines(const boost::json::value& rollout);

// Polls the rollout until it is no longer running or reverting, printing PhaseLines when they
// change and the state at the end (the whole rollout with --json). Answers the exit status: 0 when
// it ended succeeded, 1 otherwise (paused, aborted, reverted); an error after `timeout_seconds`.
[[nodiscard]] Expected<int> WaitRollout(const Globals& globals, const Client& client,
                                        const std::string& id, int timeout_seconds);

}  // namespace waka::ctl
