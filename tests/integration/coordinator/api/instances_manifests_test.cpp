#include "shared/core/crypto.hpp"
#include "tests/integration/coordinator/api/api_fixture.hpp"

namespace waka::coordinator::api::testing {
namespace {

std::vector<std::string> Ids(const boost::json::value& list) {
    std::vector<std::string> ids;
    for (const auto& item : list.as_array()) {
        ids.emplace_back(item.as_object().at("id").as_string());
    }
    return ids;
}

TEST_F(ApiTest, InstanceCreateAnswersAnEnrollmentTokenStoredOnlyHashed) {
    auto created =
        client_->Post("/api/v1/instances",
                      R"({"id":"instance-prod-01","labels":{"env":"prod","region":"lagos"}})");
    ASSERT_EQ(created.status, 201u) << created.body;
    EXPECT_EQ(created.Header("Cache-Control"), "no-store");
    auto instance = Object(created);
    std::string token = Str(instance, "enrollment_token");
    EXPECT_EQ(token.rfind("enroll_", 0), 0u) << token;
    EXPECT_EQ(token.size(), 7u + 48u);
    EXPECT_EQ(Str(instance, "connection_state"), "never_connected");
    EXPECT_EQ(Str(instance, "enrolled"), "false");
    EXPECT_EQ(Str(instance.at("labels").as_object(), "region"), "lagos");

    EXPECT_EQ(SqlValue("SELECT enrollment_token_hash FROM instances WHERE id = 'instance-prod-01'"),
              Sha256Hex(token));
    EXPECT_EQ(SqlValue("SELECT count(*) FROM instances WHERE position('" + token +
                       "' in instances::text) > 0"),
              "0");
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE position('" + token +
                       "' in audit_log::text) > 0"),
              "0");

    auto got = client_->Get("/api/v1/instances/instance-prod-01");
    ASSERT_EQ(got.status, 200u);
    auto detail = Object(got);
    EXPECT_EQ(Str(detail, "enrollment_token"), "<missing>");
    EXPECT_EQ(Str(detail, "connected"), "false");
    EXPECT_EQ(Str(detail, "inventory"), "[]");
    EXPECT_EQ(Str(detail, "current_manifest_id"), "<null>");
    auto missing = client_->Get("/api/v1/instances/instance-nope");
    EXPECT_EQ(missing.status, 404u);
    EXPECT_EQ(Str(Object(missing), "detail"), "Instance not found");
    EXPECT_EQ(client_->Post("/api/v1/instances", R"({"id":"instance-prod-01"})").status, 409u);
    EXPECT_EQ(client_->Post("/api/v1/instances", R"({"id":"bad id"})").status, 422u);
}

TEST_F(ApiTest, InstancesListByLabelAndDecommission) {
    ASSERT_EQ(
        client_->Post("/api/v1/instances", R"({"id":"a-prod","labels":{"env":"prod"}})").status,
        201u);
    ASSERT_EQ(client_->Post("/api/v1/instances", R"({"id":"b-dev","labels":{"env":"dev"}})").status,
              201u);
    ASSERT_EQ(client_
                  ->Post("/api/v1/instances",
                         R"({"id":"c-prod","labels":{"env":"prod","region":"abuja"}})")
                  .status,
              201u);
    EXPECT_EQ(Ids(Json(client_->Get("/api/v1/instances?label=env=prod"))),
              (std::vector<std::string>{"a-prod", "c-prod"}));
    EXPECT_EQ(Ids(Json(client_->Get("/api/v1/instances?label=env=prod&label=region=abuja"))),
              std::vector<std::string>{"c-prod"});
    EXPECT_EQ(Ids(Json(client_->Get("/api/v1/instances"))).size(), 3u);
    EXPECT_EQ(client_->Get("/api/v1/instances?label=env").status, 422u);

    auto operator_client = ClientWith(MakeToken("ops", "operator"));
    EXPECT_EQ(operator_client.Delete("/api/v1/instances/b-dev").status, 403u);
    EXPECT_EQ(client_->Delete("/api/v1/instances/b-dev").status, 204u);
    EXPECT_EQ(client_->Delete("/api/v1/instances/b-dev").status, 409u);
    EXPECT_EQ(client_->Delete("/api/v1/instances/nobody").status, 404u);
    EXPECT_NE(Str(Object(client_->Get("/api/v1/instances/b-dev")), "decommissioned_at"), "<null>");
    EXPECT_EQ(Ids(Json(client_->Get("/api/v1/instances"))),
              (std::vector<std::string>{"a-prod", "c-prod"}));
    EXPECT_EQ(Ids(Json(client_->Get("/api/v1/instances?include_decommissioned=true"))).size(), 3u);
    EXPECT_EQ(SqlValue("SELECT enrollment_token_hash FROM instances WHERE id = 'b-dev'"), "<null>");

    auto page = client_->Get("/api/v1/instances?limit=1");
    EXPECT_EQ(Ids(Json(page)), std::vector<std::string>{"a-prod"});
    EXPECT_EQ(
        Ids(Json(client_->Get("/api/v1/instances?limit=1&cursor=" + page.Header("X-Next-Cursor")))),
        std::vector<std::string>{"c-prod"});
}

TEST_F(ApiTest, ManifestCreateGetHistoryAndDuplicates) {
    ASSERT_EQ(client_->Post("/api/v1/instances", R"({"id":"instance-prod-01"})").status, 201u);
    CreateVersion("platform", "webwaka-platform", "2.0.0");
    const std::string body = R"({"id":"manifest-001","instance_id":"instance-prod-01",
        "platform_version":"2.0.0","suites":{"commerce":"1.5.0"},"capabilities":{},
        "configuration":{"b":1,"a":{"y":2,"x":1}}})";
    auto created = client_->Post("/api/v1/manifests", body);
    ASSERT_EQ(created.status, 201u) << created.body;
    auto manifest = Object(created);
    EXPECT_EQ(Str(manifest, "id"), "manifest-001");
    EXPECT_TRUE(IsSha256Hex(Str(manifest, "content_hash")));
    EXPECT_EQ(Str(manifest, "duplicate_of"), "<null>");
    EXPECT_EQ(Str(manifest, "created_by"), "token:admin");
    // The platform release exists but has no artifact; the suite is not registered at all.
    auto warnings = manifest.at("warnings").as_array();
    ASSERT_EQ(warnings.size(), 2u) << Str(manifest, "warnings");
    EXPECT_NE(Str(manifest, "warnings").find("suite:commerce 1.5.0 has no registered release"),
              std::string::npos);

    // Same content in another key order: same hash, reported as a duplicate, still stored.
    auto same =
        client_->Post("/api/v1/manifests", R"({"id":"manifest-002","instance_id":"instance-prod-01",
        "platform_version":"2.0.0","suites":{"commerce":"1.5.0"},"configuration":{"a":{"x":1,"y":2},"b":1}})");
    ASSERT_EQ(same.status, 201u) << same.body;
    EXPECT_EQ(Str(Object(same), "duplicate_of"), "manifest-001");
    EXPECT_EQ(Str(Object(same), "content_hash"), Str(manifest, "content_hash"));
    auto generated = client_->Post(
        "/api/v1/manifests", R"({"instance_id":"instance-prod-01","platform_version":"2.0.1"})");
    ASSERT_EQ(generated.status, 201u) << generated.body;
    std::string generated_id = Str(Object(generated), "id");
    EXPECT_EQ(generated_id.rfind("manifest-", 0), 0u);

    auto got = client_->Get("/api/v1/manifests/manifest-001");
    ASSERT_EQ(got.status, 200u);
    EXPECT_EQ(Str(Object(got).at("suites").as_object(), "commerce"), "1.5.0");
    EXPECT_EQ(Str(Object(client_->Get("/api/v1/manifests/nope")), "detail"), "Manifest not found");

    auto history = client_->Get("/api/v1/manifests?instance_id=instance-prod-01");
    ASSERT_EQ(history.status, 200u);
    EXPECT_EQ(Ids(Json(history)),
              (std::vector<std::string>{generated_id, "manifest-002", "manifest-001"}));
    auto page = client_->Get("/api/v1/manifests?instance_id=instance-prod-01&limit=2");
    auto rest = client_->Get("/api/v1/manifests?instance_id=instance-prod-01&limit=2&cursor=" +
                             page.Header("X-Next-Cursor"));
    EXPECT_EQ(Ids(Json(rest)), std::vector<std::string>{"manifest-001"});
}

TEST_F(ApiTest, ManifestRefusalsStoreNothing) {
    long long manifests = Count("manifests");
    EXPECT_EQ(client_->Post("/api/v1/manifests", R"({"platform_version":"2.0"})").status, 422u);
    EXPECT_EQ(client_
                  ->Post("/api/v1/manifests",
                         R"({"platform_version":"2.0.0","suites":{"commerce":"newest"}})")
                  .status,
              422u);
    auto unknown_instance =
        client_->Post("/api/v1/manifests", R"({"instance_id":"ghost","platform_version":"2.0.0"})");
    EXPECT_EQ(unknown_instance.status, 404u);
    EXPECT_EQ(Count("manifests"), manifests);
    ASSERT_EQ(
        client_->Post("/api/v1/manifests", R"({"id":"m1","platform_version":"2.0.0"})").status,
        201u);
    EXPECT_EQ(
        client_->Post("/api/v1/manifests", R"({"id":"m1","platform_version":"2.0.0"})").status,
        409u);
    EXPECT_EQ(Count("manifests"), manifests + 1);
}

}  // namespace
}  // namespace waka::coordinator::api::testing
