#include "agent/link/endpoint.hpp"

#include <gtest/gtest.h>

#include "shared/net/url.hpp"

namespace waka::agent::link {
namespace {

TEST(EndpointTest, ParsesHostPortAndPath) {
    auto e = ParseCoordinatorUrl("wss://coord.example:8443/agent/v1/connect");
    ASSERT_TRUE(e) << e.error().message;
    EXPECT_EQ(e->host, "coord.example");
    EXPECT_EQ(e->port, 8443);
    EXPECT_EQ(e->path, "/agent/v1/connect");
    EXPECT_EQ(e->HostHeader(), "coord.example:8443");
}

TEST(EndpointTest, DefaultsToPort443AndRootPath) {
    auto e = ParseCoordinatorUrl("wss://coord.example");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->port, 443);
    EXPECT_EQ(e->path, "/");
}

TEST(EndpointTest, Ipv6LiteralIsUnbracketedButBracketedInHostHeader) {
    auto e = ParseCoordinatorUrl("wss://[::1]:9000/x?y=1");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->host, "::1");
    EXPECT_EQ(e->port, 9000);
    EXPECT_EQ(e->path, "/x?y=1");
    EXPECT_EQ(e->HostHeader(), "[::1]:9000");
    EXPECT_TRUE(net::IsIpLiteral(e->host));
    EXPECT_TRUE(net::IsIpLiteral("127.0.0.1"));
    EXPECT_FALSE(net::IsIpLiteral("localhost"));
}

TEST(EndpointTest, RefusesEverythingButWellFormedWss) {
    for (const char* url : {"ws://h/", "https://h/", "h:8443", "wss://", "wss://:8443/",
                            "wss://h:0/", "wss://h:65536/", "wss://h:x/", "wss://h:/",
                            "wss://user@h/", "wss://h/a b", "wss://h/#frag", "wss://[::1/"}) {
        auto e = ParseCoordinatorUrl(url);
        EXPECT_FALSE(e) << url;
        if (!e) {
            EXPECT_TRUE(e.error().Is(Errc::kInvalidArgument)) << url;
        }
    }
}

}  // namespace
}  // namespace waka::agent::link
