#include "agent/link/endpoint.hpp"

#include <charconv>
#include <string>

#include "shared/net/url.hpp"

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
    auto parsed = net::ParseUrl(url);
    if (!parsed) {
        return bad(parsed.error().message);
    }
    if (parsed->has_userinfo) {
        return bad("user information is not allowed");
    }
    if (parsed->port && parsed->port->empty()) {
        return bad("empty port");
    }
    if (parsed->host.empty()) {
        return bad("no host");
    }
    Endpoint endpoint;
    endpoint.host = parsed->host;
    if (parsed->port) {
        auto port = ParsePort(*parsed->port);
        if (!port) {
            return bad(port.error().message);
        }
        endpoint.port = *port;
    }
    endpoint.path = parsed->path + (parsed->query ? "?" + *parsed->query : "");
    if (endpoint.path.empty() || endpoint.path.front() == '?') {
        endpoint.path.insert(0, "/");
    }
    return endpoint;
}

}  // namespace waka::agent::link
