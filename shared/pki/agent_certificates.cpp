#include "shared/pki/agent_certificates.hpp"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/ssl.h>

#include <cctype>
#include <ctime>

#include "shared/pki/openssl_handles.hpp"

namespace waka::pki {
namespace {

using namespace detail;

Error OpenSslFailed(const char* what) {
    return MakeError(Errc::kInternal, std::string("OpenSSL failed to ") + what);
}

std::string CommonName(X509_NAME* name) {
    const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (index < 0) {
        return {};
    }
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
    unsigned char* utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, data);
    if (length < 0) {
        return {};
    }
    std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(length));
    OPENSSL_free(utf8);
    return out;
}

std::string SerialHex(const ASN1_INTEGER* serial) {
    BIGNUM* bn = ASN1_INTEGER_to_BN(serial, nullptr);
    char* hex = bn != nullptr ? BN_bn2hex(bn) : nullptr;
    std::string out = hex != nullptr ? hex : "";
    OPENSSL_free(hex);
    BN_free(bn);
    for (char& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

SystemTime ToSystemTime(const ASN1_TIME* time) {
    struct tm parts {};
    if (ASN1_TIME_to_tm(time, &parts) != 1) {
        return SystemTime{};
    }
    return std::chrono::system_clock::from_time_t(timegm(&parts));
}

CertificateFacts FactsOf(X509* cert) {
    return {CommonName(X509_get_subject_name(cert)), SerialHex(X509_get0_serialNumber(cert)),
            ToSystemTime(X509_get0_notBefore(cert)), ToSystemTime(X509_get0_notAfter(cert))};
}

}  // namespace

Expected<KeyAndRequest> MakeKeyAndRequest(const std::string& instance_id) {
    PkeyPtr key(EVP_EC_gen("P-256"));
    ReqPtr request(X509_REQ_new());
    if (!key || !request) {
        return OpenSslFailed("make a key");
    }
    X509_NAME* subject = X509_REQ_get_subject_name(request.get());
    if (X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(instance_id.c_str()), -1,
                                   -1, 0) != 1 ||
        X509_REQ_set_pubkey(request.get(), key.get()) != 1 ||
        X509_REQ_sign(request.get(), key.get(), EVP_sha256()) <= 0) {
        return OpenSslFailed("make a certificate signing request");
    }
    BioPtr key_bio(BIO_new(BIO_s_mem()));
    if (!key_bio || PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                             nullptr) != 1) {
        return OpenSslFailed("write the private key");
    }
    KeyAndRequest out{BioText(key_bio.get()),
                      WritePem<X509_REQ, PEM_write_bio_X509_REQ>(request.get())};
    if (out.request_pem.empty()) {
        return OpenSslFailed("write the certificate signing request");
    }
    return out;
}

Expected<CertificateFacts> ReadCertificate(std::string_view pem) {
    X509Ptr cert = ParseCertificate(pem);
    if (!cert) {
        return MakeError(Errc::kInvalidArgument, "not a PEM certificate");
    }
    return FactsOf(cert.get());
}

bool CertificateMatchesKey(std::string_view certificate_pem, std::string_view private_key_pem) {
    X509Ptr cert = ParseCertificate(certificate_pem);
    auto bio = ReadBio(private_key_pem);
    PkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    return cert && key && X509_check_private_key(cert.get(), key.get()) == 1;
}

std::optional<CertificateFacts> VerifiedPeerCertificate(SSL* ssl) {
    X509* cert = SSL_get0_peer_certificate(ssl);
    if (cert == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) {
        return std::nullopt;
    }
    return FactsOf(cert);
}

}  // namespace waka::pki
