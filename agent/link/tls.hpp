#pragma once

#include <filesystem>
#include <memory>

#include "shared/core/error.hpp"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace waka::agent::link {

// The agent's TLS client context (net::MakeTlsClientContext): it trusts only the CAs in ca_file,
// never the system's store. Host-name checking is per connection (net::ConfigureTlsPeer).
// Errc::kIo "load CA file <ca_file>: <reason>" when the CA file cannot be read or holds no
// certificate.
[[nodiscard]] Expected<std::shared_ptr<boost::asio::ssl::context>> MakeClientTlsContext(
    const std::filesystem::path& ca_file);

}  // namespace waka::agent::link
