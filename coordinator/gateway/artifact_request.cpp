#include "coordinator/gateway/artifact_request.hpp"

#include "coordinator/http/byte_range.hpp"
#include "coordinator/http/message.hpp"
#include "shared/core/crypto.hpp"
#include "shared/core/log.hpp"

namespace waka::coordinator::gateway {
namespace {

constexpr std::string_view kConnectPath = "/agent/v1/connect";
constexpr std::string_view kArtifactPrefix = "/agent/v1/artifacts/";
constexpr std::string_view kBearer = "Bearer ";

std::string_view PathOf(std::string_view target) { return target.substr(0, target.find('?')); }

HttpError Refusal(unsigned status, std::string_view code, std::string_view detail) {
    HttpError error;
    error.status = status;
    error.code = code;
    error.detail = detail;
    return error;
}

HttpError NoSuchArtifact() {
    return Refusal(404, "artifact_not_found", "no artifact with this sha256");
}

HttpError StoreUnavailable() {
    return Refusal(503, "artifact_store_unavailable", "the artifact store cannot be read now");
}

}  // namespace

bool IsConnectPath(std::string_view target) { return PathOf(target) == kConnectPath; }

std::optional<std::string_view> ArtifactName(std::string_view target) {
    const std::string_view path = PathOf(target);
    if (!path.starts_with(kArtifactPrefix)) {
        return std::nullopt;
    }
    return path.substr(kArtifactPrefix.size());
}

HttpError NotAnArtifact(std::string_view target) {
    if (IsConnectPath(target)) {
        return Refusal(426, "upgrade_required", "agents connect here with a WebSocket upgrade");
    }
    return Refusal(404, "not_found", "no such endpoint on the agent gateway");
}

boost::asio::awaitable<std::variant<std::filesystem::path, HttpError>> AsyncLocateArtifact(
    ports::AgentEvents& directory, const ArtifactRequest& request, const std::string& peer) {
    if (!request.get_or_head) {
        co_return Refusal(405, "method_not_allowed", "artifacts allow GET and HEAD");
    }
    if (!IsSha256Hex(request.sha256)) {
        co_return Refusal(400, "invalid_sha256",
                          "an artifact is named by 64 lower-case hex digits");
    }
    const std::string_view authorization = request.authorization;
    const bool has_bearer = authorization.starts_with(kBearer);
    const std::string credential(has_bearer ? authorization.substr(kBearer.size()) : "");
    const bool certified =
        !request.certificate_required ||
        (request.peer_certificate && request.peer_certificate->instance_id == request.instance_id);
    bool allowed = false;
    if (certified && !request.instance_id.empty() && !credential.empty()) {
        allowed = co_await directory.CheckCredential(request.instance_id, credential);
    }
    if (!allowed) {
        log::Info("artifact download refused peer={} instance_id={} sha256={}", peer,
                  request.instance_id, request.sha256);
        co_return Refusal(401, "unauthenticated", "a valid instance credential is required");
    }
    // Before the store is asked: an artifact outside the instance's deployments gets the same 404
    // as one that does not exist, so a credential learns nothing of other instances' bundles.
    auto may = co_await directory.MayDownload(request.instance_id, request.sha256);
    if (!may) {
        log::Warn("artifact access check failed instance_id={} sha256={} error={}",
                  request.instance_id, request.sha256, may.error().message);
        co_return StoreUnavailable();
    }
    if (!*may) {
        log::Info(
            "artifact download refused: not in a deployment in flight on the instance peer={} "
            "instance_id={} sha256={}",
            peer, request.instance_id, request.sha256);
        co_return NoSuchArtifact();
    }
    auto path = co_await directory.ArtifactPath(request.sha256);
    if (!path) {
        if (path.error().Is(Errc::kNotFound)) {
            co_return NoSuchArtifact();
        }
        log::Warn("artifact lookup failed sha256={} error={}", request.sha256,
                  path.error().message);
        co_return StoreUnavailable();
    }
    co_return std::move(*path);
}

HttpError ArtifactFileMissing() {
    return Refusal(404, "artifact_not_found", "the artifact file is missing");
}

std::variant<ArtifactWindow, HttpError> PlanArtifactWindow(std::string_view range,
                                                           std::uint64_t size) {
    const http::ByteRange parsed = http::ParseByteRange(range, size);
    if (parsed.kind == http::RangeKind::kUnsatisfiable) {
        HttpError error =
            Refusal(416, "range_not_satisfiable", "the requested range is outside the artifact");
        error.unsatisfied_size = size;
        return error;
    }
    ArtifactWindow window;
    window.length = size;
    if (parsed.kind == http::RangeKind::kSatisfiable) {
        window.status = 206;
        window.first = parsed.first;
        window.length = parsed.Length();
        window.content_range = http::ContentRange(parsed, size);
    }
    return window;
}

HttpError ArtifactFileUnreadable() {
    return Refusal(500, "internal", "the artifact file cannot be read");
}

std::string ErrorBody(const HttpError& error) {
    return http::JsonError(error.status, error.detail, error.code).body;
}

bool KeepsConnection(const HttpError& error) { return error.status != 400; }

}  // namespace waka::coordinator::gateway
