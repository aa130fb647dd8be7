// http.allowed_networks (ServerOptions::peer_gate): the server on 127.0.0.1 allows only
// 127.0.0.2, a second loopback address standing for "the operators' network". A client from
// 127.0.0.1 is closed at accept without an answer; one bound to 127.0.0.2 is served.
// http.max_connections_per_address (the same gate): the connection beyond the cap is closed at
// accept, until one of the address's connections has closed.
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "shared/net/peer_gate.hpp"
#include "tests/integration/coordinator/http/server_fixture.hpp"
#include "tests/support/process/process.hpp"

namespace waka::coordinator::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

boost::asio::awaitable<Response> Ok(Request&) {
    Response response;
    response.content_type = "text/plain";
    response.body = "served";
    co_return response;
}

// A request from a client socket bound to `source`; answers what arrived until the server
// closed (the socket has a receive timeout, so a hung server fails the test).
std::string RequestFrom(const std::string& source, std::uint16_t port) {
    asio::io_context io;
    tcp::socket client(io);
    client.open(tcp::v4());
    client.bind(tcp::endpoint(asio::ip::make_address(source), 0));
    const timeval timeout{10, 0};
    setsockopt(client.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    client.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    const std::string request = "GET /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
    boost::system::error_code ec;
    asio::write(client, asio::buffer(request), ec);
    std::string answer;
    char chunk[4096];
    for (;;) {
        const std::size_t n = client.read_some(asio::buffer(chunk), ec);
        answer.append(chunk, n);
        if (ec) {
            break;
        }
    }
    return answer;
}

TEST_F(HttpServerTest, APeerOutsideTheAllowedNetworksIsClosedAtAccept) {
    auto networks = net::AllowedNetworks::Parse("127.0.0.2");
    ASSERT_TRUE(networks);
    auto gate = std::make_shared<net::PeerGate>("http", *networks);
    ServerOptions options;
    options.peer_gate = gate;
    StartServer(Ok, std::move(options));

    EXPECT_EQ(RequestFrom("127.0.0.1", port_), "");
    EXPECT_EQ(gate->Refused(net::RefusalReason::kNetwork), 1u);
    const std::string served = RequestFrom("127.0.0.2", port_);
    EXPECT_TRUE(served.starts_with("HTTP/1.1 200")) << served;
    EXPECT_NE(served.find("served"), std::string::npos) << served;
    EXPECT_EQ(gate->Refused(net::RefusalReason::kNetwork), 1u);
}

TEST_F(HttpServerTest, TheConnectionBeyondThePerAddressCapIsClosedAtAccept) {
    net::AddressLimitSettings limits;
    limits.max_connections_per_address = 2;
    auto gate = std::make_shared<net::PeerGate>("http", net::AllowedNetworks{}, limits);
    ServerOptions options;
    options.peer_gate = gate;
    StartServer(Ok, std::move(options));
    const auto loopback = asio::ip::make_address("127.0.0.1");

    // Two keep-alive connections, each answered once: both are admitted and stay open.
    auto first = std::make_unique<test::HttpConnection>("127.0.0.1", port_);
    test::HttpConnection second("127.0.0.1", port_);
    EXPECT_EQ(first->Send("GET", "/x").status, 200u);
    EXPECT_EQ(second.Send("GET", "/x").status, 200u);
    EXPECT_EQ(gate->Limits().ConnectionsFrom(loopback), 2u);

    EXPECT_EQ(RequestFrom("127.0.0.1", port_), "");
    EXPECT_EQ(gate->Refused(net::RefusalReason::kAddressLimit), 1u);
    const std::string other = RequestFrom("127.0.0.2", port_);  // another address: not affected
    EXPECT_TRUE(other.starts_with("HTTP/1.1 200")) << other;
    EXPECT_EQ(second.Send("GET", "/x").status, 200u);  // nor are the open connections

    first.reset();
    ASSERT_TRUE(test::WaitFor([&] { return gate->Limits().ConnectionsFrom(loopback) == 1; },
                              std::chrono::seconds(10)));
    const std::string served = RequestFrom("127.0.0.1", port_);
    EXPECT_TRUE(served.starts_with("HTTP/1.1 200")) << served;
    EXPECT_EQ(gate->Refused(net::RefusalReason::kAddressLimit), 1u);
}

}  // namespace
}  // namespace waka::coordinator::http
