#include "agent/link/endpoint.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <string>

namespace waka::agent::link {
namespace {

constexpr std::string_view kScheme = "wss://";

Expected<std::uint16_t> ParsePort(std::string_view text) {
    unsigned value = 0;
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end || value == 0 || value > 65535) {
        return MakeError(Errc::kInvalidArgument, "bad port '" + std::string(text) + "'");
    }
    return static_cast<std::uint16_t>(value);
}

bool HasControlOrSpace(std::string_view text) {
    for (char c : text) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
            return true;
        }
    }
    return false;
}

}  // namespace

std::string Endpoint::HostHeader() const {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

bool IsIpLiteral(std::string_view host) {
    std::string text(host);
    unsigned char buffer[16];
    return inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
           inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

Expected<Endpoint> ParseCoordinatorUrl(std::string_view url) {
    auto bad = [&](std::string why) {
        return MakeError(Errc::kInvalidArgument,
                         "coordinator_url '" + std::string(url) + "': " + std::move(why));
    };
    if (url.substr(0, kScheme.size()) != kScheme) {
        return bad("only the wss:// scheme is supported");
    }
    if (HasControlOrSpace(url) || url.find('#') != std::string_view::npos) {
        return bad("contains spaces, control characters or a fragment");
    }
    std::string_view rest = url.substr(kScheme.size());
    const auto slash = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, slash);
    Endpoint endpoint;
    if (slash != std::string_view::npos) {
        endpoint.path = std::string(rest.substr(slash));
        if (endpoint.path.front() == '?') {
            endpoint.path.insert(0, "/");
        }
    }
    if (authority.find('@') != std::string_view::npos) {
        return bad("user information is not allowed");
    }
    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            return bad("unterminated IPv6 literal");
        }
        endpoint.host = std::string(authority.substr(1, close - 1));
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') {
                return bad("garbage after the IPv6 literal");
            }
            port_text = after.substr(1);
            if (port_text.empty()) {
                return bad("empty port");
            }
        }
    } else {
        const auto colon = authority.find(':');
        endpoint.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port_text = authority.substr(colon + 1);
            if (port_text.empty()) {
                return bad("empty port");
            }
        }
    }
    if (endpoint.host.empty()) {
        return bad("no host");
    }
    if (!port_text.empty()) {
        auto port = ParsePort(port_text);
        if (!port) {
            return bad(port.error().message);
        }
        endpoint.port = *port;
    }
    return endpoint;
}

}  // namespace waka::agent::link
