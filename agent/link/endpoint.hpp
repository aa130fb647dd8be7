#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "shared/core/error.hpp"

namespace waka::agent::link {

// Where the coordinator's gateway listens, parsed from "wss://host[:port]/path".
struct Endpoint {
    std::string host;  // without brackets for IPv6 literals
    std::uint16_t port = 443;
    std::string path = "/";  // path and query, always starting with '/'

    // Value of the HTTP Host header ("host:port", IPv6 literals bracketed).
    [[nodiscard]] std::string HostHeader() const;
};

// The agent's rules over net::ParseUrl: only the wss scheme (the agent never talks to the
// coordinator in clear text); refuses spaces and control characters, user-info, fragments, empty
// hosts and ports outside 1..65535 with Errc::kInvalidArgument ("coordinator_url '<url>': why").
[[nodiscard]] Expected<Endpoint> ParseCoordinatorUrl(std::string_view url);

}  // namespace waka::agent::link
