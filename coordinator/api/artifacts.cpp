#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>
#include <system_error>

#include "coordinator/api/json_output.hpp"
#include "coordinator/api/problem.hpp"
#include "coordinator/api/requests.hpp"
#include "coordinator/api/routes.hpp"
#include "coordinator/domain/artifact_files.hpp"
#include "coordinator/http/byte_range.hpp"
#include "shared/core/crypto.hpp"
#include "shared/core/ids.hpp"
#include "shared/release/statement.hpp"
#include "shared/release/trusted_keys.hpp"

namespace waka::coordinator::api {
namespace {

namespace fs = std::filesystem;

Expected<void> Fsync(const fs::path& path, int flags) {
    int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0) {
        return MakeError(Errc::kIo, "open " + path.string() + ": " +
                                        std::error_code(errno, std::generic_category()).message());
    }
    int rc = ::fsync(fd);
    int saved = errno;
    ::close(fd);
    if (rc != 0) {
        return MakeError(Errc::kIo, "fsync " + path.string() + ": " +
                                        std::error_code(saved, std::generic_category()).message());
    }
    return {};
}

// Copy for the rare case where the spool and the artifact store are on different filesystems:
// a temporary name in the destination directory keeps readers from seeing a partial file.
Expected<void> CopyInto(const fs::path& source, const fs::path& destination) {
    fs::path temp = destination;
    temp += "." + RandomHex(8) + ".tmp";
    std::error_code ec;
    fs::copy_file(source, temp, ec);
    if (!ec) {
        if (auto synced = Fsync(temp, O_RDONLY); !synced) {
            fs::remove(temp, ec);
            return synced;
        }
        fs::rename(temp, destination, ec);
    }
    if (ec) {
        std::error_code ignored;
        fs::remove(temp, ignored);
        return MakeError(Errc::kIo, "store artifact " + destination.string() + ": " + ec.message());
    }
    return {};
}

// Moves the spooled upload to its content-addressed place, durably (file, then directory).
// The same bytes already stored (another release, an earlier attempt) are simply kept.
Expected<void> PlaceArtifactFile(const fs::path& source, const fs::path& destination) {
    std::error_code ec;
    fs::create_directories(destination.parent_path(), ec);
    if (ec) {
        return MakeError(Errc::kIo,
                         "create " + destination.parent_path().string() + ": " + ec.message());
    }
    if (fs::exists(destination, ec)) {
        return {};
    }
    if (auto synced = Fsync(source, O_RDONLY); !synced) {
        return synced;
    }
    fs::rename(source, destination, ec);
    if (ec == std::errc::cross_device_link) {
        if (auto copied = CopyInto(source, destination); !copied) {
            return copied;
        }
    } else if (ec) {
        return MakeError(Errc::kIo, "store artifact " + destination.string() + ": " + ec.message());
    }
    return Fsync(destination.parent_path(), O_RDONLY | O_DIRECTORY);
}

std::string Lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

// Checks what can be checked before touching the database.
std::optional<ApiError> CheckUpload(const http::Request& request) {
    if (!request.body_file) {
        return request.body.empty()
                   ? Invalid("body", "the artifact is empty")
                   : ApiError{500, "internal", "The upload was not spooled to disk"};
    }
    if (request.body_size == 0) {
        return Invalid("body", "the artifact is empty");
    }
    if (const std::string* expected = request.Header("x-checksum-sha256")) {
        std::string wanted = Lower(*expected);
        if (!IsSha256Hex(wanted)) {
            return Invalid("X-Checksum-Sha256", "must be 64 hex digits");
        }
        if (wanted != request.body_sha256) {
            return Invalid("X-Checksum-Sha256", "does not match the received bytes (SHA-256 " +
                                                    request.body_sha256 + ")");
        }
    }
    return std::nullopt;
}

// The upload's signed release statement (X-Waka-Release-Signature: the `.sig` file that
// `wakactl release sign` wrote), verified against the trusted keys and the received bytes. No
// header: nullopt, or a refusal when signatures are required. Every refusal names its check.
Expected<std::optional<ports::VerifiedStatement>> VerifiedUploadStatement(
    const release::TrustSettings& trust, const http::Request& request,
    const ports::ReleaseKey& key) {
    constexpr std::string_view kField = "X-Waka-Release-Signature";
    const std::string* header = request.Header("x-waka-release-signature");
    if (header == nullptr) {
        if (trust.require_signed) {
            return MakeError(
                Errc::kInvalidArgument,
                std::string(kField) +
                    ": required, release.require_signed is on and the upload carries "
                    "no signed release statement (make one with wakactl release sign)");
        }
        return std::optional<ports::VerifiedStatement>();
    }
    auto decoded = release::DecodeSignedFile(*header);
    if (!decoded) {
        return decoded.error().WithContext(std::string(kField));
    }
    auto keys = release::LoadTrustedKeys(trust);
    if (!keys) {
        return MakeError(Errc::kInternal, keys.error().message);
    }
    auto statement = keys->Verify(*decoded);
    if (!statement) {
        return statement.error().WithContext(std::string(kField));
    }
    auto described =
        release::CheckDescribes(*statement, {key.component_type, key.component_name, key.version,
                                             request.body_sha256, request.body_size});
    if (!described) {
        return described.error().WithContext(std::string(kField));
    }
    return std::optional<ports::VerifiedStatement>(
        ports::VerifiedStatement{decoded->statement, decoded->signature, statement->key_id});
}

boost::asio::awaitable<http::Response> UploadArtifact(Services& services, Call& call) {
    auto key = ParseReleaseKey(call.Param("type"), call.Param("name"), call.Param("version"));
    if (!key) {
        co_return ToResponse(key.error());
    }
    if (auto problem = CheckUpload(call.request)) {
        co_return ToResponse(*problem);
    }
    auto statement = VerifiedUploadStatement(services.context.release_trust, call.request, *key);
    if (!statement) {
        co_return ToResponse(FromError(statement.error()));
    }
    const std::string& sha256 = call.request.body_sha256;
    fs::path source = *call.request.body_file;
    fs::path destination = domain::ArtifactFilePath(services.context.artifact_dir, sha256);
    std::function<Expected<void>()> place_file = [source, destination] {
        return PlaceArtifactFile(source, destination);
    };
    auto attached = co_await services.releases.AttachArtifact(
        call.principal, std::move(*key), sha256, call.request.body_size, std::move(*statement),
        std::move(place_file));
    if (!attached) {
        co_return ToResponse(FromError(attached.error()));
    }
    if ((attached->newly_attached || attached->newly_signed) && services.context.catalog_changed) {
        services.context.catalog_changed();  // a deployable release: auto-updates may follow
    }
    co_return JsonResponse(attached->newly_attached ? 201 : 200,
                           ArtifactJson(attached->artifact, attached->release));
}

boost::asio::awaitable<http::Response> DownloadArtifact(Services& services, Call& call) {
    const std::string& sha256 = call.Param("sha256");
    if (!IsSha256Hex(sha256)) {
        co_return ToResponse(NotFound("Artifact not found"));
    }
    auto artifact = co_await services.releases.GetArtifact(sha256);
    if (!artifact) {
        co_return ToResponse(FromError(artifact.error()));
    }
    fs::path path = domain::ArtifactFilePath(services.context.artifact_dir, sha256);
    std::error_code ec;
    std::uint64_t size = fs::file_size(path, ec);
    if (ec) {
        co_return ToResponse(FromError(
            MakeError(Errc::kIo, "artifact file " + path.string() + ": " + ec.message())));
    }
    http::Response response;
    response.content_type = "application/gzip";
    response.headers.emplace_back("Accept-Ranges", "bytes");
    response.headers.emplace_back("ETag", "\"" + sha256 + "\"");
    response.file = http::FileBody{path, 0, size};
    if (const std::string* range_header = call.request.Header("range")) {
        const http::ByteRange range = http::ParseByteRange(*range_header, size);
        if (range.kind == http::RangeKind::kUnsatisfiable) {
            ApiError error;
            error.status = 416;
            error.code = "range_not_satisfiable";
            error.detail =
                "The requested range is outside the file of " + std::to_string(size) + " bytes";
            error.headers.emplace_back("Content-Range", http::UnsatisfiedContentRange(size));
            co_return ToResponse(error);
        }
        if (range.kind == http::RangeKind::kSatisfiable) {  // kNone: the whole file (ADR 0016)
            response.status = 206;
            response.file = http::FileBody{path, range.first, range.Length()};
            response.headers.emplace_back("Content-Range", http::ContentRange(range, size));
        }
    }
    co_return response;
}

}  // namespace

void AddArtifactRoutes(Router& router, Services& services) {
    router.Add({"PUT", "/api/v1/artifacts/{type}/{name}/{version}", domain::Role::kPublisher,
                [&services](Call& call) { return UploadArtifact(services, call); }});
    router.Add({"GET", "/api/v1/artifacts/{sha256}", domain::Role::kViewer,
                [&services](Call& call) { return DownloadArtifact(services, call); }});
}

}  // namespace waka::coordinator::api
