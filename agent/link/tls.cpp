#include "agent/link/tls.hpp"

#include <boost/asio/ssl/context.hpp>

#include "shared/net/tls_client.hpp"

namespace waka::agent::link {

Expected<std::shared_ptr<boost::asio::ssl::context>> MakeClientTlsContext(
    const std::filesystem::path& ca_file,
    const std::optional<std::filesystem::path>& identity_file) {
    auto context = net::MakeTlsClientContext(ca_file);
    if (!context && context.error().Is(Errc::kIo)) {
        return MakeError(Errc::kIo,
                         "load CA file " + ca_file.string() + ": " + context.error().message);
    }
    if (!context || !identity_file) {
        return context;
    }
    boost::system::error_code ec;
    (*context)->use_certificate_chain_file(identity_file->string(), ec);
    if (!ec) {
        (*context)->use_private_key_file(identity_file->string(), boost::asio::ssl::context::pem,
                                         ec);
    }
    if (ec) {
        return MakeError(
            Errc::kIo, "load client certificate " + identity_file->string() + ": " + ec.message());
    }
    return context;
}

}  // namespace waka::agent::link
