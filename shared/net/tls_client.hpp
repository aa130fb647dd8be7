#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "shared/core/error.hpp"

using SSL = struct ssl_st;

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

// The TLS client setup of every program here that talks to the coordinator (the agent's link and
// downloads, wakactl): one context per program, the peer's name set per connection. Only Asio's SSL
// context and OpenSSL, no Beast: callers build their streams on the context in their own .cpp.
namespace waka::net {

// A TLS client context (TLS 1.2 or newer) that verifies the peer's certificate chain: against the
// CA certificates in `ca_file` only, or against the system's default trust store when `ca_file` is
// nullopt. Errc::kIo when the trust store cannot be loaded (a missing or unreadable file, a file
// without a certificate); that error's message is OpenSSL's reason alone, for the caller to name
// what it was loading in its own words. Errc::kInternal when OpenSSL refuses a setting.
[[nodiscard]] Expected<std::shared_ptr<boost::asio::ssl::context>> MakeTlsClientContext(
    const std::optional<std::filesystem::path>& ca_file);

// Per-connection settings on a fresh SSL handle: SNI (skipped for IP literals) and the name the
// server certificate must carry, checked by OpenSSL during the handshake (a DNS name against the
// subjectAltName DNS entries, no partial wildcards; an IP literal against the IP entries).
// Errc::kInvalidArgument "bad server IP address X" / "bad server name X" when OpenSSL refuses it.
[[nodiscard]] Expected<void> ConfigureTlsPeer(SSL* ssl, const std::string& server_name);

}  // namespace waka::net
