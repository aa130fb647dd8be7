#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "shared/core/error.hpp"

// URL parsing shared by the agent (its coordinator_url) and wakactl (--url): one RFC 3986 parser
// (Boost.URL) splitting "scheme://[userinfo@]host[:port][/path][?query][#fragment]". Which schemes,
// parts and ports a program accepts is that program's rule, checked on the parts. Thread-safe.
namespace waka::net {

// The parts of an absolute URL with an authority, as written (nothing is percent-decoded).
struct Url {
    std::string scheme;
    std::string host;                  // IP literals without their brackets; may be empty
    std::optional<std::string> port;   // the text after ':', possibly empty ("h:"); nullopt: none
    std::string path;                  // empty or starting with '/'
    std::optional<std::string> query;  // the text after '?'; nullopt: none
    bool has_userinfo = false;
    bool has_fragment = false;
};

// Errc::kInvalidArgument for text that is not an RFC 3986 URI with an authority ("//"), with a
// short reason ("bad port 'x'", "not a valid URL"). Port digits are not range-checked here.
[[nodiscard]] Expected<Url> ParseUrl(std::string_view text);

// True when host is an IPv4 or IPv6 literal (no SNI is sent for those, RFC 6066 §3).
[[nodiscard]] bool IsIpLiteral(std::string_view host);

}  // namespace waka::net
