// The HTTP server over TLS (ServerOptions::tls with net::ReloadableTlsServer): HTTPS answers, the
// protocol floor, plain HTTP on a TLS port, and a certificate reload that leaves open connections
// alone.
#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <functional>
#include <optional>

#include "shared/net/tls_server.hpp"
#include "tests/integration/coordinator/http/server_fixture.hpp"
#include "tests/support/certs/test_pki.hpp"

namespace waka::coordinator::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr auto kStepTimeout = std::chrono::seconds(10);

// One TLS client connection that trusts `ca` and checks the name "localhost"; every step has a
// deadline. Errors come back as text ("" on success).
class TlsClient {
public:
    explicit TlsClient(const std::filesystem::path& ca, int max_version = 0)
        : context_(ssl::context::tls_client) {
        context_.load_verify_file(ca.string());
        context_.set_verify_mode(ssl::verify_peer);
        if (max_version != 0) {
            SSL_CTX_set_max_proto_version(context_.native_handle(), max_version);
        }
        stream_.emplace(io_, context_);
        SSL_set_tlsext_host_name(stream_->native_handle(), "localhost");
        SSL_set1_host(stream_->native_handle(), "localhost");
    }

    std::string Connect(std::uint16_t port) {
        return Run([this, port]() -> asio::awaitable<std::string> {
            auto& tcp = beast::get_lowest_layer(*stream_);
            tcp.expires_after(kStepTimeout);
            const asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
            if (auto [ec] = co_await tcp.async_connect(endpoint, kNoThrow); ec) {
                co_return "connect: " + ec.message();
            }
            auto [ec] = co_await stream_->async_handshake(ssl::stream_base::client, kNoThrow);
            co_return ec ? "handshake: " + ec.message() : std::string();
        });
    }

    // GET target on the open connection (keep-alive); answers "<status> <body>" or the error.
    std::string Get(const std::string& target) {
        return Run([this, target]() -> asio::awaitable<std::string> {
            bhttp::request<bhttp::empty_body> request(bhttp::verb::get, target, 11);
            request.set(bhttp::field::host, "localhost");
            beast::get_lowest_layer(*stream_).expires_after(kStepTimeout);
            if (auto [ec, n] = co_await bhttp::async_write(*stream_, request, kNoThrow); ec) {
                co_return "write: " + ec.message();
            }
            bhttp::response<bhttp::string_body> response;
            if (auto [ec, n] = co_await bhttp::async_read(*stream_, buffer_, response, kNoThrow);
                ec) {
                co_return "read: " + ec.message();
            }
            co_return std::to_string(response.result_int()) + " " + response.body();
        });
    }

private:
    std::string Run(std::function<asio::awaitable<std::string>()> step) {
        auto result = asio::co_spawn(io_, step(), asio::use_future);
        io_.restart();
        io_.run();
        return result.get();
    }

    asio::io_context io_;
    ssl::context context_;
    std::optional<beast::ssl_stream<beast::tcp_stream>> stream_;
    beast::flat_buffer buffer_;
};

asio::awaitable<Response> Hello(Request& request) {
    Response response;
    response.content_type = "text/plain";
    response.body = "hello " + request.path;
    co_return response;
}

class HttpsServerTest : public HttpServerTest {
protected:
    void StartHttps() {
        ASSERT_TRUE(identity_.Reload());
        ServerOptions options;
        options.tls = [this] { return identity_.Current(); };
        StartServer(Hello, std::move(options));
    }

    std::filesystem::path pki_dir_ = temp_dir_ / "pki";
    test::TestPki pki_ = test::MakeTestPki(pki_dir_);
    net::ReloadableTlsServer identity_{
        net::TlsServerFiles{pki_.server_cert, pki_.server_key, "test TLS"}};
};

TEST_F(HttpsServerTest, AnswersOverTlsAndKeepsTheConnection) {
    StartHttps();
    TlsClient client(pki_.ca_cert);
    ASSERT_EQ(client.Connect(port_), "");
    EXPECT_EQ(client.Get("/one"), "200 hello /one");
    EXPECT_EQ(client.Get("/two"), "200 hello /two");
}

TEST_F(HttpsServerTest, RefusesTlsOlderThan12) {
    StartHttps();
    TlsClient old_client(pki_.ca_cert, TLS1_1_VERSION);
    EXPECT_NE(old_client.Connect(port_), "");
    TlsClient client(pki_.ca_cert);  // the server goes on serving others
    ASSERT_EQ(client.Connect(port_), "");
    EXPECT_EQ(client.Get("/after"), "200 hello /after");
}

TEST_F(HttpsServerTest, PlainHttpOnTheTlsPortGetsNoAnswer) {
    StartHttps();
    test::HttpConnection plain("127.0.0.1", port_, std::chrono::seconds(10));
    ASSERT_EQ(plain.Connect(), "");
    ASSERT_EQ(plain.WriteRaw("GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n"), "");
    const test::HttpResult answer = plain.ReadUntilClose();
    EXPECT_EQ(answer.status, 0u);
    EXPECT_EQ(answer.body.find("hello"), std::string::npos);
}

// A reload swaps the identity for new connections; an open one keeps serving on the old.
TEST_F(HttpsServerTest, ReloadServesTheNewCertificateAndKeepsOpenConnections) {
    StartHttps();
    TlsClient before(pki_.ca_cert);
    ASSERT_EQ(before.Connect(port_), "");
    ASSERT_EQ(before.Get("/before"), "200 hello /before");

    const std::filesystem::path old_ca = temp_dir_ / "old-ca.pem";
    std::filesystem::copy_file(pki_.ca_cert, old_ca);
    const test::TestPki renewed = test::MakeTestPki(pki_dir_);  // a new CA, same file names
    ASSERT_TRUE(identity_.Reload());

    TlsClient trusting_new(renewed.ca_cert);
    ASSERT_EQ(trusting_new.Connect(port_), "");
    EXPECT_EQ(trusting_new.Get("/new"), "200 hello /new");
    TlsClient trusting_old(old_ca);
    EXPECT_NE(trusting_old.Connect(port_), "") << "the old certificate is still served";
    EXPECT_EQ(before.Get("/still"), "200 hello /still");
}

TEST_F(HttpsServerTest, FailedReloadKeepsTheIdentityInUse) {
    StartHttps();
    WriteFile(pki_.server_key, "not a key\n");
    const auto reloaded = identity_.Reload();
    ASSERT_FALSE(reloaded);
    EXPECT_NE(reloaded.error().message.find("test TLS key"), std::string::npos)
        << reloaded.error().message;
    TlsClient client(pki_.ca_cert);
    ASSERT_EQ(client.Connect(port_), "");
    EXPECT_EQ(client.Get("/kept"), "200 hello /kept");
}

TEST(TlsServerContext, NamesTheMissingOrMismatchedFile) {
    const std::filesystem::path dir = test::MakeTempDir("waka-tls-files");
    const test::TestPki one = test::MakeTestPki(dir / "one");
    const test::TestPki two = test::MakeTestPki(dir / "two");
    auto missing = net::MakeTlsServerContext({dir / "absent.pem", one.server_key, "api TLS"});
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("api TLS certificate file not found"), std::string::npos)
        << missing.error().message;
    auto mismatch = net::MakeTlsServerContext({one.server_cert, two.server_key, "api TLS"});
    ASSERT_FALSE(mismatch);
    EXPECT_NE(mismatch.error().message.find("does not match the certificate"), std::string::npos)
        << mismatch.error().message;
    EXPECT_TRUE(net::MakeTlsServerContext({one.server_cert, one.server_key, "api TLS"}));
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace waka::coordinator::http
