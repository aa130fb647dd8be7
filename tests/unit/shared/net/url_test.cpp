#include "shared/net/url.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace waka::net {
namespace {

TEST(ParseUrlTest, SplitsEveryPartAsWritten) {
    auto url = ParseUrl("wss://user@coord.example:8443/agent/v1/connect?x=%41#top");
    ASSERT_TRUE(url) << url.error().message;
    EXPECT_EQ(url->scheme, "wss");
    EXPECT_EQ(url->host, "coord.example");
    EXPECT_EQ(url->port, std::optional<std::string>("8443"));
    EXPECT_EQ(url->path, "/agent/v1/connect");
    EXPECT_EQ(url->query, std::optional<std::string>("x=%41"));
    EXPECT_TRUE(url->has_userinfo);
    EXPECT_TRUE(url->has_fragment);
}

TEST(ParseUrlTest, AbsentPartsAreTellableFromEmptyOnes) {
    struct Case {
        std::string text;
        std::string host;
        std::optional<std::string> port;
        std::string path;
        std::optional<std::string> query;
    };
    for (const Case& c : std::vector<Case>{
             {"https://h", "h", std::nullopt, "", std::nullopt},
             {"https://h:", "h", "", "", std::nullopt},
             {"https://h/?", "h", std::nullopt, "/", ""},
             {"https://[::1]:9000/x", "::1", "9000", "/x", std::nullopt},
             {"https://127.0.0.1", "127.0.0.1", std::nullopt, "", std::nullopt},
             {"https://:80", "", "80", "", std::nullopt},
             {"https://", "", std::nullopt, "", std::nullopt},
         }) {
        auto url = ParseUrl(c.text);
        ASSERT_TRUE(url) << c.text << ": " << url.error().message;
        EXPECT_EQ(url->host, c.host) << c.text;
        EXPECT_EQ(url->port, c.port) << c.text;
        EXPECT_EQ(url->path, c.path) << c.text;
        EXPECT_EQ(url->query, c.query) << c.text;
        EXPECT_FALSE(url->has_userinfo) << c.text;
        EXPECT_FALSE(url->has_fragment) << c.text;
    }
}

TEST(ParseUrlTest, RefusesWhatIsNoUrlWithAnAuthority) {
    for (const char* text : {"wss://[::1/", "wss://h/a b", "wss://h/a|b", "wss:h/x", "h:8443", "",
                             "wss://[fe80::1%25eth0]/"}) {
        auto url = ParseUrl(text);
        ASSERT_FALSE(url) << text;
        EXPECT_TRUE(url.error().Is(Errc::kInvalidArgument)) << text;
    }
}

// Boost.URL 1.81 stops a port at its first non-digit and takes the rest for a path without its
// leading '/'; such a URL is refused, naming the whole bad port.
TEST(ParseUrlTest, NonNumericPortsAreRefusedByName) {
    for (const auto& [text, port] : std::vector<std::pair<std::string, std::string>>{
             {"wss://h:x/", "x"}, {"wss://h:8443:1/", "8443:1"}, {"http://h:abc", "abc"}}) {
        auto url = ParseUrl(text);
        ASSERT_FALSE(url) << text;
        EXPECT_EQ(url.error().message, "bad port '" + port + "'") << text;
    }
}

TEST(IsIpLiteralTest, KnowsAddressesFromNames) {
    EXPECT_TRUE(IsIpLiteral("127.0.0.1"));
    EXPECT_TRUE(IsIpLiteral("::1"));
    EXPECT_TRUE(IsIpLiteral("2001:db8::5"));
    EXPECT_FALSE(IsIpLiteral("localhost"));
    EXPECT_FALSE(IsIpLiteral("[::1]"));
    EXPECT_FALSE(IsIpLiteral("1.2.3"));
    EXPECT_FALSE(IsIpLiteral(""));
}

}  // namespace
}  // namespace waka::net
