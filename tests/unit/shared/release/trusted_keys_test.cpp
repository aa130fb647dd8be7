#include "shared/release/trusted_keys.hpp"

#include <gtest/gtest.h>

#include <functional>

namespace waka::release {
namespace {

ReleaseStatement Unsigned() {
    return {"platform", "webwaka-platform",     "4.2.0", std::string(64, 'c'),
            99,         "2026-12-02T10:00:00Z", ""};
}

class TrustedKeysTest : public ::testing::Test {
protected:
    PrivateKey trusted_ = PrivateKey::Generate().value();
    PrivateKey other_ = PrivateKey::Generate().value();
    TrustedKeys keys_;
    void SetUp() override { keys_.Add(trusted_.Public()); }

    [[nodiscard]] std::string RefusalOf(const SignedStatement& signed_statement) const {
        auto verified = keys_.Verify(signed_statement);
        if (verified) {
            return "accepted";
        }
        EXPECT_TRUE(verified.error().Is(Errc::kInvalidArgument));
        return verified.error().message;
    }
};

TEST_F(TrustedKeysTest, AcceptsAStatementSignedByATrustedKey) {
    auto signed_statement = SignRelease(trusted_, Unsigned()).value();
    auto verified = keys_.Verify(signed_statement);
    ASSERT_TRUE(verified) << verified.error().message;
    EXPECT_EQ(verified->version, "4.2.0");
    EXPECT_EQ(verified->key_id, trusted_.Public().Id());
}

TEST_F(TrustedKeysTest, RefusesEveryTamperedField) {
    auto good = SignRelease(trusted_, Unsigned()).value();
    std::vector<std::function<void(ReleaseStatement&)>> tampers = {
        [](auto& s) { s.component_type = "suite"; },
        [](auto& s) { s.component_name = "other"; },
        [](auto& s) { s.version = "4.2.1"; },
        [](auto& s) { s.sha256 = std::string(64, 'd'); },
        [](auto& s) { s.size = 100; },
        [](auto& s) { s.signed_at = "2027-01-01T00:00:00Z"; }};
    for (const auto& tamper : tampers) {
        ReleaseStatement changed = ParseReleaseStatement(good.statement).value();
        tamper(changed);
        std::string refusal = RefusalOf({CanonicalJson(changed), good.signature});
        EXPECT_NE(refusal.find("does not verify"), std::string::npos) << refusal;
    }
}

TEST_F(TrustedKeysTest, RefusesAnUnknownKey) {
    std::string refusal = RefusalOf(SignRelease(other_, Unsigned()).value());
    EXPECT_NE(refusal.find("unknown key " + other_.Public().Id()), std::string::npos) << refusal;
}

TEST_F(TrustedKeysTest, RefusesAKeyIdPointingAtAnotherTrustedKey) {
    // The statement claims the trusted key but was signed by another: the claim does not help.
    ReleaseStatement claimed = Unsigned();
    claimed.key_id = trusted_.Public().Id();
    std::string text = CanonicalJson(claimed);
    std::string refusal = RefusalOf({text, other_.Sign(SigningMessage(text)).value()});
    EXPECT_NE(refusal.find("does not verify"), std::string::npos) << refusal;
}

TEST_F(TrustedKeysTest, RefusesARevokedKeyEvenWhileItIsInstalled) {
    keys_.Revoke(trusted_.Public().Id());
    std::string refusal = RefusalOf(SignRelease(trusted_, Unsigned()).value());
    EXPECT_NE(refusal.find("revoked key"), std::string::npos) << refusal;
}

TEST_F(TrustedKeysTest, AcceptsEitherOfTwoKeysDuringARotation) {
    keys_.Add(other_.Public());
    EXPECT_TRUE(keys_.Verify(SignRelease(trusted_, Unsigned()).value()));
    EXPECT_TRUE(keys_.Verify(SignRelease(other_, Unsigned()).value()));
}

TEST_F(TrustedKeysTest, RefusesTruncatedStatementsAndSignatures) {
    auto good = SignRelease(trusted_, Unsigned()).value();
    EXPECT_NE(RefusalOf({good.statement.substr(0, good.statement.size() - 1), good.signature})
                  .find("not a JSON object"),
              std::string::npos);
    EXPECT_NE(RefusalOf({good.statement, good.signature.substr(0, 63)}).find("does not verify"),
              std::string::npos);
    EXPECT_NE(RefusalOf({good.statement, ""}).find("does not verify"), std::string::npos);
}

TEST_F(TrustedKeysTest, RefusesASignatureOverTheBareStatement) {
    // Signed without the domain prefix: such a signature could come from another protocol.
    ReleaseStatement statement = Unsigned();
    statement.key_id = trusted_.Public().Id();
    std::string text = CanonicalJson(statement);
    EXPECT_NE(RefusalOf({text, trusted_.Sign(text).value()}).find("does not verify"),
              std::string::npos);
}

}  // namespace
}  // namespace waka::release
