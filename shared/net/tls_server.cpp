#include "shared/net/tls_server.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <system_error>

namespace waka::net {
namespace {

namespace ssl = boost::asio::ssl;

// Mozilla's "intermediate" TLS 1.2 list: forward secrecy and AEAD only. TLS 1.3 suites are
// OpenSSL's defaults, all of which qualify.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

Error InvalidFile(const TlsServerFiles& files, const std::string& what) {
    return MakeError(Errc::kInvalidArgument, files.label + " " + what);
}

Expected<void> CheckFilesExist(const TlsServerFiles& files) {
    for (const auto& [what, path] :
         {std::pair{"certificate", files.cert_file}, std::pair{"key", files.key_file}}) {
        std::error_code ec;
        if (path.empty() || !std::filesystem::is_regular_file(path, ec)) {
            return InvalidFile(files,
                               std::string(what) + " file not found: '" + path.string() + "'");
        }
    }
    return {};
}

Expected<void> ApplyProtocolRules(ssl::context& tls) {
    tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                    ssl::context::single_dh_use | SSL_OP_NO_TICKET |
                    SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX* native = tls.native_handle();
    if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
        return MakeError(Errc::kInternal, "OpenSSL refused the TLS protocol settings");
    }
    // Idle connections do not keep OpenSSL's read and write buffers (about 34 KiB each).
    SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
    return {};
}

Expected<void> LoadIdentity(ssl::context& tls, const TlsServerFiles& files) {
    boost::system::error_code ec;
    tls.use_certificate_chain_file(files.cert_file.string(), ec);
    if (ec) {
        return InvalidFile(files, "certificate '" + files.cert_file.string() +
                                      "' is not a PEM certificate chain: " + ec.message());
    }
    tls.use_private_key_file(files.key_file.string(), ssl::context::pem, ec);
    const bool mismatch =
        ec && ec.category() == boost::asio::error::get_ssl_category() &&
        ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH;
    if (mismatch || (!ec && SSL_CTX_check_private_key(tls.native_handle()) != 1)) {
        return InvalidFile(files, "key '" + files.key_file.string() +
                                      "' does not match the certificate '" +
                                      files.cert_file.string() + "'");
    }
    if (ec) {
        return InvalidFile(files, "key '" + files.key_file.string() +
                                      "' is not a PEM private key: " + ec.message());
    }
    return {};
}

Expected<void> LoadClientCas(ssl::context& tls, const TlsServerFiles& files) {
    if (files.client_ca_file.empty()) {
        return {};
    }
    boost::system::error_code ec;
    tls.load_verify_file(files.client_ca_file.string(), ec);
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.client_ca_file.c_str());
    if (ec || names == nullptr) {
        return InvalidFile(files, "client CA file '" + files.client_ca_file.string() +
                                      "' holds no PEM certificate" +
                                      (ec ? ": " + ec.message() : std::string()));
    }
    SSL_CTX_set_client_CA_list(tls.native_handle(), names);
    // Asked for, verified when sent, not required: enrollment comes without one.
    tls.set_verify_mode(ssl::verify_peer);
    // Required by OpenSSL for server-side session caching once peers are verified.
    static constexpr unsigned char kSessionContext[] = "waka-coordinator";
    SSL_CTX_set_session_id_context(tls.native_handle(), kSessionContext,
                                   sizeof kSessionContext - 1);
    return {};
}

}  // namespace

Expected<std::shared_ptr<ssl::context>> MakeTlsServerContext(const TlsServerFiles& files) {
    if (auto exist = CheckFilesExist(files); !exist) {
        return exist.error();
    }
    auto tls = std::make_shared<ssl::context>(ssl::context::tls_server);
    if (auto rules = ApplyProtocolRules(*tls); !rules) {
        return rules.error();
    }
    if (auto identity = LoadIdentity(*tls, files); !identity) {
        return identity.error();
    }
    if (auto cas = LoadClientCas(*tls, files); !cas) {
        return cas.error();
    }
    return tls;
}

Expected<void> ReloadableTlsServer::Reload() {
    auto fresh = MakeTlsServerContext(files_);
    if (!fresh) {
        return fresh.error();
    }
    std::lock_guard lock(mutex_);
    current_ = std::move(*fresh);
    return {};
}

std::shared_ptr<ssl::context> ReloadableTlsServer::Current() const {
    std::lock_guard lock(mutex_);
    return current_;
}

}  // namespace waka::net
