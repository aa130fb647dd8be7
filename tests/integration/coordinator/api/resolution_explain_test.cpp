#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "tests/integration/coordinator/api/resolution_api_fixture.hpp"

// Compile, compatibility, explain and deployment validation through the API over a real
// PostgreSQL (continued from resolution_api_test.cpp).
namespace waka::coordinator::api::testing {
namespace {

TEST_F(ResolutionApiTest, CompileStoresAnImmutableManifestOrExplainsTheConflict) {
    SeedCatalog();
    ASSERT_EQ(Pin("suite", "commerce", "1.5.0").status, 201u);
    auto compiled = CompileLatest(false);
    ASSERT_EQ(compiled.status, 201u) << compiled.body;
    auto manifest = Object(compiled);
    EXPECT_EQ(Str(manifest, "instance_id"), kInstance);
    EXPECT_EQ(Str(manifest, "platform_version"), "2.2.0");
    EXPECT_EQ(Str(manifest, "suites"), R"({"commerce":"1.5.0"})");
    EXPECT_EQ(Str(manifest, "capabilities"), R"({"payments":"1.1.0"})");
    auto got = client_->Get("/api/v1/manifests/" + Str(manifest, "id"));
    ASSERT_EQ(got.status, 200u);
    EXPECT_EQ(Str(Object(got), "suites"), R"({"commerce":"1.5.0"})");

    auto conflict = client_->Post("/api/v1/manifests/compile", R"({"instance_id":"instance-prod-01",
        "suites":{"commerce":">=1.6"}})");
    ASSERT_EQ(conflict.status, 409u) << conflict.body;
    const std::string detail = Str(Object(conflict), "detail");
    EXPECT_NE(detail.find("requested suite:commerce >=1.6"), std::string::npos) << detail;
    EXPECT_NE(detail.find("suite:commerce is pinned to 1.5.0"), std::string::npos) << detail;
    EXPECT_EQ(Count("manifests"), 1);

    ExpectRefused(client_->Post("/api/v1/manifests/compile",
                                R"({"instance_id":"instance-prod-01","suites":{"shop":"latest"}})"),
                  "suites.shop");
    ExpectRefused(
        client_->Post("/api/v1/manifests/compile",
                      R"({"instance_id":"instance-prod-01","suites":{"commerce":"1.x.3"}})"),
        "suites.commerce");
    ExpectRefused(client_->Post("/api/v1/manifests/compile", R"({"suites":{}})"), "instance_id");
    EXPECT_EQ(
        client_->Post("/api/v1/manifests/compile", R"({"instance_id":"instance-nope"})").status,
        404u);
}

TEST_F(ResolutionApiTest, CompatibilityExplainsAndProposesFittingVersions) {
    SeedCatalog();
    auto bad = client_->Post("/api/v1/versions/compatibility", R"({"platform_version":"2.0.3",
        "suites":{"commerce":"1.6.0"},"capabilities":{}})");
    ASSERT_EQ(bad.status, 200u) << bad.body;
    auto report = Object(bad);
    EXPECT_EQ(Str(report, "is_compatible"), "false");
    auto problem = report.at("incompatibilities").as_array().at(0).as_object();
    EXPECT_EQ(Str(problem, "kind"), "dependency");
    EXPECT_EQ(Str(problem, "component"), "suite:commerce");
    EXPECT_EQ(Str(problem, "requires"), "platform:webwaka-platform");
    EXPECT_EQ(Str(problem, "found"), "2.0.3");
    EXPECT_EQ(Str(report.at("compatible_versions").as_object(), "suite:commerce"),
              R"(["1.5.0","1.4.0"])");
    EXPECT_EQ(Str(report.at("compatible_versions").as_object(), "platform:webwaka-platform"),
              R"(["2.2.0","2.1.0"])");

    auto good = client_->Post("/api/v1/versions/compatibility", R"({"platform_version":"2.2.0",
        "suites":{"commerce":"1.6.0"},"capabilities":{"payments":"2.0.0"}})");
    ASSERT_EQ(good.status, 200u) << good.body;
    EXPECT_EQ(Str(Object(good), "is_compatible"), "true");
    EXPECT_EQ(Str(Object(good), "incompatibilities"), "[]");

    ASSERT_EQ(Pin("suite", "commerce", "1.5.0").status, 201u);
    auto pinned = client_->Post("/api/v1/versions/compatibility", R"({"platform_version":"2.2.0",
        "suites":{"commerce":"1.6.0"},"instance_id":"instance-prod-01"})");
    ASSERT_EQ(pinned.status, 200u) << pinned.body;
    auto pinned_report = Object(pinned);
    EXPECT_EQ(Str(pinned_report, "is_compatible"), "false");
    EXPECT_EQ(Str(pinned_report.at("incompatibilities").as_array().at(0).as_object(), "kind"),
              "pin");
    EXPECT_EQ(Str(pinned_report.at("compatible_versions").as_object(), "suite:commerce"),
              R"(["1.5.0"])");

    auto unknown =
        Object(client_->Post("/api/v1/versions/compatibility",
                             R"({"platform_version":"2.2.0","suites":{"shop":"1.0.0"}})"));
    EXPECT_EQ(Str(unknown.at("incompatibilities").as_array().at(0).as_object(), "kind"),
              "unknown_component");
    ExpectRefused(client_->Post("/api/v1/versions/compatibility",
                                R"({"platform_version":"2.2","suites":{}})"),
                  "platform_version");
    ExpectRefused(client_->Post("/api/v1/versions/compatibility", R"({"suites":{}})"),
                  "platform_version");
}

TEST_F(ResolutionApiTest, ExplainNamesThePinAndTheChannel) {
    SeedCatalog();
    MakeCurrent(R"({"id":"manifest-now","platform_version":"2.2.0",
        "suites":{"commerce":"1.5.0"},"capabilities":{"payments":"1.1.0"}})",
                "manifest-now");
    ASSERT_EQ(Pin("suite", "commerce", "1.5.0").status, 201u);
    ASSERT_EQ(client_->Post("/api/v1/policies?instance_id=instance-prod-01&policy_type=frozen", "")
                  .status,
              201u);
    auto explained =
        client_->Get("/api/v1/instances/instance-prod-01/explain?component=suite:commerce");
    ASSERT_EQ(explained.status, 200u) << explained.body;
    auto body = Object(explained);
    EXPECT_EQ(Str(body, "current_version"), "1.5.0");
    EXPECT_EQ(Str(body, "newest_version"), "1.6.0");
    EXPECT_EQ(Str(body, "candidate_version"), "1.5.0");
    EXPECT_EQ(Str(body, "up_to_date"), "false");
    EXPECT_NE(Str(body, "chain").find("suite:commerce is pinned to 1.5.0"), std::string::npos)
        << explained.body;
    auto blockers = body.at("blockers").as_array();
    ASSERT_EQ(blockers.size(), 2u) << explained.body;
    EXPECT_EQ(Str(blockers[0].as_object(), "kind"), "pin");
    EXPECT_EQ(Str(blockers[1].as_object(), "kind"), "channel");

    auto platform = Object(client_->Get(
        "/api/v1/instances/instance-prod-01/explain?component=platform:webwaka-platform"));
    EXPECT_EQ(Str(platform, "chain"), "<null>");
    EXPECT_EQ(Str(platform, "up_to_date"), "true");
    ExpectRefused(client_->Get("/api/v1/instances/instance-prod-01/explain"), "component");
    ExpectRefused(client_->Get("/api/v1/instances/instance-prod-01/explain?component=commerce"),
                  "component");
    ExpectRefused(client_->Get("/api/v1/instances/instance-prod-01/explain?component=suite:shop"),
                  "component");
    EXPECT_EQ(
        client_->Get("/api/v1/instances/instance-nope/explain?component=suite:commerce").status,
        404u);
}

TEST_F(ResolutionApiTest, DeploymentsAreValidatedAgainstPinsAndDependencies) {
    SeedCatalog();
    for (const auto& [type, name, version] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {"platform", "webwaka-platform", "2.0.3"},
             {"platform", "webwaka-platform", "2.2.0"},
             {"suite", "commerce", "1.6.0"},
             {"capability", "payments", "2.0.0"}}) {
        ASSERT_EQ(Upload(type, name, version, name + version).status, 201u);
    }
    const std::string old_platform = R"({"id":"m-old-platform",
        "platform_version":"2.0.3","suites":{"commerce":"1.6.0"})";
    auto explicit_manifest = client_->Post("/api/v1/manifests", old_platform + "}");
    ASSERT_EQ(explicit_manifest.status, 409u) << explicit_manifest.body;
    EXPECT_NE(Str(Object(explicit_manifest), "detail")
                  .find("suite:commerce 1.6.0 needs platform:webwaka-platform >=2.1"),
              std::string::npos)
        << explicit_manifest.body;
    auto operator_client = ClientWith(MakeToken("deployer", "operator"));
    EXPECT_EQ(
        operator_client.Post("/api/v1/manifests", old_platform + R"(,"skip_validation":true})")
            .status,
        403u);
    EXPECT_EQ(Count("manifests"), 0);
    ASSERT_EQ(
        client_->Post("/api/v1/manifests", old_platform + R"(,"skip_validation":true})").status,
        201u);
    auto refused =
        client_->Post("/api/v1/deployments",
                      R"({"manifest_id":"m-old-platform","instance_id":"instance-prod-01"})");
    ASSERT_EQ(refused.status, 409u) << refused.body;
    EXPECT_NE(Str(Object(refused), "detail")
                  .find("suite:commerce 1.6.0 needs platform:webwaka-platform >=2.1"),
              std::string::npos)
        << refused.body;
    EXPECT_EQ(Count("deployments"), 0);
    EXPECT_EQ(Audited("deployment.validate", "refused"), 1);

    ASSERT_EQ(client_
                  ->Post("/api/v1/manifests", R"({"id":"m-no-suite","skip_validation":true,
        "platform_version":"2.2.0","capabilities":{"payments":"2.0.0"}})")
                  .status,
              201u);
    auto missing = client_->Post(
        "/api/v1/deployments", R"({"manifest_id":"m-no-suite","instance_id":"instance-prod-01"})");
    ASSERT_EQ(missing.status, 409u) << missing.body;
    EXPECT_NE(Str(Object(missing), "detail").find("which the manifest does not include"),
              std::string::npos)
        << missing.body;

    // skip_validation (admin) skips compatibility, never a pin.
    auto skipped = client_->Post("/api/v1/deployments", R"({"manifest_id":"m-old-platform",
        "instance_id":"instance-prod-01","dry_run":true,"skip_validation":true})");
    EXPECT_EQ(skipped.status, 200u) << skipped.body;
    ASSERT_EQ(Pin("suite", "commerce", "1.5.0").status, 201u);
    auto pinned = client_->Post("/api/v1/deployments", R"({"manifest_id":"m-old-platform",
        "instance_id":"instance-prod-01","skip_validation":true})");
    ASSERT_EQ(pinned.status, 409u) << pinned.body;
    EXPECT_NE(Str(Object(pinned), "detail").find("breaks the pin"), std::string::npos)
        << pinned.body;
    EXPECT_EQ(Count("deployments"), 0);
}

TEST_F(ResolutionApiTest, ReleaseClosingADependencyCycleIsRefused) {
    Release("suite", "a", "1.0.0", R"({"suite:b":"^1"})");
    Release("suite", "b", "1.0.0");
    auto refused = client_->Post("/api/v1/versions", R"({"component_type":"suite",
        "component_name":"b","version":"1.1.0","dependencies":{"suite:a":"^1"}})");
    ASSERT_EQ(refused.status, 422u) << refused.body;
    EXPECT_NE(Str(Object(refused), "detail").find("dependency cycle"), std::string::npos)
        << refused.body;
    EXPECT_EQ(Count("releases"), 2);
}

}  // namespace
}  // namespace waka::coordinator::api::testing
