#pragma once

#include <boost/system/result.hpp>
#include <string>
#include <string_view>
#include <system_error>

namespace waka {

// Project error codes. Each maps to one caller decision (retry, refuse, report), not to one cause.
enum class Errc {
    kOk = 0,
    kInvalidArgument,   // the input is malformed or breaks a rule: refuse it
    kNotFound,          // the thing named does not exist
    kConflict,          // the request clashes with stored state
    kUnauthenticated,   // no or unknown credential
    kPermissionDenied,  // known caller, not allowed
    kTooLarge,          // over a configured size limit
    kIo,                // local disk or process failure
    kDatabase,          // PostgreSQL failure
    kNetwork,           // peer unreachable, connection dropped
    kProtocol,          // a peer broke the wire protocol
    kTimeout,           // a deadline passed
    kUnsafe,            // refused for safety (hostile archive, path escape)
    kBusy,              // a bounded queue is full: retry later (nothing was done)
    kTooComplex,        // the input is valid but needs more work than its budget allows
    kInternal,          // a bug: should never happen
};

const std::error_category& WakaCategory() noexcept;
std::error_code make_error_code(
    Errc e) noexcept;  // NOLINT(readability-identifier-naming): ADL hook

// An error value: a code for decisions and a message for people. Messages never hold secrets.
struct Error {
    std::error_code code;
    std::string message;

    // Prefixes the message with what the caller was doing: "open journal: permission denied".
    [[nodiscard]] Error WithContext(std::string_view context) const;
    [[nodiscard]] bool Is(Errc e) const noexcept { return code == make_error_code(e); }
    [[nodiscard]] std::string ToString() const { return message; }
};

[[nodiscard]] Error MakeError(Errc code, std::string message);

// Fallible functions return Expected<T>; propagate with `return r.error().WithContext("...")`.
template <class T>
using Expected = boost::system::result<T, Error>;

// Boost.System calls this (found by ADL) when .value() is used on a failed result.
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

}  // namespace waka

template <>
struct std::is_error_code_enum<waka::Errc> : std::true_type {};
