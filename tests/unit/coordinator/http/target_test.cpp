#include "coordinator/http/target.hpp"

#include <gtest/gtest.h>

#include "coordinator/http/fields.hpp"
#include "coordinator/http/message.hpp"

namespace waka::coordinator::http {
namespace {

using Query = std::vector<std::pair<std::string, std::string>>;

struct DecodeCase {
    std::string target;
    std::string path;
    Query query;
};

TEST(DecodeTargetTest, DecodesPathAndQuery) {
    const std::vector<DecodeCase> cases = {
        {"/", "/", {}},
        {"/api/v1/versions", "/api/v1/versions", {}},
        {"/api/v1/policies?instance_id=instance-prod-01&policy_type=manual_approval"
         "&description=Production%20requires%20approval",
         "/api/v1/policies",
         {{"instance_id", "instance-prod-01"},
          {"policy_type", "manual_approval"},
          {"description", "Production requires approval"}}},
        {"/a?description=Production+requires+approval",
         "/a",
         {{"description", "Production requires approval"}}},
        {"/a?x=1%2B1&x=2", "/a", {{"x", "1+1"}, {"x", "2"}}},
        {"/a%20b/c%2Fd", "/a b/c/d", {}},
        {"/a+b", "/a+b", {}},
        {"/a?flag&empty=&=v", "/a", {{"flag", ""}, {"empty", ""}, {"", "v"}}},
        {"/a?", "/a", {}},
        {"/a?x=1&&y=2&", "/a", {{"x", "1"}, {"y", "2"}}},
        {"/caf%C3%A9", "/caf\xC3\xA9", {}},
    };
    for (const auto& c : cases) {
        auto decoded = DecodeTarget(c.target);
        ASSERT_TRUE(decoded) << c.target << ": " << decoded.error().message;
        EXPECT_EQ(decoded->path, c.path) << c.target;
        EXPECT_EQ(decoded->query, c.query) << c.target;
    }
}

TEST(DecodeTargetTest, RefusesWhatIsNotACleanOriginForm) {
    for (const char* target : {"", "*", "http://host/a", "a/b", "/a%", "/a%2", "/a%zz", "/a%00",
                               "/a?x=%00", "/a?%00=1", "/a?x=%q0", "/a b", "/a#frag"}) {
        auto decoded = DecodeTarget(target);
        ASSERT_FALSE(decoded) << target;
        EXPECT_TRUE(decoded.error().Is(Errc::kInvalidArgument)) << target;
    }
}

TEST(RequestIdTest, AcceptsOnlyShortSafeTokens) {
    EXPECT_TRUE(IsSaneRequestId("abc-123_4.5"));
    EXPECT_TRUE(IsSaneRequestId(std::string(128, 'a')));
    EXPECT_FALSE(IsSaneRequestId(std::string(129, 'a')));
    EXPECT_FALSE(IsSaneRequestId(""));
    EXPECT_FALSE(IsSaneRequestId("a b"));
    EXPECT_FALSE(IsSaneRequestId("a\r\nX-Injected: 1"));
    EXPECT_FALSE(IsSaneRequestId("caf\xC3\xA9"));
}

TEST(FieldsTest, ServerOwnsFramingHeaders) {
    EXPECT_TRUE(IsServerOwnedHeader("Content-Length"));
    EXPECT_TRUE(IsServerOwnedHeader("connection"));
    EXPECT_TRUE(IsServerOwnedHeader("TRANSFER-ENCODING"));
    EXPECT_TRUE(IsServerOwnedHeader("X-Request-Id"));
    EXPECT_FALSE(IsServerOwnedHeader("Content-Range"));
    EXPECT_EQ(AsciiLower("X-Request-ID"), "x-request-id");
}

TEST(MessageTest, HeaderAndQueryLookups) {
    Request request;
    request.headers = {{"content-type", "application/json"}, {"x-a", "1"}, {"x-a", "2"}};
    request.query = {{"limit", "10"}, {"limit", "20"}, {"cursor", ""}};
    ASSERT_NE(request.Header("x-a"), nullptr);
    EXPECT_EQ(*request.Header("x-a"), "1");
    ASSERT_NE(request.Header("Content-Type"), nullptr);
    EXPECT_EQ(request.Header("authorization"), nullptr);
    EXPECT_EQ(request.Query("limit"), "10");
    EXPECT_EQ(request.Query("cursor"), "");
    EXPECT_EQ(request.Query("missing"), std::nullopt);
}

TEST(MessageTest, JsonErrorFollowsTheApiConvention) {
    const Response response = JsonError(409, "a \"quoted\" clash", "conflict");
    EXPECT_EQ(response.status, 409u);
    EXPECT_EQ(response.content_type, "application/json");
    EXPECT_EQ(response.body, R"({"detail":"a \"quoted\" clash","code":"conflict"})");
}

}  // namespace
}  // namespace waka::coordinator::http
