#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fstream>

#include "shared/core/crypto.hpp"
#include "shared/release/statement.hpp"
#include "shared/release/trusted_keys.hpp"
#include "tests/support/process/process.hpp"

// The built wakactl's offline publisher commands: keys generate and release sign, checked with
// the verifier the coordinator and the agents use.
namespace waka::test {
namespace {

class ReleaseCommandsTest : public ::testing::Test {
protected:
    std::filesystem::path dir_ =
        std::filesystem::temp_directory_path() / ("waka-release-cli-" + RandomHex(8));
    int runs_ = 0;
    std::string output_;

    void SetUp() override { std::filesystem::create_directories(dir_ / "keys"); }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    int Ctl(std::vector<std::string> args) {
        const auto log = dir_ / ("wakactl-" + std::to_string(++runs_) + ".out");
        Process process(WAKACTL_BIN, std::move(args), {}, log);
        auto status = process.Wait(std::chrono::seconds(60));
        output_ = ReadFile(log);
        return status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
    }

    std::filesystem::path Bundle(const std::string& content) {
        auto path = dir_ / "analytics-2.1.0.tar.gz";
        std::ofstream(path, std::ios::binary) << content;
        return path;
    }
};

TEST_F(ReleaseCommandsTest, GeneratedKeySignsABundleTheVerifierAccepts) {
    ASSERT_EQ(Ctl({"keys", "generate", "--dir", (dir_ / "keys").string()}), 0) << output_;
    struct stat st {};
    ASSERT_EQ(::stat((dir_ / "keys/release.key").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto bundle = Bundle("pretend this is a tarball");
    ASSERT_EQ(Ctl({"release", "sign", "--key", (dir_ / "keys/release.key").string(), "--type",
                   "suite", "--name", "analytics", "--version", "2.1.0", bundle.string()}),
              0)
        << output_;

    auto signed_file = release::DecodeSignedFile(ReadFile(bundle.string() + ".sig"));
    ASSERT_TRUE(signed_file) << signed_file.error().message;
    auto keys = release::TrustedKeys::FromDirectory(dir_ / "keys");
    ASSERT_TRUE(keys) << keys.error().message;
    auto statement = keys->Verify(*signed_file);
    ASSERT_TRUE(statement) << statement.error().message;
    EXPECT_NE(output_.find(statement->key_id), std::string::npos) << output_;
    EXPECT_TRUE(release::CheckDescribes(
        *statement, {"suite", "analytics", "2.1.0", Sha256File(bundle).value(), 25}));
}

TEST_F(ReleaseCommandsTest, NeverOverwritesAKeyAndRefusesABadComponentType) {
    ASSERT_EQ(Ctl({"keys", "generate", "--dir", (dir_ / "keys").string()}), 0) << output_;
    std::string first = ReadFile(dir_ / "keys/release.key");
    EXPECT_EQ(Ctl({"keys", "generate", "--dir", (dir_ / "keys").string()}), 1);
    EXPECT_NE(output_.find("release.key"), std::string::npos) << output_;
    EXPECT_EQ(ReadFile(dir_ / "keys/release.key"), first);

    auto bundle = Bundle("x");
    EXPECT_EQ(Ctl({"release", "sign", "--key", (dir_ / "keys/release.key").string(), "--type",
                   "kernel", "--name", "analytics", "--version", "2.1.0", bundle.string()}),
              1);
    EXPECT_NE(output_.find("component_type"), std::string::npos) << output_;
    EXPECT_FALSE(std::filesystem::exists(bundle.string() + ".sig"));
}

}  // namespace
}  // namespace waka::test
