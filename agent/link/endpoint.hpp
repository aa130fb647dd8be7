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

// Accepts only the wss scheme (the agent never talks to the coordinator in clear text). Refuses
// user-info, fragments, empty hosts and bad ports with Errc::kInvalidArgument.
[[nodiscard]] Expected<Endpoint> ParseCoordinatorUrl(std::string_view url);

// True when host is an IPv4 or IPv6 literal (no SNI is sent for those, RFC 6066 §3).
[[nodiscard]] bool IsIpLiteral(std::string_view host);

}  // namespace waka::agent::link
