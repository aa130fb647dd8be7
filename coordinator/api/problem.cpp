#include "coordinator/api/problem.hpp"

#include <boost/json/serialize.hpp>
#include <stdexcept>

#include "shared/core/log.hpp"

namespace waka::coordinator::api {
namespace {

ApiError Make(unsigned status, std::string code, std::string detail) {
    ApiError error;
    error.status = status;
    error.code = std::move(code);
    error.detail = std::move(detail);
    return error;
}

struct StatusAndCode {
    unsigned status;
    const char* code;
};

StatusAndCode Map(const Error& error) {
    static constexpr std::pair<Errc, StatusAndCode> kTable[] = {
        {Errc::kInvalidArgument, {422, "validation_failed"}},
        {Errc::kNotFound, {404, "not_found"}},
        {Errc::kConflict, {409, "conflict"}},
        {Errc::kUnauthenticated, {401, "unauthenticated"}},
        {Errc::kPermissionDenied, {403, "forbidden"}},
        {Errc::kTooLarge, {413, "payload_too_large"}},
        {Errc::kDatabase, {503, "database_unavailable"}},
        {Errc::kIo, {503, "storage_unavailable"}},
        {Errc::kNetwork, {503, "unavailable"}},
        {Errc::kTimeout, {503, "timeout"}},
        {Errc::kUnsafe, {422, "unsafe"}},
        {Errc::kBusy, {503, "busy"}},
        {Errc::kTooComplex, {422, "too_complex"}},
    };
    for (const auto& [errc, mapped] : kTable) {
        if (error.Is(errc)) {
            return mapped;
        }
    }
    return {500, "internal"};
}

}  // namespace

ApiError BadRequest(std::string detail) {
    return Make(400, "malformed_request", std::move(detail));
}
ApiError NotFound(std::string detail) { return Make(404, "not_found", std::move(detail)); }
ApiError Conflict(std::string detail) { return Make(409, "conflict", std::move(detail)); }
ApiError Forbidden(std::string detail) { return Make(403, "forbidden", std::move(detail)); }

ApiError Invalid(std::string field, std::string message) {
    return Invalid(std::vector<FieldError>{{std::move(field), std::move(message)}});
}

ApiError Invalid(std::vector<FieldError> errors) {
    std::string detail = "Invalid request";
    if (!errors.empty()) {
        const FieldError& first = errors.front();
        detail = first.field.empty() ? first.message : first.field + ": " + first.message;
        if (errors.size() > 1) {
            detail += " (and " + std::to_string(errors.size() - 1) + " more)";
        }
    }
    ApiError error = Make(422, "validation_failed", std::move(detail));
    error.errors = std::move(errors);
    return error;
}

ApiError FromError(const Error& error) {
    StatusAndCode mapped = Map(error);
    ApiError api = Make(mapped.status, mapped.code, error.message);
    if (error.Is(Errc::kBusy)) {
        // A full queue is the coordinator's own bound, not a backing service's internals: the
        // answer names the setting so that operators know which one to raise.
        api.headers.emplace_back("Retry-After", "1");
        return api;
    }
    if (mapped.status >= 500) {
        // Server-side failures keep their cause in the log, not in the answer.
        log::Error("request failed status={} error={}", mapped.status, error.message);
        api.detail = mapped.status == 503 ? "A backing service is unavailable; retry later"
                                          : "Internal error";
    }
    return api;
}

http::Response ToResponse(const ApiError& error) {
    boost::json::object body;
    body["detail"] = error.detail;
    body["code"] = error.code;
    if (!error.errors.empty()) {
        boost::json::array list;
        for (const FieldError& e : error.errors) {
            list.push_back(boost::json::object{{"field", e.field}, {"message", e.message}});
        }
        body["errors"] = std::move(list);
    }
    http::Response response = JsonResponse(error.status, body);
    response.headers.insert(response.headers.end(), error.headers.begin(), error.headers.end());
    return response;
}

http::Response JsonResponse(unsigned status, const boost::json::value& body) {
    http::Response response;
    response.status = status;
    response.content_type = "application/json";
    response.body = boost::json::serialize(body);
    return response;
}

http::Response SecretJsonResponse(unsigned status, const boost::json::value& body) {
    http::Response response = JsonResponse(status, body);
    response.headers.emplace_back("Cache-Control", "no-store");
    return response;
}

http::Response NoContent() {
    http::Response response;
    response.status = 204;
    response.content_type.clear();
    return response;
}

void throw_exception_from_error(const ApiError& error, const boost::source_location&) {
    throw std::runtime_error(error.detail);
}

}  // namespace waka::coordinator::api
