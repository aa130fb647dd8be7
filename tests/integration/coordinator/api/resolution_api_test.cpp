#include <map>
#include <pqxx/pqxx>
#include <string>
#include <tuple>
#include <vector>

#include "tests/integration/coordinator/api/api_fixture.hpp"

// Pins, compatibility, compile, explain and deployment validation through the API over a real
// PostgreSQL: the resolver fed from the database.
namespace waka::coordinator::api::testing {
namespace {

constexpr const char* kInstance = "instance-prod-01";

class ResolutionApiTest : public ApiTest {
protected:
    void SetUp() override {
        ApiTest::SetUp();
        ASSERT_EQ(client_->Post("/api/v1/instances", R"({"id":"instance-prod-01"})").status, 201u);
    }

    void Release(const std::string& type, const std::string& name, const std::string& version,
                 const std::string& dependencies = "{}", bool stable = true) {
        auto result = client_->Post(
            "/api/v1/versions", R"({"component_type":")" + type + R"(","component_name":")" + name +
                                    R"(","version":")" + version + R"(","is_stable":)" +
                                    (stable ? "true" : "false") + R"(,"dependencies":)" +
                                    dependencies + "}");
        ASSERT_EQ(result.status, 201u) << result.body;
    }

    // The catalog of the resolver's unit tests: commerce 1.6 needs a newer platform, payments 2
    // needs commerce 1.6, plus an unstable platform and pre-releases.
    void SeedCatalog() {
        Release("platform", "webwaka-platform", "2.0.3");
        Release("platform", "webwaka-platform", "2.1.0");
        Release("platform", "webwaka-platform", "2.2.0");
        Release("platform", "webwaka-platform", "2.3.0", "{}", false);
        Release("platform", "webwaka-platform", "3.0.0-rc.1");
        Release("suite", "commerce", "1.4.0", R"({"platform:webwaka-platform":"~2.0.0"})");
        Release("suite", "commerce", "1.5.0", R"({"platform:webwaka-platform":">=2.0.0 <3.0.0"})");
        Release("suite", "commerce", "1.6.0", R"({"platform:webwaka-platform":">=2.1 <3"})");
        Release("suite", "commerce", "1.7.0-beta.1", R"({"platform:webwaka-platform":">=2.2"})");
        Release("capability", "payments", "1.0.0", R"({"suite:commerce":">=1.4"})");
        Release("capability", "payments", "1.1.0", R"({"suite:commerce":">=1.5"})");
        Release("capability", "payments", "2.0.0", R"({"suite:commerce":">=1.6"})");
    }

    test::HttpResult Pin(const std::string& type, const std::string& name,
                         const std::string& version, const std::string& extra = "") {
        return client_->Post(std::string("/api/v1/versions/pin?instance_id=") + kInstance,
                             R"({"component_type":")" + type + R"(","component_name":")" + name +
                                 R"(","pinned_version":")" + version +
                                 R"(","reason":"legacy ERP")" + extra + "}");
    }

    test::HttpResult CompileLatest(bool dry_run) {
        return client_->Post("/api/v1/manifests/compile",
                             std::string(R"({"instance_id":"instance-prod-01",
                "platform_version":"latest","suites":{"commerce":"latest"},
                "capabilities":{"payments":"latest"},"dry_run":)") +
                                 (dry_run ? "true" : "false") + "}");
    }

    // Field names of a 422 answer.
    std::vector<std::string> Fields(const test::HttpResult& result) {
        std::vector<std::string> fields;
        auto body = Object(result);
        if (const auto* errors = body.if_contains("errors")) {
            for (const auto& error : errors->as_array()) {
                fields.emplace_back(error.as_object().at("field").as_string());
            }
        }
        return fields;
    }

    void ExpectRefused(const test::HttpResult& result, const std::string& field) {
        EXPECT_EQ(result.status, 422u) << result.body;
        EXPECT_EQ(Fields(result), std::vector<std::string>{field}) << result.body;
    }

    long long Audited(const std::string& action, const std::string& decision) {
        return std::stoll(SqlValue("SELECT count(*) FROM audit_log WHERE action = '" + action +
                                   "' AND decision = '" + decision + "'"));
    }

    void MakeCurrent(const std::string& manifest_body, const std::string& id) {
        auto created = client_->Post("/api/v1/manifests", manifest_body);
        ASSERT_EQ(created.status, 201u) << created.body;
        auto done = database_->WithConnection([&](pqxx::connection& c) -> Expected<void> {
            pqxx::work tx(c);
            tx.exec_params("UPDATE instances SET current_manifest_id = $1 WHERE id = $2", id,
                           std::string(kInstance));
            tx.commit();
            return {};
        });
        ASSERT_TRUE(done) << done.error().message;
    }
};

TEST_F(ResolutionApiTest, RunbookPinIsStoredListedReplacedAndDeleted) {
    SeedCatalog();
    auto created = Pin("suite", "commerce", "1.5.0");
    ASSERT_EQ(created.status, 201u) << created.body;
    auto pin = Object(created);
    const std::string id = Str(pin, "id");
    EXPECT_EQ(id.rfind("pin-", 0), 0u) << id;
    EXPECT_EQ(Str(pin, "instance_id"), kInstance);
    EXPECT_EQ(Str(pin, "pinned_version"), "1.5.0");
    EXPECT_EQ(Str(pin, "reason"), "legacy ERP");
    EXPECT_EQ(Str(pin, "expires_at"), "<null>");
    EXPECT_EQ(Str(pin, "active"), "true");
    EXPECT_EQ(Str(pin, "created_at").back(), 'Z');

    auto instance = Object(client_->Get("/api/v1/instances/instance-prod-01"));
    ASSERT_EQ(instance.at("pins").as_array().size(), 1u) << boost::json::serialize(instance);
    EXPECT_EQ(Str(instance.at("pins").as_array()[0].as_object(), "id"), id);

    auto replacing = Pin("suite", "commerce", "~1.5.0");
    ASSERT_EQ(replacing.status, 201u) << replacing.body;
    const std::string second = Str(Object(replacing), "id");
    auto list = client_->Get("/api/v1/versions/pins/instance-prod-01");
    ASSERT_EQ(list.status, 200u) << list.body;
    ASSERT_EQ(Json(list).as_array().size(), 1u) << list.body;
    EXPECT_EQ(Str(Json(list).as_array()[0].as_object(), "id"), second);
    auto history = client_->Get("/api/v1/versions/pins/instance-prod-01?include_removed=true");
    ASSERT_EQ(Json(history).as_array().size(), 2u) << history.body;
    EXPECT_EQ(SqlValue("SELECT superseded_by FROM pins WHERE id = '" + id + "'"), second);

    EXPECT_EQ(client_->Delete("/api/v1/versions/pin/" + second).status, 204u);
    EXPECT_EQ(client_->Delete("/api/v1/versions/pin/" + second).status, 409u);
    auto unknown = client_->Delete("/api/v1/versions/pin/pin-nope");
    EXPECT_EQ(unknown.status, 404u);
    EXPECT_EQ(Str(Object(unknown), "detail"), "Pin not found");
    EXPECT_EQ(Json(client_->Get("/api/v1/versions/pins/instance-prod-01")).as_array().size(), 0u);
    EXPECT_EQ(Audited("pin.create", "allowed"), 2);
    EXPECT_EQ(Audited("pin.delete", "allowed"), 1);
}

TEST_F(ResolutionApiTest, BadPinsAreRefusedNamingTheFieldAndStoreNothing) {
    SeedCatalog();
    ExpectRefused(Pin("suite", "commerce", "banana"), "pinned_version");
    ExpectRefused(Pin("suite", "commerce", "9.9.9"), "pinned_version");
    ExpectRefused(Pin("suite", "commerce", ">=4.0"), "pinned_version");
    ExpectRefused(Pin("suite", "shipping", "1.0.0"), "component_name");
    ExpectRefused(Pin("module", "commerce", "1.5.0"), "component_type");
    ExpectRefused(Pin("suite", "commerce", "1.5.0", R"(,"expires_at":"2020-01-01T00:00:00Z")"),
                  "expires_at");
    ExpectRefused(Pin("suite", "commerce", "1.5.0", R"(,"expires_at":"tomorrow")"), "expires_at");
    ExpectRefused(Pin("suite", "commerce", "1.5.0", R"(,"colour":"red")"), "colour");
    ExpectRefused(client_->Post("/api/v1/versions/pin", R"({"component_type":"suite",
        "component_name":"commerce","pinned_version":"1.5.0"})"),
                  "instance_id");
    auto unknown = client_->Post("/api/v1/versions/pin?instance_id=instance-nope",
                                 R"({"component_type":"suite","component_name":"commerce",
                                     "pinned_version":"1.5.0"})");
    EXPECT_EQ(unknown.status, 404u) << unknown.body;
    auto viewer = ClientWith(MakeToken("reader", "viewer"));
    EXPECT_EQ(viewer
                  .Post("/api/v1/versions/pin?instance_id=instance-prod-01",
                        R"({"component_type":"suite","component_name":"commerce",
                              "pinned_version":"1.5.0"})")
                  .status,
              403u);
    EXPECT_EQ(viewer.Get("/api/v1/versions/pins/instance-prod-01").status, 200u);
    EXPECT_EQ(client_->Get("/api/v1/versions/pins/instance-nope").status, 404u);
    EXPECT_EQ(Count("pins"), 0);
}

TEST_F(ResolutionApiTest, TimezoneAwareExpiryIsStoredInUtc) {
    SeedCatalog();
    auto created =
        Pin("suite", "commerce", "1.5.0", R"(,"expires_at":"2098-01-01T01:30:00+01:00")");
    ASSERT_EQ(created.status, 201u) << created.body;
    EXPECT_EQ(Str(Object(created), "expires_at"), "2098-01-01T00:30:00.000Z");
}

TEST_F(ResolutionApiTest, CapabilityPinConflictingWithSuitePinIsRefusedWithTheChain) {
    SeedCatalog();
    ASSERT_EQ(Pin("suite", "commerce", "1.5.0").status, 201u);
    auto refused = Pin("capability", "payments", "2.0.0");
    ASSERT_EQ(refused.status, 409u) << refused.body;
    const std::string detail = Str(Object(refused), "detail");
    EXPECT_NE(detail.find("capability:payments 2.0.0 needs suite:commerce >=1.6"),
              std::string::npos)
        << detail;
    EXPECT_NE(detail.find("suite:commerce is pinned to 1.5.0"), std::string::npos) << detail;
    EXPECT_EQ(Count("pins"), 1);
    EXPECT_EQ(Audited("pin.create", "refused"), 1);
}

TEST_F(ResolutionApiTest, PinBreakingTheCurrentManifestIsRefused) {
    SeedCatalog();
    Release("capability", "reports", "1.0.0", R"({"platform:webwaka-platform":">=2.1"})");
    MakeCurrent(R"({"id":"manifest-now","platform_version":"2.2.0",
        "suites":{"commerce":"1.6.0"},"capabilities":{"payments":"2.0.0","reports":"1.0.0"}})",
                "manifest-now");
    auto refused = Pin("platform", "webwaka-platform", "2.0.3");
    ASSERT_EQ(refused.status, 409u) << refused.body;
    const std::string detail = Str(Object(refused), "detail");
    EXPECT_NE(detail.find("platform:webwaka-platform is pinned to 2.0.3"), std::string::npos)
        << detail;
    EXPECT_NE(detail.find("capability:reports 1.0.0 needs platform:webwaka-platform >=2.1"),
              std::string::npos)
        << detail;
    // An older suite that still leaves a valid set is fine: compile then picks older payments.
    EXPECT_EQ(Pin("suite", "commerce", "1.5.0").status, 201u);
    EXPECT_EQ(Count("pins"), 1);
}

struct CompileCase {
    std::string name;
    std::vector<std::vector<std::string>> pins;  // {type, name, version}
    std::string body;                            // "" = latest of everything
    std::map<std::string, std::string> expected;
};

class CompileTable : public ResolutionApiTest, public ::testing::WithParamInterface<CompileCase> {};

TEST_P(CompileTable, ResolvesAgainstPinsThroughTheApi) {
    const CompileCase& c = GetParam();
    SeedCatalog();
    for (const auto& pin : c.pins) {
        auto created = Pin(pin[0], pin[1], pin[2]);
        ASSERT_EQ(created.status, 201u) << created.body;
    }
    auto compiled =
        c.body.empty() ? CompileLatest(true) : client_->Post("/api/v1/manifests/compile", c.body);
    ASSERT_EQ(compiled.status, 200u) << compiled.body;
    std::map<std::string, std::string> got;
    const boost::json::object body = Object(compiled);
    for (const auto& [key, value] : body.at("resolution").as_object()) {
        got[std::string(key)] = std::string(value.as_string());
    }
    EXPECT_EQ(got, c.expected) << compiled.body;
    EXPECT_EQ(Count("manifests"), 0) << "a dry run stores nothing";
}

void PrintTo(const CompileCase& c, std::ostream* os) { *os << c.name; }

std::string CaseName(const ::testing::TestParamInfo<CompileCase>& info) { return info.param.name; }

const std::map<std::string, std::string> kNewest = {
    {"platform", "2.2.0"}, {"suite:commerce", "1.6.0"}, {"capability:payments", "2.0.0"}};

INSTANTIATE_TEST_SUITE_P(
    Pins, CompileTable,
    ::testing::Values(
        CompileCase{"LatestSkipsUnstableAndPrereleases", {}, "", kNewest},
        CompileCase{
            "ExactPlatformPinForcesAnOlderSuite",
            {{"platform", "webwaka-platform", "2.0.3"}},
            "",
            {{"platform", "2.0.3"}, {"suite:commerce", "1.5.0"}, {"capability:payments", "1.1.0"}}},
        CompileCase{
            "RangePlatformPinForcesAnOlderSuite",
            {{"platform", "webwaka-platform", "~2.0"}},
            "",
            {{"platform", "2.0.3"}, {"suite:commerce", "1.5.0"}, {"capability:payments", "1.1.0"}}},
        CompileCase{
            "ExactSuitePin",
            {{"suite", "commerce", "1.4.0"}},
            "",
            {{"platform", "2.0.3"}, {"suite:commerce", "1.4.0"}, {"capability:payments", "1.0.0"}}},
        CompileCase{
            "RangeSuitePinKeepsTheNewestPlatform",
            {{"suite", "commerce", ">=1.5.0 <1.6.0"}},
            "",
            {{"platform", "2.2.0"}, {"suite:commerce", "1.5.0"}, {"capability:payments", "1.1.0"}}},
        CompileCase{
            "ExactCapabilityPin",
            {{"capability", "payments", "1.0.0"}},
            "",
            {{"platform", "2.2.0"}, {"suite:commerce", "1.6.0"}, {"capability:payments", "1.0.0"}}},
        CompileCase{
            "RangeCapabilityPin",
            {{"capability", "payments", ">=1.1 <2"}},
            "",
            {{"platform", "2.2.0"}, {"suite:commerce", "1.6.0"}, {"capability:payments", "1.1.0"}}},
        CompileCase{"PrereleasePinWithARangeNamingAPrerelease",
                    {{"suite", "commerce", "1.7.0-beta.1"}},
                    R"({"instance_id":"instance-prod-01","suites":{"commerce":">=1.7.0-alpha.1"},
                        "dry_run":true})",
                    {{"platform", "2.2.0"}, {"suite:commerce", "1.7.0-beta.1"}}},
        CompileCase{"DependenciesAreAddedToTheManifest",
                    {},
                    R"({"instance_id":"instance-prod-01","capabilities":{"payments":"^1"},
                        "dry_run":true})",
                    {{"platform", "2.2.0"},
                     {"suite:commerce", "1.6.0"},
                     {"capability:payments", "1.1.0"}}}),
    CaseName);

TEST_F(ResolutionApiTest, ExpiredPinNoLongerApplies) {
    SeedCatalog();
    auto done = database_->WithConnection([&](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        tx.exec(
            "INSERT INTO pins (id, instance_id, component_type, component_name, pinned_version, "
            "reason, expires_at, created_by, created_at) VALUES ('pin-old', 'instance-prod-01', "
            "'platform', 'webwaka-platform', '2.0.3', 'until the upgrade', "
            "now() - interval '1 minute', 'token:admin', now() - interval '1 day')");
        tx.commit();
        return {};
    });
    ASSERT_TRUE(done) << done.error().message;
    auto compiled = CompileLatest(true);
    ASSERT_EQ(compiled.status, 200u) << compiled.body;
    EXPECT_EQ(Str(Object(compiled).at("resolution").as_object(), "platform"), "2.2.0");
    EXPECT_EQ(Str(Object(compiled), "pins_applied"), "[]");
    auto list = Json(client_->Get("/api/v1/versions/pins/instance-prod-01")).as_array();
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(Str(list[0].as_object(), "active"), "false");
    EXPECT_EQ(Str(list[0].as_object(), "expired"), "true");
}

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
