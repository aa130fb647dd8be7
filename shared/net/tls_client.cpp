#include "shared/net/tls_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ssl/context.hpp>

#include "shared/net/url.hpp"

namespace waka::net {

Expected<std::shared_ptr<boost::asio::ssl::context>> MakeTlsClientContext(
    const std::optional<std::filesystem::path>& ca_file) {
    namespace ssl = boost::asio::ssl;
    auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
    boost::system::error_code ec;
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                             ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                             ssl::context::no_tlsv1_1,
                         ec);
    if (ec) {
        return MakeError(Errc::kInternal, "set TLS options: " + ec.message());
    }
    if (ca_file) {
        context->load_verify_file(ca_file->string(), ec);
    } else {
        context->set_default_verify_paths(ec);
    }
    if (ec) {
        return MakeError(Errc::kIo, ec.message());
    }
    // fail_if_no_peer_cert only matters to servers; kept so that the flags say the whole rule.
    context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
    if (ec) {
        return MakeError(Errc::kInternal, "set verify mode: " + ec.message());
    }
    return context;
}

Expected<void> ConfigureTlsPeer(SSL* ssl, const std::string& server_name) {
    // OpenSSL checks the name during the handshake itself (X509_VERIFY_PARAM), the same check
    // asio's host_name_verification performs in its verify callback.
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (IsIpLiteral(server_name)) {
        if (X509_VERIFY_PARAM_set1_ip_asc(param, server_name.c_str()) != 1) {
            return MakeError(Errc::kInvalidArgument, "bad server IP address " + server_name);
        }
        return {};
    }
    if (SSL_set_tlsext_host_name(ssl, server_name.c_str()) != 1 ||
        X509_VERIFY_PARAM_set1_host(param, server_name.c_str(), server_name.size()) != 1) {
        return MakeError(Errc::kInvalidArgument, "bad server name " + server_name);
    }
    return {};
}

}  // namespace waka::net
