#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>

#include "agent/link/endpoint.hpp"
#include "agent/model/artifact_fetcher.hpp"

namespace waka::agent::link {

struct DownloaderOptions {
    Endpoint endpoint;  // the coordinator's gateway listener (same host, port and CA as the link)
    std::string server_name;  // expected in the server certificate; empty: endpoint.host
    std::filesystem::path ca_file;
    std::string instance_id;
    std::chrono::milliseconds connect_timeout{10'000};  // resolve, connect, TLS handshake each
    std::chrono::milliseconds read_timeout{30'000};     // every single read or write
    // The client certificate and key (ADR 0034), presented once the file exists.
    std::filesystem::path identity_file;
};

// ArtifactFetcher over HTTPS: GET <download_path> on the gateway listener with X-Waka-Instance and
// a Bearer credential, resuming a partial file with a Range request. Statuses: 200 restarts the
// file, 206 appends (its Content-Range must start at the partial size), 416 on an incomplete file
// restarts once from zero. 401/403/404 map to kUnauthenticated/kPermissionDenied/kNotFound; network
// failures and timeouts to kNetwork/kTimeout with the partial file kept for the next attempt.
//
// Thread-safety: Fetch blocks (it runs its own io_context) and is meant for the agent's worker
// thread; SetCredential may be called from any thread at any time.
class HttpsArtifactFetcher final : public model::ArtifactFetcher {
public:
    explicit HttpsArtifactFetcher(DownloaderOptions options);

    void SetCredential(std::string credential);

    Expected<void> Fetch(const model::ComponentChange& change,
                         const std::filesystem::path& partial_file,
                         const std::function<void(std::uint64_t done)>& progress) override;

private:
    [[nodiscard]] std::string Credential() const;

    DownloaderOptions options_;
    mutable std::mutex mutex_;
    std::string credential_;
};

}  // namespace waka::agent::link
