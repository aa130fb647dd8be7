// Agent identity by certificate (issue 13 item 2, ADR 0034) with the real coordinator, agents,
// PostgreSQL and TLS: enrollment with a CSR, renewal before expiry, decommission, and the
// connections a certificate check must refuse.
#include <gtest/gtest.h>

#include <fstream>
#include <optional>

#include "shared/pki/agent_certificates.hpp"
#include "shared/pki/certificate_authority.hpp"
#include "tests/e2e/deploy/e2e_fixture.hpp"

namespace waka::test {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string ReadAll(const fs::path& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::optional<pki::CertificateFacts> StoredCertificate(const AgentHandle& agent) {
    auto facts = pki::ReadCertificate(ReadAll(agent.state_dir / "identity.pem"));
    return facts ? std::optional(*facts) : std::nullopt;
}

class AgentCertificateE2eTest : public ::testing::Test {
protected:
    std::string RevokedReason(const std::string& serial) {
        return world_.SqlText("SELECT revoked_reason FROM agent_certificates WHERE serial = '" +
                              serial + "'");
    }
    bool LogSays(const std::string& instance_id, const std::string& text) {
        return WaitFor([&] { return world_.AgentLog(instance_id).find(text) != std::string::npos; },
                       30s);
    }

    // Lifetime 12 s: renewal falls due about 8 s after issue.
    E2eWorld world_{{"--gateway-agent-certificate-lifetime-seconds=12"}};
};

TEST_F(AgentCertificateE2eTest, EnrollsWithARequestRenewsBeforeExpiryAndDecommissionEndsIt) {
    auto& agent = world_.AddAgent("instance-cert-01");
    // The coordinator shows the instance connected once the Welcome is sent; the agent stores the
    // certificate the Welcome carries just after: wait for the file, bounded.
    std::optional<pki::CertificateFacts> first;
    ASSERT_TRUE(WaitFor(
        [&] {
            first = StoredCertificate(agent);
            return first.has_value();
        },
        30s))
        << "no client certificate stored after enrollment";
    EXPECT_EQ(first->common_name, "instance-cert-01");
    EXPECT_EQ(fs::status(agent.state_dir / "identity.pem").permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_EQ(world_.SqlText("SELECT instance_id FROM agent_certificates WHERE serial = '" +
                             first->serial + "'"),
              "instance-cert-01");

    // Renewed over the open session, before it expires.
    std::optional<pki::CertificateFacts> renewed;
    ASSERT_TRUE(WaitFor(
        [&] {
            renewed = StoredCertificate(agent);
            return renewed && renewed->serial != first->serial;
        },
        30s))
        << world_.AgentLog("instance-cert-01");
    EXPECT_LT(std::chrono::system_clock::now(), first->not_after);
    EXPECT_GT(renewed->not_after, first->not_after);

    // The next connection uses the renewed certificate, which supersedes the first.
    agent.process->Stop();
    world_.StartAgent(agent);
    world_.WaitConnected("instance-cert-01");
    EXPECT_EQ(RevokedReason(first->serial), "superseded");
    EXPECT_EQ(RevokedReason(renewed->serial), "");

    // Decommission revokes every certificate and ends the live session at once.
    auto removed = world_.Api().Delete("/api/v1/instances/instance-cert-01");
    ASSERT_EQ(removed.status, 204u) << removed.body;
    EXPECT_TRUE(LogSays("instance-cert-01", "instance decommissioned"));
    EXPECT_EQ(world_.SqlText("SELECT count(*) FROM agent_certificates WHERE instance_id = "
                             "'instance-cert-01' AND revoked_at IS NULL"),
              "0");
    EXPECT_TRUE(LogSays("instance-cert-01", "coordinator refused the session"));
}

TEST_F(AgentCertificateE2eTest,
       ACredentialWithoutItsCertificateOrACertificateOfAnotherCaIsRefused) {
    auto& agent = world_.AddAgent("instance-cert-02");
    auto& other = world_.AddAgent("instance-cert-03");

    // The credential alone (the certificate removed) no longer gets a session, nor a certificate.
    agent.process->Stop();
    fs::remove(agent.state_dir / "identity.pem");
    world_.StartAgent(agent);
    EXPECT_TRUE(LogSays("instance-cert-02", "a client certificate is required"));
    EXPECT_FALSE(fs::exists(agent.state_dir / "identity.pem"));

    // A certificate for the right instance from a CA the gateway does not trust fails the TLS
    // handshake; the other agent's session goes on.
    agent.process->Stop();
    const auto foreign_dir = world_.Dir() / "foreign-ca";
    auto foreign =
        pki::CertificateAuthority::Load(MakeTestPki(foreign_dir).ca_cert, foreign_dir / "ca.key");
    ASSERT_TRUE(foreign) << foreign.error().message;
    auto made = pki::MakeKeyAndRequest("instance-cert-02");
    ASSERT_TRUE(made);
    auto issued = (*foreign)->Sign(made->request_pem, "instance-cert-02", 3600s);
    ASSERT_TRUE(issued);
    std::ofstream(agent.state_dir / "identity.pem")
        << issued->certificate_pem << made->private_key_pem;
    fs::permissions(agent.state_dir / "identity.pem",
                    fs::perms::owner_read | fs::perms::owner_write);
    world_.StartAgent(agent);
    // With TLS 1.3 the server's refusal of a client certificate reaches the client as an alert on
    // its next read, the WebSocket handshake.
    EXPECT_TRUE(LogSays("instance-cert-02", "alert unknown ca"));
    auto still = world_.GetJson("/api/v1/instances/" + other.instance_id);
    EXPECT_EQ(std::string(still.at("connection_state").as_string()), "connected");
}

}  // namespace
}  // namespace waka::test
