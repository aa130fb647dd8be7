#include "ctl/http_client.hpp"

#include <gtest/gtest.h>

namespace waka::ctl {
namespace {

TEST(ParseUrl, HttpAndHttpsWithTheirDefaultPorts) {
    struct Case {
        std::string url;
        bool tls;
        std::string host;
        std::string port;
        std::string base_path;
    };
    for (const Case& c : std::vector<Case>{
             {"http://127.0.0.1:8000", false, "127.0.0.1", "8000", ""},
             {"http://coord.internal", false, "coord.internal", "8000", ""},
             {"https://coord.internal", true, "coord.internal", "443", ""},
             {"https://coord.internal:9443/waka/", true, "coord.internal", "9443", "/waka"},
             {"https://[::1]:8443", true, "::1", "8443", ""},
             {"https://[::1]", true, "::1", "443", ""}}) {
        const auto target = ParseUrl(c.url);
        ASSERT_TRUE(target) << c.url << ": " << target.error().message;
        EXPECT_EQ(target->tls, c.tls) << c.url;
        EXPECT_EQ(target->host, c.host) << c.url;
        EXPECT_EQ(target->port, c.port) << c.url;
        EXPECT_EQ(target->base_path, c.base_path) << c.url;
    }
}

TEST(ParseUrl, RefusesOtherSchemesAndEmptyHosts) {
    for (const std::string url : {"ftp://x", "coord.internal:8000", "https://", "http://:80",
                                  "https://host:", "http://host:abc", "https://user@host",
                                  "https://host/x?y=1", "https://host/#top"}) {
        const auto target = ParseUrl(url);
        ASSERT_FALSE(target) << url;
        EXPECT_FALSE(target.error().message.empty()) << url;
    }
}

TEST(Send, AnswersTransportFailuresAsErrorsNotExceptions) {
    // Port 1 on the loopback: nothing listens there in a test environment.
    const auto target = ParseUrl("https://127.0.0.1:1");
    ASSERT_TRUE(target) << target.error().message;
    const Answer answer = Send(*target, "token", "GET", "/health", "");
    EXPECT_EQ(answer.status, 0u);
    EXPECT_NE(answer.error.find("cannot connect to 127.0.0.1:1"), std::string::npos)
        << answer.error;
}

}  // namespace
}  // namespace waka::ctl
