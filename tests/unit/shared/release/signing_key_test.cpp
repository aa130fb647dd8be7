#include "shared/release/signing_key.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <fstream>

#include "shared/core/crypto.hpp"
#include "shared/release/trusted_keys.hpp"

namespace waka::release {
namespace {

class KeyFiles : public ::testing::Test {
protected:
    std::filesystem::path dir_ =
        std::filesystem::temp_directory_path() / ("waka-release-test-" + RandomHex(8));
    void SetUp() override { std::filesystem::create_directories(dir_); }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    void Write(const std::string& name, const std::string& text) {
        std::ofstream(dir_ / name) << text;
    }
};

TEST_F(KeyFiles, PrivateKeyIsWrittenOwnerOnlyAndReadBack) {
    auto key = PrivateKey::Generate().value();
    ASSERT_TRUE(key.WritePemFile(dir_ / "release.key"));
    struct stat st {};
    ASSERT_EQ(::stat((dir_ / "release.key").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto again = PrivateKey::FromPemFile(dir_ / "release.key");
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->Public().Id(), key.Public().Id());
    EXPECT_FALSE(key.WritePemFile(dir_ / "release.key")) << "an existing key is never overwritten";
}

TEST_F(KeyFiles, KeyIdIsDerivedFromThePublicKey) {
    auto a = PrivateKey::Generate().value();
    auto b = PrivateKey::Generate().value();
    EXPECT_EQ(a.Public().Id().rfind("ed25519:", 0), 0u);
    EXPECT_EQ(a.Public().Id().size(), 8u + 16u);
    EXPECT_NE(a.Public().Id(), b.Public().Id());
    auto reread = PublicKey::FromPem(a.Public().Pem());
    ASSERT_TRUE(reread);
    EXPECT_EQ(reread->Id(), a.Public().Id());
}

TEST_F(KeyFiles, RefusesKeysThatAreNotEd25519) {
    EVP_PKEY* rsa = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
    ASSERT_NE(rsa, nullptr);
    FILE* file = std::fopen((dir_ / "rsa.pub").c_str(), "w");
    PEM_write_PUBKEY(file, rsa);
    std::fclose(file);
    EVP_PKEY_free(rsa);
    auto key = PublicKey::FromPemFile(dir_ / "rsa.pub");
    ASSERT_FALSE(key);
    EXPECT_NE(key.error().message.find("not an Ed25519 key"), std::string::npos);
    Write("garbage.pub", "hello");
    EXPECT_FALSE(PublicKey::FromPemFile(dir_ / "garbage.pub"));
}

TEST_F(KeyFiles, DirectoryLoadsEveryPubFileAndNamesABadOne) {
    auto a = PrivateKey::Generate().value();
    auto b = PrivateKey::Generate().value();
    Write("a.pub", a.Public().Pem());
    Write("b.pub", b.Public().Pem());
    Write("README", "not a key, not read");
    auto keys = TrustedKeys::FromDirectory(dir_);
    ASSERT_TRUE(keys) << keys.error().message;
    EXPECT_EQ(keys->KeyIds().size(), 2u);
    Write("broken.pub", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
    auto broken = TrustedKeys::FromDirectory(dir_);
    ASSERT_FALSE(broken);
    EXPECT_NE(broken.error().message.find("broken.pub"), std::string::npos);
    auto missing = TrustedKeys::FromDirectory(dir_ / "absent");
    ASSERT_TRUE(missing);
    EXPECT_TRUE(missing->Empty());
}

TEST(Base64, RoundTripsEveryLength) {
    std::string bytes;
    for (int i = 0; i < 70; ++i) {
        auto decoded = Base64Decode(Base64Encode(bytes));
        ASSERT_TRUE(decoded);
        EXPECT_EQ(*decoded, bytes);
        bytes.push_back(static_cast<char>(i * 37));
    }
    EXPECT_FALSE(Base64Decode("abc"));
    EXPECT_FALSE(Base64Decode("ab!="));
}

}  // namespace
}  // namespace waka::release
