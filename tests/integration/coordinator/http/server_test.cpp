#include "coordinator/http/server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <future>
#include <thread>
#include <vector>

#include "tests/integration/coordinator/http/server_fixture.hpp"

namespace waka::coordinator::http {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using test::HttpClient;
using test::HttpConnection;
using test::HttpResult;

constexpr std::string_view kRunbookPolicyQuery =
    "/api/v1/policies?instance_id=instance-prod-01&policy_type=manual_approval"
    "&description=Production%20requires%20approval";

TEST_F(HttpServerTest, EchoSeesMethodPathQueryBodyAndLowerCaseHeaders) {
    StartServer(Echo);
    HttpResult result =
        Client().Post("/echo/x?a=1&b=two", R"({"k":1})", {{"X-Custom-Header", "Value"}});
    ASSERT_EQ(result.status, 200u) << result.error << result.body;
    EXPECT_EQ(result.Header("Content-Type"), "application/json");
    EXPECT_EQ(result.Header("X-Echo"), "yes");
    const json::object echo = ParseObject(result.body);
    EXPECT_EQ(Str(echo, "method"), "POST");
    EXPECT_EQ(Str(echo, "path"), "/echo/x");
    EXPECT_EQ(Str(echo, "target"), "/echo/x?a=1&b=two");
    EXPECT_EQ(Str(echo, "body"), R"({"k":1})");
    EXPECT_EQ(json::serialize(echo.at("query")), R"([["a","1"],["b","two"]])");
    const json::object& headers = echo.at("headers").as_object();
    EXPECT_EQ(Str(headers, "x-custom-header"), "Value");
    EXPECT_EQ(Str(headers, "content-type"), "application/json");
    EXPECT_EQ(Str(echo, "remote_address").rfind("127.0.0.1:", 0), 0u);
}

TEST_F(HttpServerTest, DecodesTheRunbookPolicyQuery) {
    StartServer(Echo);
    HttpResult result = Client().Post(std::string(kRunbookPolicyQuery), "");
    ASSERT_EQ(result.status, 200u) << result.error << result.body;
    const json::object echo = ParseObject(result.body);
    EXPECT_EQ(Str(echo, "path"), "/api/v1/policies");
    EXPECT_EQ(json::serialize(echo.at("query")),
              R"([["instance_id","instance-prod-01"],["policy_type","manual_approval"],)"
              R"(["description","Production requires approval"]])");
}

TEST_F(HttpServerTest, DecodesPercentEscapesInPathAndPlusAsSpaceInQuery) {
    StartServer(Echo);
    HttpResult result = Client().Get("/files/a%20b%2Bc?q=x+y%2Bz&flag&empty=");
    ASSERT_EQ(result.status, 200u) << result.error << result.body;
    const json::object echo = ParseObject(result.body);
    EXPECT_EQ(Str(echo, "path"), "/files/a b+c");
    EXPECT_EQ(json::serialize(echo.at("query")), R"([["q","x y+z"],["flag",""],["empty",""]])");
}

TEST_F(HttpServerTest, RefusesInvalidPercentEncodingAndNul) {
    StartServer(Echo);
    for (const char* target : {"/a%zz", "/a%4", "/a%00b", "/a?x=%00", "/a?x=%g1"}) {
        HttpResult result = Client().Get(target);
        EXPECT_EQ(result.status, 400u) << target << " " << result.error;
        EXPECT_EQ(Str(ParseObject(result.body), "code"), "bad_request") << target;
        EXPECT_EQ(result.Header("Connection"), "close") << target;
    }
}

TEST_F(HttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
    StartServer(Echo);
    HttpConnection connection("127.0.0.1", port_);
    HttpResult first = connection.Send("GET", "/one");
    HttpResult second = connection.Send("POST", "/two", "{}");
    ASSERT_EQ(first.status, 200u) << first.error;
    ASSERT_EQ(second.status, 200u) << second.error;
    EXPECT_FALSE(first.HasHeader("Connection"));
    EXPECT_EQ(Str(ParseObject(second.body), "path"), "/two");
    // Same client port: the second request really travelled on the first connection.
    EXPECT_EQ(Str(ParseObject(first.body), "remote_address"),
              Str(ParseObject(second.body), "remote_address"));
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrderAndCloseIsHonoured) {
    StartServer(Echo);
    HttpConnection connection("127.0.0.1", port_);
    ASSERT_EQ(connection.WriteRaw("GET /first HTTP/1.1\r\nHost: x\r\n\r\n"
                                  "GET /second HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
              "");
    HttpResult first = connection.ReadResponse();
    HttpResult second = connection.ReadResponse();
    ASSERT_EQ(first.status, 200u) << first.error;
    ASSERT_EQ(second.status, 200u) << second.error;
    EXPECT_EQ(Str(ParseObject(first.body), "path"), "/first");
    EXPECT_EQ(Str(ParseObject(second.body), "path"), "/second");
    EXPECT_EQ(second.Header("Connection"), "close");
    EXPECT_TRUE(connection.WaitForClose());
}

TEST_F(HttpServerTest, BodyOverTheLimitGets413WithJsonDetail) {
    StartServer(Echo);
    HttpResult result = Client().Post("/echo", std::string((1 << 20) + 1, 'x'));
    ASSERT_EQ(result.status, 413u) << result.error;
    const json::object error = ParseObject(result.body);
    EXPECT_EQ(Str(error, "detail"), "request body exceeds the 1048576-byte limit");
    EXPECT_EQ(Str(error, "code"), "body_too_large");
    EXPECT_EQ(result.Header("Connection"), "close");
    // Exactly at the limit is fine.
    HttpResult at_limit = Client().Post("/echo", std::string(1 << 20, 'x'));
    EXPECT_EQ(at_limit.status, 200u) << at_limit.error;
}

TEST_F(HttpServerTest, ChunkedBodyOverTheLimitGets413) {
    ServerOptions options;
    options.max_body_bytes = 10;
    StartServer(Echo, options);
    HttpConnection connection("127.0.0.1", port_);
    ASSERT_EQ(connection.WriteRaw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                                  "\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n"),
              "");
    HttpResult result = connection.ReadResponse();
    EXPECT_EQ(result.status, 413u) << result.error;
    EXPECT_EQ(Str(ParseObject(result.body), "detail"), "request body exceeds the 10-byte limit");
}

TEST_F(HttpServerTest, ExpectContinueWithInMemoryBody) {
    StartServer(Echo);
    HttpConnection connection("127.0.0.1", port_);
    HttpResult result = connection.Send("PUT", "/echo", "hello", {{"Expect", "100-continue"}});
    ASSERT_EQ(result.status, 200u) << result.error;
    EXPECT_EQ(Str(ParseObject(result.body), "body"), "hello");
}

TEST_F(HttpServerTest, HeadSendsHeadersOnly) {
    StartServer(Echo);
    HttpConnection connection("127.0.0.1", port_);
    HttpResult head = connection.Send("HEAD", "/thing");
    ASSERT_EQ(head.status, 200u) << head.error;
    EXPECT_TRUE(head.body.empty());
    EXPECT_NE(head.Header("Content-Length"), "0");
    // The connection is still in sync: no stray body bytes precede the next response.
    HttpResult next = connection.Send("GET", "/after");
    ASSERT_EQ(next.status, 200u) << next.error;
    EXPECT_EQ(Str(ParseObject(next.body), "path"), "/after");
}

TEST_F(HttpServerTest, MalformedRequestLineGets400AndClose) {
    StartServer(Echo);
    HttpConnection connection("127.0.0.1", port_);
    ASSERT_EQ(connection.WriteRaw("GET /a b c HTTP/1.1\r\nHost: x\r\n\r\n"), "");
    HttpResult raw = connection.ReadUntilClose();
    EXPECT_EQ(raw.error, "");
    EXPECT_EQ(raw.body.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << raw.body;
    EXPECT_NE(raw.body.find("Connection: close"), std::string::npos);
    EXPECT_NE(raw.body.find(R"("code":"bad_request")"), std::string::npos);
    EXPECT_NE(raw.body.find("X-Request-Id: req-"), std::string::npos);
}

TEST_F(HttpServerTest, GarbageGets400) {
    StartServer(Echo);
    HttpConnection connection("127.0.0.1", port_);
    ASSERT_EQ(connection.WriteRaw("\x01\x02 nonsense\r\n\r\n"), "");
    HttpResult raw = connection.ReadUntilClose();
    EXPECT_EQ(raw.body.rfind("HTTP/1.1 400", 0), 0u) << raw.body;
}

TEST_F(HttpServerTest, OversizeHeaderGets431) {
    StartServer(Echo);
    HttpResult result = Client().Get("/", {{"X-Big", std::string(20 * 1024, 'a')}});
    EXPECT_EQ(result.status, 431u) << result.error;
    EXPECT_EQ(Str(ParseObject(result.body), "code"), "header_too_large");
}

TEST_F(HttpServerTest, Http10RequestIsAnsweredAndClosed) {
    StartServer(Echo);
    HttpConnection connection("127.0.0.1", port_);
    ASSERT_EQ(connection.WriteRaw("GET /old HTTP/1.0\r\n\r\n"), "");
    HttpResult raw = connection.ReadUntilClose();
    EXPECT_EQ(raw.error, "");
    EXPECT_EQ(raw.body.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << raw.body;
    EXPECT_NE(raw.body.find(R"("path":"/old")"), std::string::npos);
}

TEST_F(HttpServerTest, HandlerExceptionGets500AndTheServerKeepsServing) {
    StartServer([](Request& request) -> asio::awaitable<Response> {
        if (request.path == "/boom") {
            throw std::runtime_error("handler bug");
        }
        co_return co_await Echo(request);
    });
    HttpConnection connection("127.0.0.1", port_);
    HttpResult boom = connection.Send("GET", "/boom");
    ASSERT_EQ(boom.status, 500u) << boom.error;
    EXPECT_EQ(boom.body, R"({"detail":"internal error","code":"internal"})");
    EXPECT_FALSE(boom.Header("X-Request-Id").empty());
    HttpResult after = connection.Send("GET", "/fine");
    EXPECT_EQ(after.status, 200u) << after.error;
    EXPECT_EQ(Client().Get("/fine").status, 200u);
}

TEST_F(HttpServerTest, RequestIdIsEchoedWhenSaneAndMadeOtherwise) {
    StartServer(Echo);
    HttpResult sane = Client().Get("/", {{"X-Request-Id", "abc-123_4.5"}});
    EXPECT_EQ(sane.Header("X-Request-Id"), "abc-123_4.5");
    EXPECT_EQ(Str(ParseObject(sane.body), "request_id"), "abc-123_4.5");

    for (const std::string& bad : {std::string("bad id!"), std::string(129, 'a'), std::string()}) {
        HttpResult made = Client().Get("/", {{"X-Request-Id", bad}});
        const std::string id = made.Header("X-Request-Id");
        EXPECT_EQ(id.rfind("req-", 0), 0u) << id;
        EXPECT_EQ(Str(ParseObject(made.body), "request_id"), id);
    }
    HttpResult none = Client().Get("/");
    EXPECT_EQ(none.Header("X-Request-Id").rfind("req-", 0), 0u);
    EXPECT_NE(none.Header("X-Request-Id"), Client().Get("/").Header("X-Request-Id"));
    EXPECT_EQ(Client().Get("/x", {{"X-Request-Id", std::string(128, 'b')}}).Header("X-Request-Id"),
              std::string(128, 'b'));
}

TEST_F(HttpServerTest, HandlerCannotOverrideFramingHeaders) {
    StartServer([](Request&) -> asio::awaitable<Response> {
        Response response;
        response.body = "{}";
        response.headers = {{"Content-Length", "999"}, {"Connection", "close"}, {"X-Other", "1"}};
        co_return response;
    });
    HttpConnection connection("127.0.0.1", port_);
    HttpResult first = connection.Send("GET", "/");
    ASSERT_EQ(first.status, 200u) << first.error;
    EXPECT_EQ(first.Header("Content-Length"), "2");
    EXPECT_EQ(first.Header("X-Other"), "1");
    EXPECT_EQ(connection.Send("GET", "/").status, 200u);
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionIsClosedAfterTheIdleTimeout) {
    ServerOptions options;
    options.idle_timeout_seconds = 1;
    StartServer(Echo, options);
    HttpConnection connection("127.0.0.1", port_);
    ASSERT_EQ(connection.Send("GET", "/").status, 200u);
    EXPECT_TRUE(connection.WaitForClose());
}

TEST_F(HttpServerTest, StalledRequestIsClosedAfterTheRequestTimeout) {
    ServerOptions options;
    options.request_timeout_seconds = 1;
    StartServer(Echo, options);
    HttpConnection connection("127.0.0.1", port_);
    ASSERT_EQ(connection.WriteRaw("GET / HTTP/1.1\r\nHost: x\r\n"), "");
    EXPECT_TRUE(connection.WaitForClose());
}

TEST_F(HttpServerTest, ConnectionsBeyondTheLimitGet503) {
    ServerOptions options;
    options.max_connections = 1;
    StartServer(Echo, options);
    HttpConnection held("127.0.0.1", port_);
    ASSERT_EQ(held.Send("GET", "/held").status, 200u);
    HttpResult refused = Client().Get("/more");
    EXPECT_EQ(refused.status, 503u) << refused.error;
    EXPECT_EQ(Str(ParseObject(refused.body), "code"), "unavailable");
    EXPECT_EQ(refused.Header("Connection"), "close");
    EXPECT_EQ(held.Send("GET", "/still").status, 200u);
}

TEST_F(HttpServerTest, StartReportsABusyPortAndABadAddress) {
    StartServer(Echo);
    ServerOptions same_port;
    same_port.address = "127.0.0.1";
    same_port.port = port_;
    Server second(io_, same_port, Echo);
    auto busy = second.Start();
    ASSERT_FALSE(busy);
    EXPECT_TRUE(busy.error().Is(Errc::kIo)) << busy.error().message;
    EXPECT_NE(busy.error().message.find(std::to_string(port_)), std::string::npos);

    ServerOptions bad_address;
    bad_address.address = "not-an-address";
    Server third(io_, bad_address, Echo);
    auto bad = third.Start();
    ASSERT_FALSE(bad);
    EXPECT_TRUE(bad.error().Is(Errc::kInvalidArgument));
    // The first server is unaffected.
    EXPECT_EQ(Client().Get("/").status, 200u);
}

TEST_F(HttpServerTest, StopClosesIdleConnectionsAndStopsAccepting) {
    StartServer(Echo);
    HttpConnection idle("127.0.0.1", port_);
    ASSERT_EQ(idle.Send("GET", "/").status, 200u);
    server_->Stop();
    EXPECT_TRUE(idle.WaitForClose());
    EXPECT_TRUE(JoinServerThreads());
    HttpResult after = Client().Get("/");
    EXPECT_EQ(after.status, 0u);
    EXPECT_NE(after.error, "");
}

TEST_F(HttpServerTest, StopLetsTheInFlightRequestFinish) {
    std::promise<void> entered;
    std::atomic<asio::steady_timer*> gate{nullptr};
    StartServer([&entered, &gate](Request& request) -> asio::awaitable<Response> {
        asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::seconds(30));
        gate = &timer;
        entered.set_value();
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        co_return co_await Echo(request);
    });
    HttpConnection connection("127.0.0.1", port_);
    auto pending =
        std::async(std::launch::async, [&connection] { return connection.Send("GET", "/slow"); });
    ASSERT_EQ(entered.get_future().wait_for(std::chrono::seconds(20)), std::future_status::ready);
    server_->Stop();
    asio::steady_timer* timer = gate.load();
    asio::post(timer->get_executor(), [timer] { timer->cancel(); });
    HttpResult result = pending.get();
    EXPECT_EQ(result.status, 200u) << result.error;
    EXPECT_EQ(result.Header("Connection"), "close");
    EXPECT_TRUE(connection.WaitForClose());
    EXPECT_TRUE(JoinServerThreads());
}

}  // namespace
}  // namespace waka::coordinator::http
