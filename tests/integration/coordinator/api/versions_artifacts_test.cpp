#include <filesystem>
#include <fstream>

#include "coordinator/domain/artifact_files.hpp"
#include "shared/core/crypto.hpp"
#include "tests/integration/coordinator/api/api_fixture.hpp"

namespace waka::coordinator::api::testing {
namespace {

std::vector<std::string> VersionStrings(const boost::json::value& list) {
    std::vector<std::string> versions;
    for (const auto& item : list.as_array()) {
        versions.emplace_back(item.as_object().at("version_string").as_string());
    }
    return versions;
}

TEST_F(ApiTest, VersionCreateGetAndDuplicate) {
    auto created = client_->Post("/api/v1/versions", R"({
        "component_type":"suite","component_name":"commerce","version":"1.5.0",
        "release_date":"2026-01-02T03:04:05Z","changelog":"Faster checkout",
        "dependencies":{"platform:webwaka-platform":">=2.0.0 <3.0.0"},"metadata":{"team":"shop"}})");
    ASSERT_EQ(created.status, 201u) << created.body;
    auto version = Object(created);
    EXPECT_EQ(Str(version, "version_string"), "1.5.0");
    EXPECT_EQ(Str(version, "release_date"), "2026-01-02T03:04:05.000Z");
    EXPECT_EQ(Str(version, "is_stable"), "true");
    EXPECT_EQ(Str(version, "is_security_patch"), "false");
    EXPECT_EQ(Str(version.at("dependencies").as_object(), "platform:webwaka-platform"),
              ">=2.0.0 <3.0.0");
    EXPECT_EQ(Str(version.at("metadata").as_object(), "team"), "shop");
    EXPECT_EQ(Str(version, "artifact_sha256"), "<null>");

    auto got = client_->Get("/api/v1/versions/suite/commerce/1.5.0");
    ASSERT_EQ(got.status, 200u) << got.body;
    EXPECT_EQ(Str(Object(got), "id"), Str(version, "id"));

    auto missing = client_->Get("/api/v1/versions/suite/commerce/9.9.9");
    EXPECT_EQ(missing.status, 404u);
    EXPECT_EQ(Str(Object(missing), "detail"), "Version not found");

    long long audit = Count("audit_log");
    auto duplicate = client_->Post(
        "/api/v1/versions",
        R"({"component_type":"suite","component_name":"commerce","version":"1.5.0"})");
    EXPECT_EQ(duplicate.status, 409u);
    EXPECT_EQ(Str(Object(duplicate), "code"), "conflict");
    EXPECT_EQ(Count("releases"), 1);
    EXPECT_EQ(Count("audit_log"), audit);
}

TEST_F(ApiTest, VersionsListNewestFirstWithIndependentFilters) {
    CreateVersion("suite", "commerce", "1.5.0");
    CreateVersion("suite", "commerce", "1.10.0");
    CreateVersion("suite", "commerce", "1.10.0-rc.1");
    CreateVersion("suite", "billing", "3.0.0");
    CreateVersion("platform", "webwaka-platform", "2.0.0");

    auto suites = client_->Get("/api/v1/versions?component_type=suite&component_name=commerce");
    ASSERT_EQ(suites.status, 200u);
    EXPECT_EQ(VersionStrings(Json(suites)),
              (std::vector<std::string>{"1.10.0", "1.10.0-rc.1", "1.5.0"}));
    // Our improvement on the prototype: one filter alone applies too.
    EXPECT_EQ(Json(client_->Get("/api/v1/versions?component_type=suite")).as_array().size(), 4u);
    EXPECT_EQ(Json(client_->Get("/api/v1/versions?component_name=commerce")).as_array().size(), 3u);
    EXPECT_EQ(Json(client_->Get("/api/v1/versions")).as_array().size(), 5u);
    EXPECT_EQ(client_->Get("/api/v1/versions?component_type=plugin").status, 422u);

    auto first = client_->Get("/api/v1/versions?component_name=commerce&limit=2");
    ASSERT_EQ(VersionStrings(Json(first)), (std::vector<std::string>{"1.10.0", "1.10.0-rc.1"}));
    std::string cursor = first.Header("X-Next-Cursor");
    ASSERT_FALSE(cursor.empty());
    auto second = client_->Get("/api/v1/versions?component_name=commerce&limit=2&cursor=" + cursor);
    EXPECT_EQ(VersionStrings(Json(second)), std::vector<std::string>{"1.5.0"});
    EXPECT_EQ(client_->Get("/api/v1/versions?limit=0").status, 422u);
}

TEST_F(ApiTest, ArtifactUploadDownloadAndRange) {
    CreateVersion("suite", "commerce", "1.5.0");
    const std::string bytes = "0123456789abcdefghijklmnopqrstuvwxyz";
    const std::string sha = Sha256Hex(bytes);
    auto uploaded = Upload("suite", "commerce", "1.5.0", bytes, {{"X-Checksum-Sha256", sha}});
    ASSERT_EQ(uploaded.status, 201u) << uploaded.body;
    auto artifact = Object(uploaded);
    EXPECT_EQ(Str(artifact, "sha256"), sha);
    EXPECT_EQ(Str(artifact, "size"), std::to_string(bytes.size()));
    EXPECT_EQ(Str(artifact, "component_name"), "commerce");
    EXPECT_TRUE(std::filesystem::exists(domain::ArtifactFilePath(dir_ / "artifacts", sha)));
    EXPECT_EQ(Str(Object(client_->Get("/api/v1/versions/suite/commerce/1.5.0")), "artifact_sha256"),
              sha);

    auto again = Upload("suite", "commerce", "1.5.0", bytes);
    EXPECT_EQ(again.status, 200u) << again.body;
    auto other = Upload("suite", "commerce", "1.5.0", "different bytes");
    EXPECT_EQ(other.status, 409u) << other.body;
    EXPECT_EQ(Count("artifacts"), 1);

    auto whole = client_->Get("/api/v1/artifacts/" + sha);
    ASSERT_EQ(whole.status, 200u);
    EXPECT_EQ(whole.body, bytes);
    EXPECT_EQ(whole.Header("Content-Type"), "application/gzip");
    auto part = client_->Get("/api/v1/artifacts/" + sha, {{"Range", "bytes=2-5"}});
    EXPECT_EQ(part.status, 206u);
    EXPECT_EQ(part.body, "2345");
    EXPECT_EQ(part.Header("Content-Range"), "bytes 2-5/36");
    auto tail = client_->Get("/api/v1/artifacts/" + sha, {{"Range", "bytes=-3"}});
    EXPECT_EQ(tail.status, 206u);
    EXPECT_EQ(tail.body, "xyz");
    auto from = client_->Get("/api/v1/artifacts/" + sha, {{"Range", "bytes=30-"}});
    EXPECT_EQ(from.body, "uvwxyz");
    auto outside = client_->Get("/api/v1/artifacts/" + sha, {{"Range", "bytes=100-"}});
    EXPECT_EQ(outside.status, 416u);
    EXPECT_EQ(outside.Header("Content-Range"), "bytes */36");
    EXPECT_EQ(client_->Get("/api/v1/artifacts/" + Sha256Hex("nope")).status, 404u);
    EXPECT_EQ(client_->Get("/api/v1/artifacts/not-a-sha").status, 404u);
}

TEST_F(ApiTest, ArtifactRefusalsStoreNothing) {
    CreateVersion("suite", "commerce", "1.5.0");
    long long audit = Count("audit_log");
    auto wrong = Upload("suite", "commerce", "1.5.0", "bundle bytes",
                        {{"X-Checksum-Sha256", Sha256Hex("other bytes")}});
    EXPECT_EQ(wrong.status, 422u) << wrong.body;
    EXPECT_EQ(Str(Object(wrong).at("errors").as_array().at(0).as_object(), "field"),
              "X-Checksum-Sha256");
    auto empty = Upload("suite", "commerce", "1.5.0", "");
    EXPECT_EQ(empty.status, 422u) << empty.body;
    auto unknown = Upload("suite", "commerce", "2.0.0", "bundle bytes");
    EXPECT_EQ(unknown.status, 404u) << unknown.body;
    auto bad_type = Upload("plugin", "commerce", "1.5.0", "bundle bytes");
    EXPECT_EQ(bad_type.status, 422u) << bad_type.body;
    EXPECT_EQ(Count("audit_log"), audit);
    auto viewer = ClientWith(MakeToken("viewer", "viewer"));
    audit = Count("audit_log");  // the token creation is audited
    auto file = dir_ / "viewer-upload";
    std::ofstream(file) << "bytes";
    EXPECT_EQ(viewer.UploadFile("PUT", "/api/v1/artifacts/suite/commerce/1.5.0", file).status,
              403u);
    EXPECT_EQ(Count("artifacts"), 0);
    EXPECT_EQ(Count("audit_log"), audit);
    EXPECT_EQ(SqlValue("SELECT artifact_sha256 FROM releases"), "<null>");
    std::size_t stored = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_ / "artifacts")) {
        stored += entry.is_regular_file() ? 1 : 0;
    }
    EXPECT_EQ(stored, 0u);
}

}  // namespace
}  // namespace waka::coordinator::api::testing
