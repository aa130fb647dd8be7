#include "shared/release/floor.hpp"

#include <gtest/gtest.h>

#include "shared/release/trusted_keys.hpp"

namespace waka::release {
namespace {

FloorStatement Floor(std::string min_version = "2.1.0") {
    return {"suite", "commerce", std::move(min_version), "CVE-2026-0001", "2026-12-03T10:00:00Z",
            ""};
}

class FloorTest : public ::testing::Test {
protected:
    PrivateKey publisher_ = PrivateKey::Generate().value();
    TrustedKeys keys_;
    void SetUp() override { keys_.Add(publisher_.Public()); }

    [[nodiscard]] std::string RefusalOf(const SignedStatement& signed_floor) const {
        auto verified = keys_.VerifyFloor(signed_floor);
        return verified ? "accepted" : verified.error().message;
    }
};

TEST_F(FloorTest, CanonicalFormIsKeysInByteOrderWithoutSpaces) {
    auto floor = Floor();
    floor.key_id = "ed25519:0123456789abcdef";
    EXPECT_EQ(CanonicalFloorJson(floor),
              R"({"component_name":"commerce","component_type":"suite",)"
              R"("key_id":"ed25519:0123456789abcdef","min_version":"2.1.0",)"
              R"("reason":"CVE-2026-0001","signed_at":"2026-12-03T10:00:00Z"})");
    auto parsed = ParseFloorStatement(CanonicalFloorJson(floor));
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(*parsed, floor);
}

TEST_F(FloorTest, VerificationTable) {
    auto good = SignFloor(publisher_, Floor()).value();
    EXPECT_EQ(RefusalOf(good), "accepted");

    auto tampered = good;
    tampered.statement.replace(tampered.statement.find("2.1.0"), 5, "0.0.1");
    EXPECT_NE(RefusalOf(tampered).find("signature does not verify"), std::string::npos);

    PrivateKey stranger = PrivateKey::Generate().value();
    EXPECT_NE(RefusalOf(SignFloor(stranger, Floor()).value()).find("signed by unknown key"),
              std::string::npos);

    TrustedKeys revoking = keys_;
    revoking.Revoke(publisher_.Public().Id());
    auto revoked = revoking.VerifyFloor(good);
    ASSERT_FALSE(revoked);
    EXPECT_NE(revoked.error().message.find("signed by revoked key"), std::string::npos);

    auto truncated = good;
    truncated.statement.resize(truncated.statement.size() / 2);
    EXPECT_NE(RefusalOf(truncated).find("floor statement: not a JSON object"), std::string::npos);

    auto spaced = good;
    spaced.statement.insert(1, " ");
    EXPECT_NE(RefusalOf(spaced).find("not in canonical form"), std::string::npos);
}

// A release statement's signature never passes for a floor's, nor the reverse (domain prefixes).
TEST_F(FloorTest, ReleaseSignatureDoesNotPassForAFloor) {
    auto floor = SignFloor(publisher_, Floor()).value();
    auto as_release = publisher_.Sign(SigningMessage(floor.statement)).value();
    EXPECT_NE(RefusalOf({floor.statement, as_release}).find("signature does not verify"),
              std::string::npos);
}

TEST_F(FloorTest, BadFieldsAreRefusedBeforeSigning) {
    EXPECT_FALSE(SignFloor(publisher_, Floor("two")));
    auto no_reason = Floor();
    no_reason.reason.clear();
    EXPECT_FALSE(SignFloor(publisher_, no_reason));
}

TEST_F(FloorTest, FloorFileRoundTripsAndNamesItsFormat) {
    auto signed_floor = SignFloor(publisher_, Floor()).value();
    auto decoded = DecodeFloorFile(EncodeFloorFile(signed_floor));
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(decoded->statement, signed_floor.statement);
    EXPECT_EQ(decoded->signature, signed_floor.signature);
    auto as_release_file = DecodeFloorFile(EncodeSignedFile(signed_floor));
    ASSERT_FALSE(as_release_file);
    EXPECT_NE(as_release_file.error().message.find("format must be waka-release-floor/1"),
              std::string::npos);
}

TEST_F(FloorTest, BelowAndRaisesFollowSemVerPrecedence) {
    const auto floor = Floor("2.1.0");
    EXPECT_TRUE(IsBelowFloor("2.0.9", floor));
    EXPECT_TRUE(IsBelowFloor("2.1.0-rc.1", floor));
    EXPECT_FALSE(IsBelowFloor("2.1.0", floor));
    EXPECT_FALSE(IsBelowFloor("10.0.0", floor));
    EXPECT_TRUE(RaisesFloor(Floor("2.10.0"), floor));
    EXPECT_FALSE(RaisesFloor(Floor("2.1.0"), floor));
    EXPECT_FALSE(RaisesFloor(Floor("2.0.0"), floor));
}

}  // namespace
}  // namespace waka::release
