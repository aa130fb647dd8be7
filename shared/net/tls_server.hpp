#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "shared/core/error.hpp"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

// The TLS server setup of both coordinator listeners (the REST API and the agent gateway): one
// rule for protocol versions and ciphers, one loader with errors that name the file, and a reload
// (SIGHUP) that swaps the certificate without touching open connections. Only Asio's SSL context
// and OpenSSL, no Beast.
namespace waka::net {

struct TlsServerFiles {
    std::filesystem::path cert_file;  // PEM certificate chain, leaf first
    std::filesystem::path key_file;   // PEM private key of the leaf
    std::string label;                // names the listener in errors, e.g. "gateway TLS"
    // PEM CA certificates a client certificate is verified against; empty: none is asked for.
    // A client may still connect without one (the application decides what that allows); one
    // that sends a certificate these CAs did not sign, or an expired one, fails the handshake.
    std::filesystem::path client_ca_file;
};

// A server context: TLS 1.2 or newer; for TLS 1.2 only ECDHE key exchange with AEAD ciphers
// (AES-GCM, ChaCha20-Poly1305), TLS 1.3 with OpenSSL's suites; no session tickets; the server's
// cipher order; buffers released between records (tens of thousands of idle agent sessions).
// Errc::kInvalidArgument naming the label and the file when a file is missing, is not PEM, or the
// key does not match the certificate.
[[nodiscard]] Expected<std::shared_ptr<boost::asio::ssl::context>> MakeTlsServerContext(
    const TlsServerFiles& files);

// A server identity that can be reloaded while serving. Connections take Current() when they are
// accepted; a stream built on it stays valid after a reload, because OpenSSL's per-connection SSL
// holds its own reference to the context it came from. Thread-safe.
class ReloadableTlsServer {
public:
    explicit ReloadableTlsServer(TlsServerFiles files) : files_(std::move(files)) {}

    // Reads the files again; on success new connections use them, on failure the identity in
    // use stays and the error says why (the caller logs it).
    [[nodiscard]] Expected<void> Reload();
    // The identity in use; null before the first successful Reload().
    [[nodiscard]] std::shared_ptr<boost::asio::ssl::context> Current() const;
    [[nodiscard]] const TlsServerFiles& Files() const { return files_; }

private:
    const TlsServerFiles files_;
    mutable std::mutex mutex_;  // guards current_
    std::shared_ptr<boost::asio::ssl::context> current_;
};

}  // namespace waka::net
