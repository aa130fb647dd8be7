#include "agent/link/tls.hpp"

#include "shared/net/tls_client.hpp"

namespace waka::agent::link {

Expected<std::shared_ptr<boost::asio::ssl::context>> MakeClientTlsContext(
    const std::filesystem::path& ca_file) {
    auto context = net::MakeTlsClientContext(ca_file);
    if (!context && context.error().Is(Errc::kIo)) {
        return MakeError(Errc::kIo,
                         "load CA file " + ca_file.string() + ": " + context.error().message);
    }
    return context;
}

}  // namespace waka::agent::link
