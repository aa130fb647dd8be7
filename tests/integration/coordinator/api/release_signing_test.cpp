// Uploads carry the publisher's signed release statement (ADR 0021): every refusal is a 422 that
// names its check and stores nothing; the real PostgreSQL and the real trusted-key directory.
#include "coordinator/domain/artifact_files.hpp"
#include "shared/core/crypto.hpp"
#include "shared/release/statement.hpp"
#include "tests/integration/coordinator/api/api_fixture.hpp"

namespace waka::coordinator::api::testing {
namespace {

// The .sig file as a header value: one line, without its newline.
std::string OneLine(std::string text) {
    while (!text.empty() && text.back() == '\n') {
        text.pop_back();
    }
    return text;
}

const std::string kBytes = "a bundle's bytes, as the publisher signed them";

class ReleaseSigningTest : public ApiTest {
protected:
    void SetUp() override {
        ApiTest::SetUp();
        CreateVersion("suite", "commerce", "1.5.0");
    }

    // Uploads kBytes with `statement` and expects 422 naming `check`, and nothing stored.
    void ExpectRefused(const std::string& header, const std::string& check) {
        auto refused = UploadUnsigned("suite", "commerce", "1.5.0", kBytes,
                                      {{"X-Waka-Release-Signature", header}});
        EXPECT_EQ(refused.status, 422u) << refused.body;
        EXPECT_NE(Str(Object(refused), "detail").find(check), std::string::npos) << refused.body;
        ExpectNothingStored();
    }

    void ExpectNothingStored() {
        EXPECT_EQ(Count("artifacts"), 0);
        EXPECT_EQ(SqlValue("SELECT artifact_sha256 FROM releases"), "<null>");
        EXPECT_EQ(SqlValue("SELECT release_statement FROM releases"), "<null>");
        EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action IN ('artifact.upload', "
                           "'release.sign')"),
                  "0");
        EXPECT_FALSE(std::filesystem::exists(
            domain::ArtifactFilePath(dir_ / "artifacts", Sha256Hex(kBytes))));
    }

    std::string Header(const test::TestPublisher& by, const std::string& version,
                       const std::string& bytes) {
        return OneLine(release::EncodeSignedFile(
            by.Sign("suite", "commerce", version, Sha256Hex(bytes), bytes.size())));
    }
};

TEST_F(ReleaseSigningTest, SignedUploadIsStoredWithItsStatementAndAudited) {
    auto uploaded = Upload("suite", "commerce", "1.5.0", kBytes);
    ASSERT_EQ(uploaded.status, 201u) << uploaded.body;
    EXPECT_EQ(Str(Object(uploaded), "release_key_id"), publisher_.KeyId());
    const auto expected =
        publisher_.Sign("suite", "commerce", "1.5.0", Sha256Hex(kBytes), kBytes.size());
    EXPECT_EQ(SqlValue("SELECT release_statement FROM releases"), expected.statement);
    EXPECT_EQ(SqlValue("SELECT release_signature FROM releases"),
              release::Base64Encode(expected.signature));
    EXPECT_EQ(SqlValue("SELECT details->>'release_key_id' FROM audit_log WHERE action = "
                       "'artifact.upload'"),
              publisher_.KeyId());
    auto version = Object(client_->Get("/api/v1/versions/suite/commerce/1.5.0"));
    EXPECT_EQ(Str(version, "release_key_id"), publisher_.KeyId());
}

TEST_F(ReleaseSigningTest, UnsignedUploadIsRefusedWhileSignaturesAreRequired) {
    auto refused = UploadUnsigned("suite", "commerce", "1.5.0", kBytes);
    EXPECT_EQ(refused.status, 422u) << refused.body;
    EXPECT_NE(Str(Object(refused), "detail").find("X-Waka-Release-Signature: required"),
              std::string::npos)
        << refused.body;
    ExpectNothingStored();
}

TEST_F(ReleaseSigningTest, EachBadStatementIsRefusedByName) {
    ExpectRefused("not json", "X-Waka-Release-Signature: ");
    ExpectRefused(Header(publisher_, "1.6.0", kBytes), "release statement is for version '1.6.0'");
    ExpectRefused(Header(publisher_, "1.5.0", "other bytes"), "release statement is for sha256");
    test::TestPublisher stranger;
    ExpectRefused(Header(stranger, "1.5.0", kBytes), "signed by unknown key " + stranger.KeyId());

    auto tampered = publisher_.Sign("suite", "commerce", "1.5.0", Sha256Hex(kBytes), kBytes.size());
    tampered.signature[0] = static_cast<char>(tampered.signature[0] ^ 1);
    ExpectRefused(OneLine(release::EncodeSignedFile(tampered)), "signature does not verify");

    auto truncated = OneLine(release::EncodeSignedFile(
        publisher_.Sign("suite", "commerce", "1.5.0", Sha256Hex(kBytes), kBytes.size())));
    ExpectRefused(truncated.substr(0, truncated.size() / 2), "X-Waka-Release-Signature: ");
}

TEST_F(ReleaseSigningTest, RevokedKeyIsRefusedWhileItsFileIsInstalled) {
    context_->release_trust.revoked_key_ids.insert(publisher_.KeyId());
    ExpectRefused(Header(publisher_, "1.5.0", kBytes),
                  "signed by revoked key " + publisher_.KeyId());
}

// Key rotation: the same bytes with a statement by the new key replace the stored one.
TEST_F(ReleaseSigningTest, SameBytesWithANewKeysStatementAreResigned) {
    ASSERT_EQ(Upload("suite", "commerce", "1.5.0", kBytes).status, 201u);
    test::TestPublisher next_key;
    next_key.InstallPublicKey(dir_ / "release-keys", "next");
    auto resigned =
        UploadUnsigned("suite", "commerce", "1.5.0", kBytes,
                       {{"X-Waka-Release-Signature", Header(next_key, "1.5.0", kBytes)}});
    ASSERT_EQ(resigned.status, 200u) << resigned.body;
    EXPECT_EQ(Str(Object(resigned), "release_key_id"), next_key.KeyId());
    EXPECT_EQ(SqlValue("SELECT release_key_id FROM releases"), next_key.KeyId());
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action = 'release.sign'"), "1");
    EXPECT_EQ(Count("artifacts"), 1);
}

TEST_F(ReleaseSigningTest, UnsignedUploadIsAcceptedOnlyWhenNotRequired) {
    context_->release_trust.require_signed = false;
    auto uploaded = UploadUnsigned("suite", "commerce", "1.5.0", kBytes);
    ASSERT_EQ(uploaded.status, 201u) << uploaded.body;
    EXPECT_EQ(Str(Object(uploaded), "release_key_id"), "<null>");
    // A statement, when there is one, is still checked.
    CreateVersion("suite", "commerce", "1.6.0");
    auto bad = UploadUnsigned("suite", "commerce", "1.6.0", kBytes,
                              {{"X-Waka-Release-Signature", Header(publisher_, "1.5.0", kBytes)}});
    EXPECT_EQ(bad.status, 422u) << bad.body;
}

}  // namespace
}  // namespace waka::coordinator::api::testing
