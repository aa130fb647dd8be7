// Anti-rollback floors on the API (ADR 0022), with the real PostgreSQL: raised only, refused by
// name, and holding back every deployment and manifest below them.
#include "shared/release/floor.hpp"
#include "tests/integration/coordinator/api/api_fixture.hpp"

namespace waka::coordinator::api::testing {
namespace {

class FloorsApiTest : public ApiTest {
protected:
    test::HttpResult SetFloor(const std::string& min_version,
                              const test::TestPublisher* by = nullptr) {
        const auto& publisher = by != nullptr ? *by : publisher_;
        return client_->Put("/api/v1/floors",
                            publisher.FloorFile("suite", "commerce", min_version, "CVE-2026-0003"));
    }

    // An instance, suite:commerce 1.4.0 and 1.5.0 (signed, with artifacts), platform 2.0.0.
    void SeedCatalog() {
        ASSERT_EQ(client_->Post("/api/v1/instances", R"({"id":"instance-prod-01"})").status, 201u);
        CreateVersion("platform", "webwaka-platform", "2.0.0");
        ASSERT_EQ(Upload("platform", "webwaka-platform", "2.0.0", "platform bundle").status, 201u);
        for (const std::string version : {"1.4.0", "1.5.0"}) {
            CreateVersion("suite", "commerce", version);
            ASSERT_EQ(Upload("suite", "commerce", version, "commerce " + version).status, 201u);
        }
    }

    test::HttpResult CreateManifest(const std::string& id, const std::string& commerce) {
        return client_->Post("/api/v1/manifests",
                             R"({"id":")" + id +
                                 R"(","platform_version":"2.0.0","suites":{"commerce":")" +
                                 commerce + R"("}})");
    }
};

TEST_F(FloorsApiTest, FloorIsRaisedListedAuditedAndNeverLowered) {
    auto raised = SetFloor("1.5.0");
    ASSERT_EQ(raised.status, 201u) << raised.body;
    auto floor = Object(raised);
    EXPECT_EQ(Str(floor, "min_version"), "1.5.0");
    EXPECT_EQ(Str(floor, "release_key_id"), publisher_.KeyId());
    EXPECT_EQ(Str(floor, "created_by"), "token:admin");

    auto lower = SetFloor("1.4.0");
    EXPECT_EQ(lower.status, 409u) << lower.body;
    EXPECT_NE(Str(Object(lower), "detail").find("the floor of suite:commerce is 1.5.0 already"),
              std::string::npos);
    EXPECT_EQ(SetFloor("1.5.0").status, 409u);
    ASSERT_EQ(SetFloor("1.6.0").status, 201u);

    auto listed = Json(client_->Get("/api/v1/floors")).as_array();
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(Str(listed[0].as_object(), "min_version"), "1.6.0");
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action = 'floor.raise'"), "2");
    EXPECT_EQ(SqlValue("SELECT details->>'previous_min_version' FROM audit_log WHERE action = "
                       "'floor.raise' ORDER BY seq DESC LIMIT 1"),
              "1.5.0");
}

TEST_F(FloorsApiTest, BadFloorsAreRefusedByNameAndStoreNothing) {
    test::TestPublisher stranger;
    auto unknown = SetFloor("1.5.0", &stranger);
    EXPECT_EQ(unknown.status, 422u) << unknown.body;
    EXPECT_NE(Str(Object(unknown), "detail").find("signed by unknown key"), std::string::npos);

    auto file = publisher_.FloorFile("suite", "commerce", "1.5.0", "CVE-2026-0003");
    auto tampered = file;
    tampered.replace(tampered.find("1.5.0"), 5, "9.9.9");
    auto refused = client_->Put("/api/v1/floors", tampered);
    EXPECT_EQ(refused.status, 422u) << refused.body;
    EXPECT_NE(Str(Object(refused), "detail").find("signature does not verify"), std::string::npos)
        << refused.body;
    auto release_file =
        client_->Put("/api/v1/floors", release::EncodeSignedFile(publisher_.Sign(
                                           "suite", "commerce", "1.5.0", std::string(64, 'a'), 1)));
    EXPECT_EQ(release_file.status, 422u) << release_file.body;
    EXPECT_EQ(client_->Put("/api/v1/floors", "{").status, 422u);
    EXPECT_EQ(Count("release_floors"), 0);

    auto viewer = ClientWith(MakeToken("watcher", "viewer"));
    EXPECT_EQ(viewer.Put("/api/v1/floors", file).status, 403u);
    EXPECT_EQ(viewer.Get("/api/v1/floors").status, 200u);
}

TEST_F(FloorsApiTest, DeploymentsAndManifestsBelowAFloorAreRefused) {
    SeedCatalog();
    ASSERT_EQ(CreateManifest("manifest-old", "1.4.0").status, 201u);
    ASSERT_EQ(SetFloor("1.5.0").status, 201u);

    auto deployment =
        client_->Post("/api/v1/deployments",
                      R"({"manifest_id":"manifest-old","instance_id":"instance-prod-01"})");
    EXPECT_EQ(deployment.status, 409u) << deployment.body;
    EXPECT_NE(Str(Object(deployment), "detail")
                  .find("suite:commerce 1.4.0 is below the floor 1.5.0 (CVE-2026-0003)"),
              std::string::npos)
        << deployment.body;
    EXPECT_EQ(Count("deployments"), 0);

    auto manifest = CreateManifest("manifest-older", "1.4.0");
    EXPECT_EQ(manifest.status, 409u) << manifest.body;
    EXPECT_EQ(Str(Object(manifest), "code"), "below_floor");
    EXPECT_EQ(SqlValue("SELECT count(*) FROM manifests WHERE id = 'manifest-older'"), "0");

    ASSERT_EQ(CreateManifest("manifest-new", "1.5.0").status, 201u);
    EXPECT_EQ(client_
                  ->Post("/api/v1/deployments",
                         R"({"manifest_id":"manifest-new","instance_id":"instance-prod-01"})")
                  .status,
              201u);
}

}  // namespace
}  // namespace waka::coordinator::api::testing
