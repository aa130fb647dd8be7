#include "coordinator/http/target.hpp"

#include <boost/url/encoding_opts.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace waka::coordinator::http {
namespace {

bool HasNul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

}  // namespace

Expected<DecodedTarget> DecodeTarget(std::string_view target) {
    auto parsed = boost::urls::parse_origin_form(target);
    if (!parsed) {
        return MakeError(Errc::kInvalidArgument, "malformed request target");
    }
    const boost::urls::url_view& url = *parsed;
    DecodedTarget out;
    out.path = url.path();
    if (HasNul(out.path)) {
        return MakeError(Errc::kInvalidArgument, "request path contains a NUL byte");
    }
    // Form encoding: browsers and curl --data-urlencode send spaces in queries as '+'.
    const boost::urls::encoding_opts form_decoding(/*space_as_plus_=*/true);
    for (const auto& param : url.params(form_decoding)) {
        // "/a?" and "/a?x=1&" hold empty parameters that nobody sent on purpose.
        if (param.key.empty() && !param.has_value) {
            continue;
        }
        if (HasNul(param.key) || HasNul(param.value)) {
            return MakeError(Errc::kInvalidArgument, "query contains a NUL byte");
        }
        out.query.emplace_back(param.key, param.value);
    }
    return out;
}

}  // namespace waka::coordinator::http
