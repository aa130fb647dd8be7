#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "coordinator/ports/agent_channel.hpp"
#include "coordinator/ports/agent_events.hpp"

// The decisions behind the gateway listener's plain HTTP answers (everything but the WebSocket
// upgrade): which path is what, who may download which artifact, and the JSON errors. Free of
// Beast: connection.cpp only writes what is decided here.
namespace waka::coordinator::gateway {

// An error answer: JSON {"detail", "code"} with this status. Only string literals go in, so that
// it stays trivially destructible (docs/architecture.md, "Coroutines and g++ 12").
struct HttpError {
    unsigned status = 500;
    std::string_view code;
    std::string_view detail;
    std::optional<std::uint64_t> unsatisfied_size;  // 416: "Content-Range: bytes */<size>"
};
static_assert(std::is_trivially_destructible_v<HttpError>);

// The path of a request target (without the query) is the WebSocket endpoint.
[[nodiscard]] bool IsConnectPath(std::string_view target);
// The <sha256> of "/agent/v1/artifacts/<sha256>" (not yet checked), or nullopt for another path.
[[nodiscard]] std::optional<std::string_view> ArtifactName(std::string_view target);
// The answer to a plain request for another path: 426 for the WebSocket endpoint, 404 otherwise.
[[nodiscard]] HttpError NotAnArtifact(std::string_view target);

// An artifact download as sent (ADR 0003).
struct ArtifactRequest {
    bool get_or_head = false;
    std::string sha256;
    std::string instance_id;    // X-Waka-Instance
    std::string authorization;  // "Bearer <credential>"
    // The connection's verified client certificate; required to name instance_id when
    // certificate_required (ADR 0034).
    std::optional<ports::PeerCertificate> peer_certificate;
    bool certificate_required = false;
};

// Checks method, name and credential (with the directory), then that the instance may download
// this artifact (ADR 0024: a deployment in flight on it plans it), then finds the file: its path,
// or the error to answer (405, 400, 401, 404, 503). An artifact the instance may not download is
// the same 404 as a missing one. peer is for the log line of a refusal.
[[nodiscard]] boost::asio::awaitable<std::variant<std::filesystem::path, HttpError>>
AsyncLocateArtifact(ports::AgentEvents& directory, const ArtifactRequest& request,
                    const std::string& peer);

// The part of a found artifact of `size` bytes to send.
struct ArtifactWindow {
    unsigned status = 200;  // 200 (the whole file) or 206
    std::uint64_t first = 0;
    std::uint64_t length = 0;
    std::string content_range;  // "bytes first-last/size" for a 206
};

// The window the request's Range header asks for (one rule for both listeners, ADR 0016), or a
// 416 with "Content-Range: bytes */<size>".
[[nodiscard]] std::variant<ArtifactWindow, HttpError> PlanArtifactWindow(std::string_view range,
                                                                         std::uint64_t size);
// The found file cannot be opened (removed behind the store's back): 404.
[[nodiscard]] HttpError ArtifactFileMissing();
// The file opened but cannot be positioned: 500.
[[nodiscard]] HttpError ArtifactFileUnreadable();

// {"detail": ..., "code": ...}
[[nodiscard]] std::string ErrorBody(const HttpError& error);
// A client that sent a body we did not read (400) gets a fresh connection; refused downloads
// (401, 404, 416) keep theirs.
[[nodiscard]] bool KeepsConnection(const HttpError& error);

}  // namespace waka::coordinator::gateway
