#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "shared/core/error.hpp"

using SSL = struct ssl_st;

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace waka::agent::link {

// A TLS client context (TLS 1.2 or newer) that trusts only the CAs in ca_file and requires the peer
// to present a certificate. Host-name checking is per connection (ConfigurePeer). Errc::kIo when
// the CA file cannot be read or holds no certificate.
[[nodiscard]] Expected<std::shared_ptr<boost::asio::ssl::context>> MakeClientTlsContext(
    const std::filesystem::path& ca_file);

// Per-connection settings on a fresh SSL handle: SNI (skipped for IP literals) and the name the
// server certificate must carry (DNS name or IP address, checked by OpenSSL during the handshake).
[[nodiscard]] Expected<void> ConfigurePeer(SSL* ssl, const std::string& server_name);

}  // namespace waka::agent::link
