#include "agent/journal/journal.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "agent/journal/durable_file.hpp"
#include "tests/unit/agent/install/temp_dir.hpp"

namespace waka::agent::journal {
namespace {
namespace fs = std::filesystem;
using install::testing::TempDir;

OperationRecord SampleRecord(std::string op_id) {
    OperationRecord r;
    r.op_id = std::move(op_id);
    r.kind = "deploy";
    r.configuration_json = R"({"db":"x"})";
    ComponentRecord c;
    c.change = {"suite", "commerce", "1.0.0", "1.1.0", std::string(64, 'a'), 42, "/artifacts/a"};
    c.previous_version = "1.0.0";
    c.phase = Phase::kSwitched;
    r.components.push_back(c);
    return r;
}

class JournalTest : public ::testing::Test {
protected:
    TempDir dir_;
    Journal journal_ = *Journal::Open(dir_.path());
};

TEST_F(JournalTest, RoundTripsARecord) {
    OperationRecord r = SampleRecord("op-1");
    r.result = model::OperationResult{
        "op-1", model::Outcome::kRolledBack, "boom", {{"suite", "commerce", "1.0.0"}}};
    r.finished_at_ms = 17;
    r.recovery_attempts = 2;
    ASSERT_TRUE(journal_.Write(r));
    auto read = journal_.Read("op-1");
    ASSERT_TRUE(read) << read.error().message;
    ASSERT_TRUE(read->has_value());
    const OperationRecord& got = **read;
    EXPECT_EQ(got.kind, "deploy");
    EXPECT_EQ(got.configuration_json, r.configuration_json);
    ASSERT_EQ(got.components.size(), 1u);
    EXPECT_EQ(got.components[0].change.to_version, "1.1.0");
    EXPECT_EQ(got.components[0].change.size, 42u);
    EXPECT_EQ(got.components[0].phase, Phase::kSwitched);
    EXPECT_EQ(got.components[0].previous_version, "1.0.0");
    ASSERT_TRUE(got.result);
    EXPECT_EQ(got.result->outcome, model::Outcome::kRolledBack);
    EXPECT_EQ(got.result->error, "boom");
    EXPECT_EQ(got.result->inventory.size(), 1u);
    EXPECT_EQ(got.finished_at_ms, 17);
    EXPECT_EQ(got.recovery_attempts, 2);
    EXPECT_EQ(got.schema_version, kSchemaVersion);
}

// What every agent before schema version 2 wrote: no schema_version, no recovery_attempts.
constexpr const char* kVersion1Record =
    R"({"op_id":"op-old","kind":"deploy","configuration_json":"{}","components":[)"
    R"({"type":"suite","name":"commerce","from_version":"1.0.0","to_version":"1.1.0",)"
    R"("artifact_sha256":"aa","size":42,"download_path":"/a","previous_version":"1.0.0",)"
    R"("phase":"switching"}],"finished_at_ms":0})";

TEST_F(JournalTest, ReadsVersion1RecordsAsNeverRecovered) {
    std::ofstream(journal_.Directory() / "op-old.json") << kVersion1Record;
    auto read = journal_.Read("op-old");
    ASSERT_TRUE(read) << read.error().message;
    ASSERT_TRUE(read->has_value());
    EXPECT_EQ((*read)->schema_version, 1);
    EXPECT_EQ((*read)->recovery_attempts, 0);
    ASSERT_EQ((*read)->components.size(), 1u);
    EXPECT_EQ((*read)->components[0].phase, Phase::kSwitching);
    ASSERT_EQ(journal_.ListUnfinished().size(), 1u);
}

TEST_F(JournalTest, WritesTheCurrentSchemaVersion) {
    ASSERT_TRUE(journal_.Write(SampleRecord("op-1")));
    auto text = ReadSmallFile(journal_.Directory() / "op-1.json", 1 << 20);
    ASSERT_TRUE(text);
    EXPECT_NE(text->find("\"schema_version\":" + std::to_string(kSchemaVersion)), std::string::npos)
        << *text;
    EXPECT_NE(text->find("\"recovery_attempts\":0"), std::string::npos) << *text;
}

TEST_F(JournalTest, RefusesRecordsOfANewerSchemaClearly) {
    std::string newer = kVersion1Record;
    newer.insert(1, R"("schema_version":3,"recovery_attempts":0,)");
    std::ofstream(journal_.Directory() / "op-old.json") << newer;
    auto read = journal_.Read("op-old");
    ASSERT_FALSE(read);
    EXPECT_TRUE(read.error().Is(Errc::kInvalidArgument));
    EXPECT_NE(read.error().message.find("schema version 3, written by a newer agent"),
              std::string::npos)
        << read.error().message;
    EXPECT_TRUE(journal_.ListUnfinished().empty());  // skipped (and logged), never guessed at
}

TEST_F(JournalTest, RefusesVersion2RecordsWithoutAValidAttemptCount) {
    for (const std::string members :
         {R"("schema_version":2,)", R"("schema_version":2,"recovery_attempts":-1,)",
          R"("schema_version":0,"recovery_attempts":0,)"}) {
        std::string text = kVersion1Record;
        text.insert(1, members);
        std::ofstream(journal_.Directory() / "op-old.json") << text;
        auto read = journal_.Read("op-old");
        ASSERT_FALSE(read) << members;
        EXPECT_TRUE(read.error().Is(Errc::kInvalidArgument)) << members;
    }
}

TEST_F(JournalTest, MissingRecordIsNotAnError) {
    auto read = journal_.Read("op-unknown");
    ASSERT_TRUE(read);
    EXPECT_FALSE(read->has_value());
}

TEST_F(JournalTest, CorruptRecordIsAnError) {
    std::ofstream(journal_.Directory() / "op-bad.json") << "{\"op_id\": \"op-bad\", trunc";
    auto read = journal_.Read("op-bad");
    ASSERT_FALSE(read);
    EXPECT_TRUE(read.error().Is(Errc::kInvalidArgument));
    EXPECT_TRUE(journal_.ListUnfinished().empty());
}

TEST_F(JournalTest, RecordUnderAnotherNameIsAnError) {
    ASSERT_TRUE(journal_.Write(SampleRecord("op-a")));
    fs::copy_file(journal_.Directory() / "op-a.json", journal_.Directory() / "op-b.json");
    EXPECT_FALSE(journal_.Read("op-b"));
}

TEST_F(JournalTest, RefusesUnsafeOpIds) {
    for (const std::string& id :
         std::vector<std::string>{"../escape", "", "a/b", ".hidden", std::string(200, 'a')}) {
        EXPECT_FALSE(journal_.Write(SampleRecord(id))) << id;
        EXPECT_FALSE(journal_.Read(id)) << id;
    }
    EXPECT_FALSE(fs::exists(dir_.path() / "escape.json"));
}

TEST_F(JournalTest, OverwriteLeavesNoTempFiles) {
    OperationRecord r = SampleRecord("op-1");
    ASSERT_TRUE(journal_.Write(r));
    r.components[0].phase = Phase::kPostActivated;
    ASSERT_TRUE(journal_.Write(r));
    EXPECT_EQ((*journal_.Read("op-1"))->components[0].phase, Phase::kPostActivated);
    int files = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(journal_.Directory())) {
        ++files;
    }
    EXPECT_EQ(files, 1);
}

TEST_F(JournalTest, ListsOnlyUnfinished) {
    ASSERT_TRUE(journal_.Write(SampleRecord("op-open")));
    OperationRecord done = SampleRecord("op-done");
    done.result = model::OperationResult{"op-done", model::Outcome::kSucceeded, "", {}};
    ASSERT_TRUE(journal_.Write(done));
    auto open = journal_.ListUnfinished();
    ASSERT_EQ(open.size(), 1u);
    EXPECT_EQ(open[0].op_id, "op-open");
}

TEST_F(JournalTest, PrunesOldestFinishedKeepsUnfinished) {
    for (int i = 0; i < 5; ++i) {
        OperationRecord r = SampleRecord("op-" + std::to_string(i));
        r.result = model::OperationResult{r.op_id, model::Outcome::kSucceeded, "", {}};
        r.finished_at_ms = 100 + i;
        ASSERT_TRUE(journal_.Write(r));
    }
    ASSERT_TRUE(journal_.Write(SampleRecord("op-open")));
    ASSERT_TRUE(journal_.PruneFinished(2));
    EXPECT_FALSE(*journal_.Read("op-0"));
    EXPECT_FALSE(*journal_.Read("op-2"));
    EXPECT_TRUE(*journal_.Read("op-3"));
    EXPECT_TRUE(*journal_.Read("op-4"));
    EXPECT_TRUE(*journal_.Read("op-open"));
}

TEST(DurableFileTest, ReadSmallFileEnforcesBound) {
    TempDir dir;
    ASSERT_TRUE(WriteFileAtomically(dir.path() / "f", std::string(100, 'x')));
    EXPECT_TRUE(ReadSmallFile(dir.path() / "f", 100));
    auto big = ReadSmallFile(dir.path() / "f", 99);
    ASSERT_FALSE(big);
    EXPECT_TRUE(big.error().Is(Errc::kTooLarge));
    auto missing = ReadSmallFile(dir.path() / "nope", 99);
    ASSERT_FALSE(missing);
    EXPECT_TRUE(missing.error().Is(Errc::kNotFound));
}

}  // namespace
}  // namespace waka::agent::journal

namespace waka::agent::journal {
namespace {

TEST(JournalOpenTest, RemovesTempFilesOfInterruptedWrites) {
    install::testing::TempDir dir;
    std::filesystem::create_directories(dir.path() / "journal");
    std::ofstream(dir.path() / "journal" / ".op-1.json.tmp-abcdef") << "half";
    ASSERT_TRUE(Journal::Open(dir.path()));
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "journal" / ".op-1.json.tmp-abcdef"));
}

}  // namespace
}  // namespace waka::agent::journal
