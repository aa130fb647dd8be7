#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

// Internal to the HTTP server (connection.cpp, its only includer): how a failed read is answered.
namespace waka::coordinator::http {

namespace bhttp = boost::beast::http;

inline bool IsHttpParseError(const boost::beast::error_code& ec) {
    return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category();
}

enum class BodyStatus { kOk, kTooLarge, kMalformed, kSpoolFailed, kClosed };

inline BodyStatus ClassifyReadError(const boost::beast::error_code& ec) {
    if (ec == bhttp::error::body_limit) {
        return BodyStatus::kTooLarge;
    }
    if (IsHttpParseError(ec) && ec != bhttp::error::end_of_stream &&
        ec != bhttp::error::partial_message) {
        return BodyStatus::kMalformed;
    }
    return BodyStatus::kClosed;
}

}  // namespace waka::coordinator::http
