#include "coordinator/http/spool_file.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "shared/core/crypto.hpp"

namespace waka::coordinator::http {
namespace {

class SpoolFileTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() / ("waka-spool-test-" + RandomHex(8));
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    static std::string ReadAll(const std::filesystem::path& path) {
        std::ifstream in(path, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }

    std::filesystem::path dir_;
};

TEST_F(SpoolFileTest, WritesAndHashesWhatIsAppended) {
    auto spool = SpoolFile::Create(dir_);
    ASSERT_TRUE(spool) << spool.error().message;
    EXPECT_EQ(spool->Path().parent_path(), dir_);
    EXPECT_EQ(spool->Path().extension(), ".part");
    const std::string first(70000, 'a');
    const std::string second = "tail";
    ASSERT_TRUE(spool->Append(first.data(), first.size()));
    ASSERT_TRUE(spool->Append(second.data(), second.size()));
    auto sha = spool->Finish();
    ASSERT_TRUE(sha) << sha.error().message;
    EXPECT_EQ(*sha, Sha256Hex(first + second));
    EXPECT_EQ(spool->Size(), first.size() + second.size());
    EXPECT_EQ(ReadAll(spool->Path()), first + second);
    EXPECT_EQ(std::filesystem::status(spool->Path()).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST_F(SpoolFileTest, EachFileIsFreshAndOutlivesTheObject) {
    std::filesystem::path kept;
    {
        auto a = SpoolFile::Create(dir_);
        auto b = SpoolFile::Create(dir_);
        ASSERT_TRUE(a && b);
        EXPECT_NE(a->Path(), b->Path());
        kept = a->Path();
    }
    EXPECT_TRUE(std::filesystem::exists(kept));
}

TEST_F(SpoolFileTest, MissingDirectoryAndUseAfterFinishAreErrors) {
    auto missing = SpoolFile::Create(dir_ / "nope");
    ASSERT_FALSE(missing);
    EXPECT_TRUE(missing.error().Is(Errc::kIo));

    auto spool = SpoolFile::Create(dir_);
    ASSERT_TRUE(spool);
    ASSERT_TRUE(spool->Finish());
    EXPECT_FALSE(spool->Append("x", 1));
    EXPECT_FALSE(spool->Finish());
}

TEST_F(SpoolFileTest, RemoveStaleRemovesOnlyLeftOverUploads) {
    auto left_a = SpoolFile::Create(dir_);
    auto left_b = SpoolFile::Create(dir_);
    ASSERT_TRUE(left_a && left_b);
    std::ofstream(dir_ / "notes.txt") << "kept";
    std::filesystem::create_directories(dir_ / "upload-dir.part");
    auto removed = SpoolFile::RemoveStale(dir_);
    ASSERT_TRUE(removed) << removed.error().message;
    EXPECT_EQ(*removed, 2u);
    EXPECT_FALSE(std::filesystem::exists(left_a->Path()));
    EXPECT_FALSE(std::filesystem::exists(left_b->Path()));
    EXPECT_TRUE(std::filesystem::exists(dir_ / "notes.txt"));
    EXPECT_TRUE(std::filesystem::exists(dir_ / "upload-dir.part"));

    auto again = SpoolFile::RemoveStale(dir_);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, 0u);
    auto missing = SpoolFile::RemoveStale(dir_ / "nope");
    ASSERT_TRUE(missing);
    EXPECT_EQ(*missing, 0u);
}

}  // namespace
}  // namespace waka::coordinator::http
