#include "shared/net/url.hpp"

#include <arpa/inet.h>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace waka::net {
namespace {

Error Invalid(std::string why) { return MakeError(Errc::kInvalidArgument, std::move(why)); }

std::string Text(boost::core::string_view text) { return std::string(text.data(), text.size()); }

}  // namespace

Expected<Url> ParseUrl(std::string_view text) {
    auto parsed = boost::urls::parse_uri(boost::core::string_view(text.data(), text.size()));
    if (!parsed) {
        return Invalid("not a valid URL");
    }
    const boost::urls::url_view& u = *parsed;
    if (!u.has_authority()) {
        return Invalid("no '//' and host after the scheme");
    }
    const std::string path = Text(u.encoded_path());
    if (!path.empty() && path.front() != '/') {
        // Boost.URL 1.81 ends a port at its first non-digit and takes the rest for the path
        // ("h:x/" -> port "", path "x/"); RFC 3986 wants a path after an authority to start with
        // '/', so what is here is the rest of a bad port.
        return Invalid("bad port '" + Text(u.port()) + path.substr(0, path.find('/')) + "'");
    }
    Url url;
    url.scheme = Text(u.scheme());
    url.host = Text(u.encoded_host_address());
    if (u.has_port()) {
        url.port = Text(u.port());
    }
    url.path = path;
    if (u.has_query()) {
        url.query = Text(u.encoded_query());
    }
    url.has_userinfo = u.has_userinfo();
    url.has_fragment = u.has_fragment();
    return url;
}

bool IsIpLiteral(std::string_view host) {
    const std::string text(host);
    unsigned char buffer[16];
    return inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
           inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

}  // namespace waka::net
