#include "agent/daemon/credential_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "tests/support/certs/test_pki.hpp"

namespace waka::agent::daemon {
namespace {

namespace fs = std::filesystem;

class CredentialStoreTest : public ::testing::Test {
protected:
    void SetUp() override { root_ = test::MakeTempDir("waka-credential"); }
    void TearDown() override { fs::remove_all(root_); }

    static unsigned Mode(const fs::path& path) {
        struct stat st {};
        EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
        return st.st_mode & 07777;
    }

    fs::path root_;
};

TEST_F(CredentialStoreTest, StateDirIsCreatedPrivate) {
    const auto dir = root_ / "nested" / "state";
    ASSERT_TRUE(EnsureStateDir(dir));
    EXPECT_TRUE(fs::is_directory(dir));
    EXPECT_EQ(Mode(dir), 0700u);
    ASSERT_TRUE(EnsureStateDir(dir));  // idempotent
}

TEST_F(CredentialStoreTest, NoCredentialBeforeEnrollment) {
    auto loaded = LoadCredential(root_);
    ASSERT_TRUE(loaded);
    EXPECT_FALSE(loaded->has_value());
}

TEST_F(CredentialStoreTest, StoredCredentialHasMode0600AndReadsBack) {
    ::umask(0);  // even a permissive umask must not widen the file
    ASSERT_TRUE(StoreCredential(root_, "cred-abc"));
    ::umask(022);
    EXPECT_EQ(Mode(root_ / "credential"), 0600u);
    auto loaded = LoadCredential(root_);
    ASSERT_TRUE(loaded);
    ASSERT_TRUE(loaded->has_value());
    EXPECT_EQ(**loaded, "cred-abc");
}

TEST_F(CredentialStoreTest, ReplaceIsAtomicAndLeavesNoTempFiles) {
    ASSERT_TRUE(StoreCredential(root_, "first"));
    struct stat before {};
    ASSERT_EQ(::stat((root_ / "credential").c_str(), &before), 0);
    ASSERT_TRUE(StoreCredential(root_, "second"));
    struct stat after {};
    ASSERT_EQ(::stat((root_ / "credential").c_str(), &after), 0);
    // A rename installs a new inode; an in-place rewrite would keep the old one.
    EXPECT_NE(before.st_ino, after.st_ino);
    EXPECT_EQ(**LoadCredential(root_), "second");
    EXPECT_EQ(Mode(root_ / "credential"), 0600u);
    int entries = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(root_)) {
        ++entries;
    }
    EXPECT_EQ(entries, 1);
}

TEST_F(CredentialStoreTest, RefusesEmptyOrMultiLineCredentials) {
    EXPECT_FALSE(StoreCredential(root_, ""));
    EXPECT_FALSE(StoreCredential(root_, "a\nb"));
    EXPECT_FALSE(fs::exists(root_ / "credential"));
}

TEST_F(CredentialStoreTest, StoreFailsCleanlyWhenTheDirectoryIsMissing) {
    auto stored = StoreCredential(root_ / "missing", "cred");
    ASSERT_FALSE(stored);
    EXPECT_TRUE(stored.error().Is(Errc::kIo));
}

TEST_F(CredentialStoreTest, TrailingNewlineIsNotPartOfTheCredential) {
    std::ofstream(root_ / "credential") << "hand-written\n";
    EXPECT_EQ(**LoadCredential(root_), "hand-written");
}

}  // namespace
}  // namespace waka::agent::daemon
