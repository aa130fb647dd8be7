#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shared/core/error.hpp"

namespace waka::coordinator::http {

// The request target split and decoded the way handlers see it.
struct DecodedTarget {
    std::string path;                                        // percent-decoded
    std::vector<std::pair<std::string, std::string>> query;  // decoded, '+' as space, in order
};

// Decodes an origin-form target ("/a%20b?x=1+2"). Fails with kInvalidArgument on anything else:
// absolute or asterisk form, invalid percent-escapes, or a NUL byte in the path or the query.
[[nodiscard]] Expected<DecodedTarget> DecodeTarget(std::string_view target);

}  // namespace waka::coordinator::http
