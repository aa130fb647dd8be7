#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include "shared/core/error.hpp"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace waka::agent::link {

// The agent's TLS client context (net::MakeTlsClientContext): it trusts only the CAs in ca_file,
// never the system's store. Host-name checking is per connection (net::ConfigureTlsPeer).
// Errc::kIo "load CA file <ca_file>: <reason>" when the CA file cannot be read or holds no
// certificate.
// With identity_file (a PEM certificate followed by its key, ADR 0034) the context presents that
// client certificate; Errc::kIo "load client certificate <file>: <reason>" when it is unusable.
[[nodiscard]] Expected<std::shared_ptr<boost::asio::ssl::context>> MakeClientTlsContext(
    const std::filesystem::path& ca_file,
    const std::optional<std::filesystem::path>& identity_file = std::nullopt);

}  // namespace waka::agent::link
