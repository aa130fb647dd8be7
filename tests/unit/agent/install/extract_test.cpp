#include "agent/install/extract.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "tests/unit/agent/install/archive_builder.hpp"
#include "tests/unit/agent/install/temp_dir.hpp"

namespace waka::agent::install {
namespace {
namespace fs = std::filesystem;
using testing::ArchiveBuilder;
using testing::TempDir;

std::string ReadFile(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

class ExtractTest : public ::testing::Test {
protected:
    Expected<ExtractStats> Extract(const ArchiveBuilder& builder, ExtractLimits limits = {}) {
        builder.Write(archive_);
        return ExtractBundle(archive_, dest_, limits);
    }
    // A refusal leaves nothing behind: neither the destination nor anything outside it.
    void ExpectRefused(const ArchiveBuilder& builder, std::string_view needle,
                       ExtractLimits limits = {}) {
        auto r = Extract(builder, limits);
        ASSERT_FALSE(r) << "archive was accepted";
        EXPECT_TRUE(r.error().Is(Errc::kUnsafe)) << r.error().message;
        EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
        EXPECT_FALSE(fs::exists(dest_));
        EXPECT_FALSE(fs::exists(dir_.path() / "evil"));
    }

    TempDir dir_;
    fs::path archive_ = dir_.path() / "bundle.tar.gz";
    fs::path dest_ = dir_.path() / "out" / "1.0.0";

    void SetUp() override { fs::create_directories(dest_.parent_path()); }
};

TEST_F(ExtractTest, ExtractsFilesDirectoriesAndInnerLinks) {
    ArchiveBuilder b;
    b.BundleJson("suite", "commerce", "1.0.0")
        .Directory("bin")
        .File("bin/app", "binary", 0755)
        .File("./share/data.txt", "data")
        .Symlink("bin/data", "../share/data.txt")
        .Symlink("latest", "bin")
        .Hardlink("share/copy.txt", "share/data.txt");
    auto r = Extract(b);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(ReadFile(dest_ / "bin/data"), "data");
    EXPECT_EQ(ReadFile(dest_ / "share/copy.txt"), "data");
    EXPECT_EQ(fs::read_symlink(dest_ / "latest"), "bin");
    EXPECT_TRUE((fs::status(dest_ / "bin/app").permissions() & fs::perms::owner_exec) !=
                fs::perms::none);
    EXPECT_EQ(r->bytes, 6u + 4u + ReadFile(dest_ / "bundle.json").size());
}

TEST_F(ExtractTest, StripsSetuidAndSetgidBits) {
    auto r = Extract(ArchiveBuilder().File("tool", "x", 06755));
    ASSERT_TRUE(r) << r.error().message;
    struct stat st {};
    ASSERT_EQ(::stat((dest_ / "tool").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & (S_ISUID | S_ISGID), 0u);
    EXPECT_NE(st.st_mode & S_IXUSR, 0u);
}

TEST_F(ExtractTest, RefusesDotDot) {
    ExpectRefused(ArchiveBuilder().File("ok", "x").File("../evil", "x"), "entry '../evil'");
}

TEST_F(ExtractTest, RefusesNestedDotDot) {
    ExpectRefused(ArchiveBuilder().File("a/../../evil", "x"), "'..'");
}

TEST_F(ExtractTest, RefusesAbsolutePath) {
    ExpectRefused(ArchiveBuilder().File("/etc/x", "x"), "entry '/etc/x'");
}

TEST_F(ExtractTest, RefusesSymlinkToAbsolutePath) {
    ExpectRefused(ArchiveBuilder().Symlink("etc", "/etc"), "entry 'etc'");
}

TEST_F(ExtractTest, RefusesSymlinkClimbingOut) {
    ExpectRefused(ArchiveBuilder().Directory("a").Symlink("a/b", "../../x"), "leaves the bundle");
}

TEST_F(ExtractTest, RefusesSymlinkWithDotDotAfterAName) {
    ExpectRefused(ArchiveBuilder().Symlink("b", ".").Symlink("a", "b/x/../.."),
                  "leaves the bundle");
}

TEST_F(ExtractTest, RefusesWritingThroughAnInnerSymlink) {
    ExpectRefused(ArchiveBuilder().Directory("d").Symlink("l", "d").File("l/f", "x"),
                  "not a directory");
}

TEST_F(ExtractTest, RefusesHardlinkOutside) {
    ExpectRefused(ArchiveBuilder().Hardlink("h", "../evil"), "entry 'h'");
}

TEST_F(ExtractTest, RefusesHardlinkToAbsolutePath) {
    ExpectRefused(ArchiveBuilder().Hardlink("h", "/etc/passwd"), "entry 'h'");
}

TEST_F(ExtractTest, RefusesHardlinkToASymlink) {
    ExpectRefused(
        ArchiveBuilder().Directory("a").Symlink("a/s", "../f").File("f", "x").Hardlink("h", "a/s"),
        "not a regular file");
}

TEST_F(ExtractTest, RefusesCharacterDevice) {
    ExpectRefused(ArchiveBuilder().File("ok", "x").CharDevice("null"), "device file");
}

TEST_F(ExtractTest, RefusesFifo) { ExpectRefused(ArchiveBuilder().Fifo("pipe"), "FIFO"); }

TEST_F(ExtractTest, RefusesDuplicateEntries) {
    ExpectRefused(ArchiveBuilder().File("f", "a").Symlink("f", "g"), "twice");
}

TEST_F(ExtractTest, RefusesTooManyEntries) {
    ExpectRefused(ArchiveBuilder().File("a", "").File("b", "").File("c", ""), "entry 'c'",
                  ExtractLimits{.max_entries = 2});
}

TEST_F(ExtractTest, RefusesOversizeContent) {
    ExpectRefused(
        ArchiveBuilder().File("a", std::string(600, 'a')).File("b", std::string(600, 'b')),
        "unpacked size limit", ExtractLimits{.max_unpacked_bytes = 1000});
}

TEST_F(ExtractTest, RefusesOversizeArchive) {
    ExpectRefused(ArchiveBuilder().File("a", "x"), "exceeds the limit",
                  ExtractLimits{.max_archive_bytes = 10});
}

TEST_F(ExtractTest, CorruptArchiveIsInvalidAndLeavesNothing) {
    {
        std::ofstream out(archive_);
        out << "this is not a tarball";
    }
    auto r = ExtractBundle(archive_, dest_, {});
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().Is(Errc::kInvalidArgument)) << r.error().message;
    EXPECT_FALSE(fs::exists(dest_));
}

TEST_F(ExtractTest, RefusesExistingDestination) {
    fs::create_directories(dest_);
    ArchiveBuilder().File("a", "x").Write(archive_);
    auto r = ExtractBundle(archive_, dest_, {});
    ASSERT_FALSE(r);
    EXPECT_TRUE(fs::exists(dest_));
}

}  // namespace
}  // namespace waka::agent::install
