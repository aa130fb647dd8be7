#include "shared/release/statement.hpp"

#include <gtest/gtest.h>

#include <functional>

namespace waka::release {
namespace {

ReleaseStatement Sample() {
    return {"suite",
            "analytics",
            "2.1.0",
            std::string(64, 'a'),
            1234,
            "2026-12-02T10:00:00Z",
            "ed25519:0123456789abcdef"};
}

TEST(ReleaseStatement, CanonicalJsonHasKeysInByteOrderAndNoSpace) {
    EXPECT_EQ(CanonicalJson(Sample()),
              R"({"component_name":"analytics","component_type":"suite",)"
              R"("key_id":"ed25519:0123456789abcdef","sha256":")" +
                  std::string(64, 'a') +
                  R"(","signed_at":"2026-12-02T10:00:00Z","size":1234,"version":"2.1.0"})");
}

TEST(ReleaseStatement, ParsesItsCanonicalForm) {
    auto parsed = ParseReleaseStatement(CanonicalJson(Sample()));
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(*parsed, Sample());
}

struct BadStatement {
    std::string name;
    std::function<std::string()> text;
    std::string expected_message;
};

class BadStatements : public ::testing::TestWithParam<BadStatement> {};

TEST_P(BadStatements, AreRefusedWithTheCheckNamed) {
    auto parsed = ParseReleaseStatement(GetParam().text());
    ASSERT_FALSE(parsed);
    EXPECT_TRUE(parsed.error().Is(Errc::kInvalidArgument));
    EXPECT_NE(parsed.error().message.find(GetParam().expected_message), std::string::npos)
        << parsed.error().message;
}

std::string WithField(std::function<void(ReleaseStatement&)> change) {
    ReleaseStatement s = Sample();
    change(s);
    return CanonicalJson(s);
}

std::string Replace(std::string text, std::string_view from, std::string_view to) {
    text.replace(text.find(from), from.size(), to);
    return text;
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadStatements,
    ::testing::Values(
        BadStatement{"Truncated", [] { return CanonicalJson(Sample()).substr(0, 40); },
                     "not a JSON object"},
        BadStatement{"Empty", [] { return std::string(); }, "not a JSON object"},
        BadStatement{"Array", [] { return std::string("[]"); }, "not a JSON object"},
        BadStatement{"WhiteSpace", [] { return Replace(CanonicalJson(Sample()), ",", ", "); },
                     "canonical"},
        BadStatement{"KeyOrder",
                     [] {
                         return Replace(CanonicalJson(Sample()),
                                        R"("component_name":"analytics","component_type":"suite")",
                                        R"("component_type":"suite","component_name":"analytics")");
                     },
                     "canonical"},
        BadStatement{"ExtraField",
                     [] { return Replace(CanonicalJson(Sample()), "{", R"({"a":"b",)"); },
                     "exactly the fields"},
        BadStatement{"DuplicateField",
                     [] {
                         return Replace(CanonicalJson(Sample()), R"("size":1234)",
                                        R"("size":1,"size":1234)");
                     },
                     "canonical"},
        BadStatement{
            "SizeAsString",
            [] { return Replace(CanonicalJson(Sample()), R"("size":1234)", R"("size":"1234")"); },
            "size must be"},
        BadStatement{
            "NegativeSize",
            [] { return Replace(CanonicalJson(Sample()), R"("size":1234)", R"("size":-1)"); },
            "size must be"},
        BadStatement{"UnknownType",
                     [] { return WithField([](auto& s) { s.component_type = "kernel"; }); },
                     "component_type"},
        BadStatement{"UpperCaseDigest",
                     [] { return WithField([](auto& s) { s.sha256 = std::string(64, 'A'); }); },
                     "sha256"},
        BadStatement{
            "LocalTime",
            [] { return WithField([](auto& s) { s.signed_at = "2026-12-02T10:00:00+01"; }); },
            "signed_at"},
        BadStatement{"KeyIdShape",
                     [] { return WithField([](auto& s) { s.key_id = "rsa:0123456789abcdef"; }); },
                     "key_id"},
        BadStatement{"EmptyVersion", [] { return WithField([](auto& s) { s.version.clear(); }); },
                     "version"}),
    [](const auto& test_info) { return test_info.param.name; });

TEST(ReleaseStatement, CheckDescribesNamesTheFieldThatDiffers) {
    ReleaseIdentity same{"suite", "analytics", "2.1.0", std::string(64, 'a'), 1234};
    EXPECT_TRUE(CheckDescribes(Sample(), same));
    struct Case {
        std::function<void(ReleaseIdentity&)> change;
        std::string field;
    };
    for (const auto& [change, field] :
         std::vector<Case>{{[](auto& r) { r.component_type = "capability"; }, "component_type"},
                           {[](auto& r) { r.component_name = "billing"; }, "component_name"},
                           {[](auto& r) { r.version = "2.1.1"; }, "version"},
                           {[](auto& r) { r.sha256 = std::string(64, 'b'); }, "sha256"},
                           {[](auto& r) { r.size = 1235; }, "size"}}) {
        ReleaseIdentity other = same;
        change(other);
        auto checked = CheckDescribes(Sample(), other);
        ASSERT_FALSE(checked) << field;
        EXPECT_NE(checked.error().message.find(field), std::string::npos)
            << checked.error().message;
    }
}

TEST(SignedFile, RoundTrips) {
    SignedStatement original{CanonicalJson(Sample()), std::string(64, '\x7f')};
    auto decoded = DecodeSignedFile(EncodeSignedFile(original));
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(decoded->statement, original.statement);
    EXPECT_EQ(decoded->signature, original.signature);
}

TEST(SignedFile, RefusesOtherFormatsShortSignaturesAndHugeFiles) {
    SignedStatement original{CanonicalJson(Sample()), std::string(64, 'x')};
    std::string good = EncodeSignedFile(original);
    EXPECT_FALSE(DecodeSignedFile(Replace(good, "waka-release-statement/1", "other/1")));
    EXPECT_FALSE(DecodeSignedFile(
        EncodeSignedFile(SignedStatement{original.statement, std::string(63, 'x')})));
    EXPECT_FALSE(DecodeSignedFile(good.substr(0, good.size() / 2)));
    EXPECT_FALSE(DecodeSignedFile(std::string(kMaxSignedFileBytes + 1, ' ')));
    auto bad64 = DecodeSignedFile(Replace(good, R"("signature":")", R"("signature":"!)"));
    ASSERT_FALSE(bad64);
    EXPECT_NE(bad64.error().message.find("base64"), std::string::npos);
}

}  // namespace
}  // namespace waka::release
