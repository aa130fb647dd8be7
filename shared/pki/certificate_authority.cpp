#include "shared/pki/certificate_authority.hpp"

#include <openssl/bn.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "shared/pki/openssl_handles.hpp"

namespace waka::pki {

struct CertificateAuthority::Keys {
    detail::X509Ptr cert;
    detail::PkeyPtr key;
};

namespace {

using namespace detail;

constexpr std::size_t kMaxRequestBytes = 16 * 1024;
constexpr std::size_t kMaxFileBytes = 1024 * 1024;
// Issued certificates start up to this far in the past (a tenth of their lifetime at most, so
// that short test lifetimes keep their renewal point), so that a host whose clock is a little
// behind the coordinator's still accepts its own new certificate.
constexpr long kMaxBackdateSeconds = 300;

Error Invalid(std::string message) { return MakeError(Errc::kInvalidArgument, std::move(message)); }

Expected<std::string> ReadFile(const std::filesystem::path& path, const char* what) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    if (!in || !(text << in.rdbuf()) || text.str().size() > kMaxFileBytes) {
        return Invalid(std::string("agent CA ") + what + " '" + path.string() +
                       "' cannot be read (missing, unreadable or over 1 MiB)");
    }
    return text.str();
}

Expected<ReqPtr> ParseRequest(std::string_view pem) {
    if (pem.size() > kMaxRequestBytes) {
        return Invalid("certificate request is over 16 KiB");
    }
    auto bio = ReadBio(pem);
    ReqPtr request(bio ? PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!request) {
        return Invalid("certificate request is not a PEM certificate signing request");
    }
    EVP_PKEY* key = X509_REQ_get0_pubkey(request.get());
    if (key == nullptr) {
        return Invalid("certificate request holds no public key");
    }
    const bool p256 = EVP_PKEY_is_a(key, "EC") == 1 && EVP_PKEY_get_bits(key) == 256;
    if (!p256 && EVP_PKEY_is_a(key, "ED25519") != 1) {
        return Invalid("certificate request key must be EC P-256 or Ed25519");
    }
    if (X509_REQ_verify(request.get(), key) != 1) {
        return Invalid("certificate request signature does not verify");
    }
    return request;
}

bool SetRandomSerial(X509* cert) {
    unsigned char bytes[16];
    if (RAND_bytes(bytes, sizeof bytes) != 1) {
        return false;
    }
    bytes[0] &= 0x7f;  // a positive INTEGER
    bytes[0] |= 0x40;  // and never shorter than 16 bytes, so serials compare by length too
    BIGNUM* bn = BN_bin2bn(bytes, sizeof bytes, nullptr);
    const bool ok = bn != nullptr && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != nullptr;
    BN_free(bn);
    return ok;
}

bool AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    const bool ok = ext != nullptr && X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

bool FillCertificate(X509* cert, X509* issuer, EVP_PKEY* subject_key,
                     const std::string& instance_id, std::chrono::seconds lifetime) {
    X509_NAME* subject = X509_get_subject_name(cert);
    return X509_set_version(cert, 2) == 1 && SetRandomSerial(cert) &&
           X509_gmtime_adj(X509_getm_notBefore(cert),
                           -std::min<long>(kMaxBackdateSeconds, lifetime.count() / 10)) !=
               nullptr &&
           X509_gmtime_adj(X509_getm_notAfter(cert), static_cast<long>(lifetime.count())) !=
               nullptr &&
           X509_set_pubkey(cert, subject_key) == 1 &&
           X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(instance_id.c_str()),
                                      -1, -1, 0) == 1 &&
           X509_set_issuer_name(cert, X509_get_subject_name(issuer)) == 1 &&
           AddExtension(cert, issuer, NID_basic_constraints, "critical,CA:FALSE") &&
           AddExtension(cert, issuer, NID_key_usage, "critical,digitalSignature") &&
           AddExtension(cert, issuer, NID_ext_key_usage, "clientAuth") &&
           AddExtension(cert, issuer, NID_authority_key_identifier, "keyid:always");
}

}  // namespace

CertificateAuthority::CertificateAuthority(std::unique_ptr<Keys> keys) : keys_(std::move(keys)) {}
CertificateAuthority::~CertificateAuthority() = default;

Expected<std::shared_ptr<const CertificateAuthority>> CertificateAuthority::Load(
    const std::filesystem::path& cert_file, const std::filesystem::path& key_file) {
    auto cert_pem = ReadFile(cert_file, "certificate");
    if (!cert_pem) {
        return cert_pem.error();
    }
    auto key_pem = ReadFile(key_file, "key");
    if (!key_pem) {
        return key_pem.error();
    }
    auto keys = std::make_unique<Keys>();
    keys->cert = ParseCertificate(*cert_pem);
    auto bio = ReadBio(*key_pem);
    keys->key.reset(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!keys->cert || X509_check_ca(keys->cert.get()) != 1) {
        return Invalid("agent CA certificate '" + cert_file.string() +
                       "' is not a PEM CA certificate (basicConstraints CA:TRUE)");
    }
    if (!keys->key || X509_check_private_key(keys->cert.get(), keys->key.get()) != 1) {
        return Invalid("agent CA key '" + key_file.string() + "' is not the PEM private key of '" +
                       cert_file.string() + "'");
    }
    return std::shared_ptr<const CertificateAuthority>(new CertificateAuthority(std::move(keys)));
}

Expected<void> CertificateAuthority::CheckRequest(std::string_view request_pem) {
    auto request = ParseRequest(request_pem);
    if (!request) {
        return request.error();
    }
    return {};
}

Expected<IssuedCertificate> CertificateAuthority::Sign(std::string_view request_pem,
                                                       const std::string& instance_id,
                                                       std::chrono::seconds lifetime) const {
    auto request = ParseRequest(request_pem);
    if (!request) {
        return request.error();
    }
    X509Ptr cert(X509_new());
    if (!cert || !FillCertificate(cert.get(), keys_->cert.get(),
                                  X509_REQ_get0_pubkey(request->get()), instance_id, lifetime)) {
        return MakeError(Errc::kInternal, "OpenSSL failed to build the agent certificate");
    }
    // Ed25519 signs without a separate digest; EC keys use SHA-256.
    const EVP_MD* digest = EVP_PKEY_is_a(keys_->key.get(), "ED25519") == 1 ? nullptr : EVP_sha256();
    if (X509_sign(cert.get(), keys_->key.get(), digest) <= 0) {
        return MakeError(Errc::kInternal, "OpenSSL failed to sign the agent certificate");
    }
    std::string pem = WritePem<X509, PEM_write_bio_X509>(cert.get());
    auto facts = ReadCertificate(pem);
    if (!facts) {
        return facts.error();
    }
    return IssuedCertificate{std::move(pem), std::move(*facts)};
}

}  // namespace waka::pki
