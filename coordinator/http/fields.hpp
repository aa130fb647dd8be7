#pragma once

#include <string>
#include <string_view>

// Small header-field rules of the HTTP server, kept apart from the Beast code.
namespace waka::coordinator::http {

// X-Request-Id values the server repeats: 1-128 characters of [A-Za-z0-9._-].
[[nodiscard]] bool IsSaneRequestId(std::string_view id);

[[nodiscard]] std::string AsciiLower(std::string_view text);

// Content-Length, Connection, Transfer-Encoding and X-Request-Id: the server sets them itself.
[[nodiscard]] bool IsServerOwnedHeader(std::string_view name);

}  // namespace waka::coordinator::http
