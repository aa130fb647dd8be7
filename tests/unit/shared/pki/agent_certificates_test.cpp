#include "shared/pki/agent_certificates.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "shared/pki/certificate_authority.hpp"
#include "tests/support/certs/test_pki.hpp"

namespace waka::pki {
namespace {

using namespace std::chrono_literals;

class AgentCertificatesTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = test::MakeTempDir("waka-pki-test");
        pki_ = test::MakeTestPki(dir_ / "ca");
        auto ca = CertificateAuthority::Load(pki_.ca_cert, pki_.ca_key);
        ASSERT_TRUE(ca) << ca.error().message;
        ca_ = *ca;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    // Whether OpenSSL accepts the certificate as a TLS client certificate under the test CA.
    bool VerifiesAsClient(const std::string& pem) const {
        std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(),
                                                                      X509_STORE_free);
        X509_STORE_load_file(store.get(), pki_.ca_cert.c_str());
        BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
        X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
        BIO_free(bio);
        X509_STORE_CTX* ctx = X509_STORE_CTX_new();
        X509_STORE_CTX_init(ctx, store.get(), cert, nullptr);
        X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
        const bool ok = X509_verify_cert(ctx) == 1;
        X509_STORE_CTX_free(ctx);
        X509_free(cert);
        return ok;
    }

    std::filesystem::path dir_;
    test::TestPki pki_;
    std::shared_ptr<const CertificateAuthority> ca_;
};

TEST_F(AgentCertificatesTest, ARequestIsSignedIntoAClientCertificateForItsInstance) {
    auto made = MakeKeyAndRequest("instance-a");
    ASSERT_TRUE(made) << made.error().message;
    const auto before = std::chrono::system_clock::now();
    auto issued = ca_->Sign(made->request_pem, "instance-a", 3600s);
    ASSERT_TRUE(issued) << issued.error().message;

    EXPECT_EQ(issued->facts.common_name, "instance-a");
    EXPECT_EQ(issued->facts.serial.size(), 32u);
    EXPECT_LT(issued->facts.not_before, before);
    EXPECT_GE(issued->facts.not_after, before + 3600s - 2s);
    EXPECT_LE(issued->facts.not_after, before + 3600s + 2s);
    EXPECT_TRUE(CertificateMatchesKey(issued->certificate_pem, made->private_key_pem));
    EXPECT_TRUE(VerifiesAsClient(issued->certificate_pem));
    auto read = ReadCertificate(issued->certificate_pem);
    ASSERT_TRUE(read);
    EXPECT_EQ(read->serial, issued->facts.serial);
}

TEST_F(AgentCertificatesTest, TheCaNamesTheInstanceWhateverTheRequestAsked) {
    auto made = MakeKeyAndRequest("instance-other");
    ASSERT_TRUE(made);
    auto issued = ca_->Sign(made->request_pem, "instance-a", 60s);
    ASSERT_TRUE(issued);
    EXPECT_EQ(issued->facts.common_name, "instance-a");
}

TEST_F(AgentCertificatesTest, EveryCertificateHasItsOwnSerialAndAnotherKeyDoesNotMatch) {
    auto first = MakeKeyAndRequest("instance-a");
    auto second = MakeKeyAndRequest("instance-a");
    ASSERT_TRUE(first && second);
    auto a = ca_->Sign(first->request_pem, "instance-a", 60s);
    auto b = ca_->Sign(second->request_pem, "instance-a", 60s);
    ASSERT_TRUE(a && b);
    EXPECT_NE(a->facts.serial, b->facts.serial);
    EXPECT_FALSE(CertificateMatchesKey(a->certificate_pem, second->private_key_pem));
}

TEST_F(AgentCertificatesTest, BadRequestsAreRefusedByName) {
    auto made = MakeKeyAndRequest("instance-a");
    ASSERT_TRUE(made);
    std::string tampered = made->request_pem;
    // A byte inside the signed subject: the request still parses, its signature no longer holds.
    const auto body = tampered.find('\n') + 40;
    tampered[body] = tampered[body] == 'A' ? 'B' : 'A';

    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> rsa(EVP_RSA_gen(2048), EVP_PKEY_free);
    X509_REQ* req = X509_REQ_new();
    X509_REQ_set_pubkey(req, rsa.get());
    X509_REQ_sign(req, rsa.get(), EVP_sha256());
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509_REQ(bio, req);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    const std::string rsa_pem(data, static_cast<std::size_t>(size));
    BIO_free(bio);
    X509_REQ_free(req);

    const struct {
        std::string pem;
        std::string names;
    } cases[] = {
        {"garbage", "not a PEM certificate signing request"},
        {std::string(17 * 1024, 'x'), "over 16 KiB"},
        {rsa_pem, "must be EC P-256 or Ed25519"},
    };
    for (const auto& c : cases) {
        auto checked = CertificateAuthority::CheckRequest(c.pem);
        ASSERT_FALSE(checked) << c.names;
        EXPECT_NE(checked.error().message.find(c.names), std::string::npos)
            << checked.error().message;
        EXPECT_FALSE(ca_->Sign(c.pem, "instance-a", 60s));
    }
    auto checked = CertificateAuthority::CheckRequest(tampered);
    ASSERT_FALSE(checked);
    EXPECT_FALSE(ca_->Sign(tampered, "instance-a", 60s));
    EXPECT_TRUE(CertificateAuthority::CheckRequest(made->request_pem));
}

TEST_F(AgentCertificatesTest, ACaThatIsNotOneOrAKeyThatIsNotItsIsRefusedAtLoad) {
    auto leaf = CertificateAuthority::Load(pki_.server_cert, pki_.server_key);
    ASSERT_FALSE(leaf);
    EXPECT_NE(leaf.error().message.find("is not a PEM CA certificate"), std::string::npos);
    auto mismatched = CertificateAuthority::Load(pki_.ca_cert, pki_.server_key);
    ASSERT_FALSE(mismatched);
    EXPECT_NE(mismatched.error().message.find("is not the PEM private key"), std::string::npos);
    auto missing = CertificateAuthority::Load(dir_ / "none.pem", pki_.ca_key);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("cannot be read"), std::string::npos);
}

TEST_F(AgentCertificatesTest, ACertificateFromAnotherCaDoesNotVerify) {
    auto other_pki = test::MakeTestPki(dir_ / "other");
    auto other = CertificateAuthority::Load(other_pki.ca_cert, other_pki.ca_key);
    ASSERT_TRUE(other);
    auto made = MakeKeyAndRequest("instance-a");
    auto issued = (*other)->Sign(made->request_pem, "instance-a", 60s);
    ASSERT_TRUE(issued);
    EXPECT_FALSE(VerifiesAsClient(issued->certificate_pem));
}

}  // namespace
}  // namespace waka::pki
