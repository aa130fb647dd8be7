#include "coordinator/deploy/agent_identity.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/certs/test_pki.hpp"
#include "tests/support/fakes/fake_repositories.hpp"

// Which Hello needs which certificate (ADR 0034), decided before the repository is asked.
namespace waka::coordinator::deploy {
namespace {

class AgentIdentityTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = test::MakeTempDir("waka-identity-test");
        auto pki = test::MakeTestPki(dir_);
        auto ca = pki::CertificateAuthority::Load(pki.ca_cert, pki.ca_key);
        ASSERT_TRUE(ca) << ca.error().message;
        options_.ca = *ca;
        options_.require_certificate = true;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    static ports::AgentHello Hello(bool with_request, std::optional<std::string> certificate_cn) {
        ports::AgentHello hello;
        hello.instance_id = "instance-a";
        hello.credential = "cred_x";
        if (with_request) {
            hello.certificate_request = pki::MakeKeyAndRequest("instance-a")->request_pem;
        }
        if (certificate_cn) {
            hello.peer_certificate = ports::PeerCertificate{*certificate_cn, "0abc"};
        }
        return hello;
    }

    std::filesystem::path dir_;
    AgentIdentityOptions options_;
    fakes::FakeInstanceRepository instances_;
    FakeClock clock_{std::chrono::system_clock::now()};
};

TEST_F(AgentIdentityTest, ACertificateNamingAnotherInstanceIsRefused) {
    AgentIdentity identity(options_, instances_, clock_);
    auto decided = identity.ForHello(Hello(false, "instance-b"));
    EXPECT_EQ(decided.refusal, "client certificate names another instance");
}

TEST_F(AgentIdentityTest, WithoutACertificateOnlyARequestMayComeAndTheCredentialMustNotSuffice) {
    AgentIdentity identity(options_, instances_, clock_);
    EXPECT_NE(identity.ForHello(Hello(false, std::nullopt))
                  .refusal.find("client certificate is "
                                "required"),
              std::string::npos);
    auto with_request = identity.ForHello(Hello(true, std::nullopt));
    EXPECT_EQ(with_request.refusal, "");
    ASSERT_TRUE(with_request.issued);
    EXPECT_EQ(with_request.issued->facts.common_name, "instance-a");
    EXPECT_TRUE(with_request.credential_needs_certificate);
}

TEST_F(AgentIdentityTest, ACertifiedHelloPresentsItsSerialAndItsRequestIsNotSigned) {
    AgentIdentity identity(options_, instances_, clock_);
    auto decided = identity.ForHello(Hello(true, "instance-a"));
    EXPECT_EQ(decided.refusal, "");
    EXPECT_EQ(decided.presented_serial, std::optional<std::string>("0abc"));
    EXPECT_FALSE(decided.credential_needs_certificate);
    EXPECT_FALSE(decided.issued);
}

TEST_F(AgentIdentityTest, AGarbageRequestIsRefusedByName) {
    AgentIdentity identity(options_, instances_, clock_);
    auto hello = Hello(false, std::nullopt);
    hello.certificate_request = "garbage";
    EXPECT_NE(identity.ForHello(hello).refusal.find("not a PEM certificate signing request"),
              std::string::npos);
}

TEST_F(AgentIdentityTest, WithoutACaNothingIsAskedOrIssued) {
    AgentIdentity identity(AgentIdentityOptions{}, instances_, clock_);
    auto decided = identity.ForHello(Hello(true, std::nullopt));
    EXPECT_EQ(decided.refusal, "");
    EXPECT_FALSE(decided.issued);
    EXPECT_FALSE(decided.credential_needs_certificate);
}

}  // namespace
}  // namespace waka::coordinator::deploy
