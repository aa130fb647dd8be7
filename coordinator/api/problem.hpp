#pragma once

#include <boost/json/value.hpp>
#include <boost/system/result.hpp>
#include <string>
#include <utility>
#include <vector>

#include "coordinator/http/message.hpp"
#include "shared/core/error.hpp"

// How the API answers: JSON bodies, and errors as {"detail", "code"} (docs/design.md §5), with
// "errors": [{"field", "message"}] on 422. The Errc -> HTTP status mapping lives here only.
namespace waka::coordinator::api {

struct FieldError {
    std::string field;
    std::string message;
    bool operator==(const FieldError&) const = default;
};

// An error answer before it is rendered: status, machine code, a sentence for people.
struct ApiError {
    unsigned status = 500;
    std::string code = "internal";
    std::string detail;
    std::vector<FieldError> errors;
    std::vector<std::pair<std::string, std::string>> headers;
};

// A result whose error is already an HTTP answer. Never call .value(): test and dereference.
template <class T>
using ApiExpected = boost::system::result<T, ApiError>;

[[nodiscard]] ApiError BadRequest(std::string detail);
[[nodiscard]] ApiError NotFound(std::string detail);
[[nodiscard]] ApiError Conflict(std::string detail);
[[nodiscard]] ApiError Forbidden(std::string detail);
// 422 with one field error; the detail repeats it as a sentence.
[[nodiscard]] ApiError Invalid(std::string field, std::string message);
// 422 with several field errors (at least one).
[[nodiscard]] ApiError Invalid(std::vector<FieldError> errors);
// Maps a domain Error to its status and code: kNotFound 404, kConflict 409, kInvalidArgument 422,
// kUnauthenticated 401, kPermissionDenied 403, kTooLarge 413, kDatabase/kIo/kNetwork/kTimeout 503,
// anything else 500. The message becomes the detail (it never holds secrets).
[[nodiscard]] ApiError FromError(const Error& error);

[[nodiscard]] http::Response ToResponse(const ApiError& error);
[[nodiscard]] http::Response JsonResponse(unsigned status, const boost::json::value& body);
// The same for an answer that carries a secret (a new token, an enrollment token): with
// "Cache-Control: no-store", so that no cache or proxy along the way keeps it.
[[nodiscard]] http::Response SecretJsonResponse(unsigned status, const boost::json::value& body);
[[nodiscard]] http::Response NoContent();

// Boost.System needs this for result<T, ApiError>::value(); the API never calls it.
[[noreturn]] void throw_exception_from_error(const ApiError& error,
                                             const boost::source_location& loc);

}  // namespace waka::coordinator::api
