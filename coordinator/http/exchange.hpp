#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "coordinator/http/server.hpp"
#include "coordinator/http/upload_limits.hpp"
#include "shared/core/log.hpp"

// Internal to the HTTP server: the Beast-free parts of serving one request (its bookkeeping, the
// calls into the server's callbacks, the request log line), kept out of connection.cpp, its only
// includer. Header-only: a translation unit of its own costs more compile time (Asio, spdlog)
// than this code.
namespace waka::coordinator::http {

// One request in flight on a connection.
struct Exchange {
    Request request;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    unsigned version = 11;
    bool keep_alive = false;
    bool head = false;
    bool spool = false;            // the body goes to a file in spool_dir
    std::uint64_t body_limit = 0;  // bytes
    unsigned status = 0;
    std::optional<UploadSlots::Slot> upload_slot;  // held while a spooled body is read and handled

    Exchange() = default;
    Exchange(const Exchange&) = delete;
    Exchange& operator=(const Exchange&) = delete;
    ~Exchange() { RemoveSpool(); }

    // The handler may have renamed the file into place; then there is nothing left to remove.
    void RemoveSpool() {
        if (request.body_file) {
            std::error_code ec;
            std::filesystem::remove(*request.body_file, ec);
            request.body_file.reset();
        }
    }
    [[nodiscard]] std::string_view RawPath() const {
        const std::string_view target = request.target;
        return target.substr(0, target.find('?'));
    }
};

// False for the statuses that never carry a body (1xx, 204, 304).
[[nodiscard]] inline bool StatusAllowsBody(unsigned status) {
    return status >= 200 && status != 204 && status != 304;
}

[[nodiscard]] inline std::string BodyLimitDetail(std::uint64_t limit) {
    return "request body exceeds the " + std::to_string(limit) + "-byte limit";
}

// options.before_body(ex.request); a 500 answer when it throws (the connection's last resort).
[[nodiscard]] inline boost::asio::awaitable<std::optional<Response>> AsyncCallBeforeBody(
    const ServerOptions& options, Exchange& ex) {
    try {
        co_return co_await options.before_body(ex.request);
    } catch (const std::exception& e) {
        log::Error("http before_body failed method={} path={} request_id={} error={}",
                   ex.request.method, ex.RawPath(), ex.request.request_id, e.what());
    } catch (...) {
        log::Error("http before_body failed method={} path={} request_id={} error=unknown",
                   ex.request.method, ex.RawPath(), ex.request.request_id);
    }
    co_return JsonError(500, "internal error", "internal");
}

// handler(ex.request); a 500 answer when it throws.
[[nodiscard]] inline boost::asio::awaitable<Response> AsyncCallHandler(const Handler& handler,
                                                                       Exchange& ex) {
    try {
        co_return co_await handler(ex.request);
    } catch (const std::exception& e) {
        log::Error("http handler failed method={} path={} request_id={} error={}",
                   ex.request.method, ex.RawPath(), ex.request.request_id, e.what());
    } catch (...) {
        log::Error("http handler failed method={} path={} request_id={} error=unknown",
                   ex.request.method, ex.RawPath(), ex.request.request_id);
    }
    co_return JsonError(500, "internal error", "internal");
}

// The pace a spooled body read from now on must keep (ServerOptions).
[[nodiscard]] inline UploadPace UploadPaceOf(const ServerOptions& options) {
    return UploadPace(std::chrono::steady_clock::now(), options.upload_timeout_seconds,
                      options.upload_min_bytes_per_second, options.upload_rate_grace_seconds);
}

// The warning for an upload cut off by its deadline or minimum rate (or by the progress timeout).
inline void LogUploadCutOff(const Exchange& ex, const UploadPace& pace, std::uint64_t bytes,
                            std::string_view peer) {
    const UploadPace::Verdict verdict = pace.Check(bytes, std::chrono::steady_clock::now());
    log::Warn("http upload cut off reason={} bytes={} path={} request_id={} peer={}",
              verdict == UploadPace::Verdict::kOk ? "no_progress" : VerdictName(verdict), bytes,
              ex.RawPath(), ex.request.request_id, peer);
}

// The debug line of a finished request.
inline void LogRequest(const Exchange& ex, std::string_view peer) {
    const auto duration = std::chrono::steady_clock::now() - ex.started;
    log::Debug("http request method={} path={} status={} duration_ms={} request_id={} peer={}",
               ex.request.method, ex.RawPath(), ex.status,
               std::chrono::duration_cast<std::chrono::milliseconds>(duration).count(),
               ex.request.request_id, peer);
}

}  // namespace waka::coordinator::http
