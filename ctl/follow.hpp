#pragma once

#include <string>

#include "ctl/client.hpp"

namespace waka::ctl {

// True for the statuses a deployment never leaves.
bool IsTerminalStatus(const std::string& status);

// Polls the deployment until it ends, printing each new event as a line, plus a live status line
// when stdout is a terminal (and not --json). Answers the exit status: 0 when it ended `deployed`,
// 1 otherwise; an error after `timeout_seconds` ("wakactl: <noun> <id> still <status> after N s")
// or when a request fails. `noun` names it in the last line ("rollback", "patch").
[[nodiscard]] Expected<int> WaitDeployment(const Globals& globals, const Client& client,
                                           const std::string& id, int timeout_seconds,
                                           const std::string& noun = "deployment");

// One deployment for people: "<noun> <id> <status>", the last event's message and any error;
// the whole object with --json.
void ShowDeploymentSummary(const Globals& globals, const boost::json::value& deployment,
                           const std::string& noun = "deployment");

}  // namespace waka::ctl
