#include "shared/net/tls_client.hpp"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "tests/support/certs/test_pki.hpp"

// The shared TLS client setup against a real handshake on the loopback: what the agent's link and
// downloads and wakactl verify (chain to the given CA or the system store, the server's DNS name
// or IP address, SNI only for names).
namespace waka::net {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;

struct Outcome {
    bool ran = false;
    boost::system::error_code client;  // the client's handshake result
    std::string sni;                   // the server name the server saw, "" when none
};

class TlsClientTest : public ::testing::Test {
protected:
    void TearDown() override { fs::remove_all(dir_); }

    // One handshake of a client set up with MakeTlsClientContext(ca) and ConfigureTlsPeer(name)
    // with a server presenting pki_'s certificate (SAN: localhost, 127.0.0.1).
    Outcome Handshake(const std::optional<fs::path>& ca, const std::string& name) {
        Outcome outcome;
        auto context = MakeTlsClientContext(ca);
        EXPECT_TRUE(context) << context.error().message;
        if (!context) {
            return outcome;
        }
        asio::io_context io;
        ssl::context server_tls(ssl::context::tls_server);
        server_tls.use_certificate_chain_file(pki_.server_cert.string());
        server_tls.use_private_key_file(pki_.server_key.string(), ssl::context::pem);
        tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
        ssl::stream<tcp::socket> server(io, server_tls);
        ssl::stream<tcp::socket> client(io, **context);
        auto configured = ConfigureTlsPeer(client.native_handle(), name);
        EXPECT_TRUE(configured) << configured.error().message;
        acceptor.async_accept(server.next_layer(), [&](boost::system::error_code ec) {
            if (!ec) {
                server.async_handshake(ssl::stream_base::server, [&](boost::system::error_code) {
                    const char* sni =
                        SSL_get_servername(server.native_handle(), TLSEXT_NAMETYPE_host_name);
                    outcome.sni = sni != nullptr ? sni : "";
                });
            }
        });
        client.next_layer().async_connect(acceptor.local_endpoint(), [&](auto ec) {
            if (ec) {
                outcome.client = ec;
                return;
            }
            client.async_handshake(ssl::stream_base::client, [&](boost::system::error_code hs) {
                outcome.ran = true;
                outcome.client = hs;
                if (hs) {
                    server.next_layer().close();
                }
            });
        });
        io.run_for(std::chrono::seconds(10));
        EXPECT_TRUE(outcome.ran) << "no handshake within 10 s";
        return outcome;
    }

    fs::path dir_ = test::MakeTempDir("waka-net-tls");
    test::TestPki pki_ = test::MakeTestPki(dir_ / "trusted");
};

TEST_F(TlsClientTest, TrustedCertificateWithItsDnsNameIsAcceptedAndTheNameSentAsSni) {
    const Outcome outcome = Handshake(pki_.ca_cert, "localhost");
    EXPECT_FALSE(outcome.client) << outcome.client.message();
    EXPECT_EQ(outcome.sni, "localhost");
}

TEST_F(TlsClientTest, TrustedCertificateWithItsIpAddressIsAcceptedWithoutSni) {
    const Outcome outcome = Handshake(pki_.ca_cert, "127.0.0.1");
    EXPECT_FALSE(outcome.client) << outcome.client.message();
    EXPECT_EQ(outcome.sni, "");
}

TEST_F(TlsClientTest, NameOrAddressTheCertificateDoesNotCarryIsRefused) {
    for (const char* name : {"coord.example", "local", "127.0.0.2", "::1"}) {
        const Outcome outcome = Handshake(pki_.ca_cert, name);
        EXPECT_TRUE(outcome.client) << name;
        EXPECT_NE(outcome.client.message().find("certificate verify failed"), std::string::npos)
            << name << ": " << outcome.client.message();
    }
}

TEST_F(TlsClientTest, CertificateOfAnotherCaIsRefused) {
    const test::TestPki other = test::MakeTestPki(dir_ / "other");
    EXPECT_TRUE(Handshake(other.ca_cert, "localhost").client);
    EXPECT_TRUE(Handshake(std::nullopt, "localhost").client);  // the system store lacks the test CA
}

TEST_F(TlsClientTest, UnusableCaFileIsAnIoErrorWithOpenSslsReasonAlone) {
    const fs::path not_pem = dir_ / "not.pem";
    std::ofstream(not_pem) << "no certificate in here\n";
    for (const fs::path& file : {dir_ / "missing.pem", not_pem}) {
        auto context = MakeTlsClientContext(file);
        ASSERT_FALSE(context) << file;
        EXPECT_TRUE(context.error().Is(Errc::kIo)) << file;
        EXPECT_FALSE(context.error().message.empty());
        EXPECT_EQ(context.error().message.find(file.string()), std::string::npos);
    }
}

TEST_F(TlsClientTest, RequiresTls12AndPeerVerification) {
    auto context = MakeTlsClientContext(pki_.ca_cert);
    ASSERT_TRUE(context) << context.error().message;
    SSL_CTX* native = (*context)->native_handle();
    EXPECT_EQ(SSL_CTX_get_verify_mode(native), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
    const auto options = SSL_CTX_get_options(native);
    EXPECT_NE(options & SSL_OP_NO_TLSv1, 0u);
    EXPECT_NE(options & SSL_OP_NO_TLSv1_1, 0u);
}

TEST_F(TlsClientTest, ServerNameOpenSslRefusesIsAnError) {
    auto context = MakeTlsClientContext(pki_.ca_cert);
    ASSERT_TRUE(context);
    SSL* ssl = SSL_new((*context)->native_handle());
    auto configured = ConfigureTlsPeer(ssl, std::string(300, 'a'));  // SNI allows 255 bytes
    SSL_free(ssl);
    ASSERT_FALSE(configured);
    EXPECT_TRUE(configured.error().Is(Errc::kInvalidArgument));
    EXPECT_EQ(configured.error().message, "bad server name " + std::string(300, 'a'));
}

}  // namespace
}  // namespace waka::net
