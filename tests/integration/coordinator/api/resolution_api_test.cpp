#include <map>
#include <pqxx/pqxx>
#include <string>
#include <tuple>
#include <vector>

#include "tests/integration/coordinator/api/resolution_api_fixture.hpp"

// Pins, compatibility, compile, explain and deployment validation through the API over a real
// PostgreSQL: the resolver fed from the database. The rest is in resolution_explain_test.cpp.
namespace waka::coordinator::api::testing {
namespace {

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

}  // namespace
}  // namespace waka::coordinator::api::testing
