#include "tests/support/certs/test_pki.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

namespace waka::test {
namespace {

struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
    void operator()(X509* p) const { X509_free(p); }
};
struct BioFree {
    void operator()(BIO* p) const { BIO_free_all(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

void Check(bool ok, const char* what) {
    if (!ok) {
        throw std::runtime_error(std::string("test PKI: ") + what + " failed");
    }
}

std::string RandomTag() {
    unsigned char bytes[6];
    Check(RAND_bytes(bytes, sizeof bytes) == 1, "RAND_bytes");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string tag;
    for (unsigned char b : bytes) {
        tag += kHex[b >> 4];
        tag += kHex[b & 0xf];
    }
    return tag;
}

PkeyPtr NewP256Key() {
    PkeyPtr key(EVP_EC_gen("P-256"));
    Check(key != nullptr, "EC P-256 key generation");
    return key;
}

void SetRandomSerial(X509* cert) {
    // Random serials: two CAs made in the same run must not look related.
    BIGNUM* bn = BN_new();
    Check(bn != nullptr && BN_rand(bn, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1, "serial");
    ASN1_INTEGER* serial = X509_get_serialNumber(cert);
    Check(BN_to_ASN1_INTEGER(bn, serial) != nullptr, "serial encoding");
    BN_free(bn);
}

void SetCommonName(X509_NAME* name, const std::string& cn) {
    Check(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>("Waka Deploy tests"),
                                     -1, -1, 0) == 1,
          "subject O");
    Check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                     0) == 1,
          "subject CN");
}

void AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    Check(ext != nullptr, "extension");
    const int added = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    Check(added == 1, "adding extension");
}

X509Ptr NewCert(EVP_PKEY* key, const std::string& cn) {
    X509Ptr cert(X509_new());
    Check(cert != nullptr, "X509_new");
    Check(X509_set_version(cert.get(), 2) == 1, "version");
    SetRandomSerial(cert.get());
    // Backdated an hour so that clock skew between processes never makes it "not yet valid".
    Check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "notBefore");
    Check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24L * 3600) != nullptr, "notAfter");
    Check(X509_set_pubkey(cert.get(), key) == 1, "public key");
    SetCommonName(X509_get_subject_name(cert.get()), cn);
    return cert;
}

void WriteKey(const std::filesystem::path& path, EVP_PKEY* key) {
    BioPtr bio(BIO_new_file(path.c_str(), "w"));
    Check(bio != nullptr, "opening key file");
    Check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "writing key");
    std::filesystem::permissions(path, std::filesystem::perms::owner_read |
                                           std::filesystem::perms::owner_write);
}

void WriteCert(const std::filesystem::path& path, X509* cert) {
    BioPtr bio(BIO_new_file(path.c_str(), "w"));
    Check(bio != nullptr, "opening certificate file");
    Check(PEM_write_bio_X509(bio.get(), cert) == 1, "writing certificate");
}

std::string SubjectAltNames(const std::vector<std::string>& dns_names,
                            const std::vector<std::string>& ip_addresses) {
    std::string san;
    for (const auto& dns : dns_names) {
        san += (san.empty() ? "" : ",") + std::string("DNS:") + dns;
    }
    for (const auto& ip : ip_addresses) {
        san += (san.empty() ? "" : ",") + std::string("IP:") + ip;
    }
    return san;
}

}  // namespace

TestPki MakeTestPki(const std::filesystem::path& dir, std::vector<std::string> dns_names,
                    std::vector<std::string> ip_addresses) {
    std::filesystem::create_directories(dir);
    TestPki pki{dir, dir / "ca.pem", dir / "ca.key", dir / "server.pem", dir / "server.key"};

    PkeyPtr ca_key = NewP256Key();
    X509Ptr ca = NewCert(ca_key.get(), "Waka test CA " + RandomTag());
    Check(X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get())) == 1, "CA issuer");
    AddExtension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE");
    AddExtension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    AddExtension(ca.get(), ca.get(), NID_subject_key_identifier, "hash");
    Check(X509_sign(ca.get(), ca_key.get(), EVP_sha256()) > 0, "signing CA");

    PkeyPtr server_key = NewP256Key();
    const std::string cn = dns_names.empty() ? std::string("waka-test-server") : dns_names.front();
    X509Ptr server = NewCert(server_key.get(), cn);
    Check(X509_set_issuer_name(server.get(), X509_get_subject_name(ca.get())) == 1,
          "server issuer");
    AddExtension(server.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
    AddExtension(server.get(), ca.get(), NID_key_usage, "critical,digitalSignature");
    AddExtension(server.get(), ca.get(), NID_ext_key_usage, "serverAuth");
    AddExtension(server.get(), ca.get(), NID_authority_key_identifier, "keyid:always");
    const std::string san = SubjectAltNames(dns_names, ip_addresses);
    if (!san.empty()) {
        AddExtension(server.get(), ca.get(), NID_subject_alt_name, san);
    }
    Check(X509_sign(server.get(), ca_key.get(), EVP_sha256()) > 0, "signing server certificate");

    WriteCert(pki.ca_cert, ca.get());
    WriteKey(pki.ca_key, ca_key.get());
    WriteCert(pki.server_cert, server.get());
    WriteKey(pki.server_key, server_key.get());
    return pki;
}

std::filesystem::path MakeTempDir(const std::string& prefix) {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    Check(::mkdtemp(pattern.data()) != nullptr, "mkdtemp");
    return pattern;
}

}  // namespace waka::test
