#include "coordinator/api/requests.hpp"

#include <gtest/gtest.h>

#include "coordinator/api/semver_rules.hpp"

namespace waka::coordinator::api {
namespace {

// The field errors of a refused body, as "field: message" lines for readable failures.
template <class T>
std::vector<std::string> Fields(const ApiExpected<T>& result) {
    std::vector<std::string> fields;
    if (!result) {
        for (const auto& e : result.error().errors) {
            fields.push_back(e.field);
        }
    }
    return fields;
}

struct BodyCase {
    const char* name;
    const char* body;
    unsigned status;    // 0: accepted
    const char* field;  // the field named by the first error, when 422
};

void PrintTo(const BodyCase& c, std::ostream* os) { *os << c.name; }

class VersionBodyTest : public ::testing::TestWithParam<BodyCase> {};

TEST_P(VersionBodyTest, AcceptsOrRefusesAsSpecified) {
    const BodyCase& c = GetParam();
    auto result = ParseVersionRequest(c.body);
    if (c.status == 0) {
        ASSERT_TRUE(result) << result.error().detail;
        return;
    }
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().status, c.status) << result.error().detail;
    if (c.field != nullptr) {
        ASSERT_FALSE(result.error().errors.empty());
        EXPECT_EQ(result.error().errors.front().field, c.field) << result.error().detail;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Table, VersionBodyTest,
    ::testing::Values(
        BodyCase{"minimal",
                 R"({"component_type":"suite","component_name":"commerce","version":"1.5.0"})", 0,
                 nullptr},
        BodyCase{
            "version_string_alias",
            R"({"component_type":"suite","component_name":"commerce","version_string":"1.5.0"})", 0,
            nullptr},
        BodyCase{
            "full",
            R"({"component_type":"platform","component_name":"webwaka-platform","version":"2.1.0-rc.1+b5",
                 "release_date":"2026-01-02T03:04:05Z","is_stable":false,"is_security_patch":true,"changelog":"x",
                 "dependencies":{"suite:commerce":">=1.5.0 <2.0.0","capability:reporting":"^1.2 || ~2.0.1"},
                 "metadata":{"a":[1,2]}})",
            0, nullptr},
        BodyCase{"malformed_json", R"({"component_type":)", 400, nullptr},
        BodyCase{"not_an_object", R"([1,2])", 400, nullptr},
        BodyCase{
            "unknown_field",
            R"({"component_type":"suite","component_name":"c","version":"1.0.0","colour":"red"})",
            422, "colour"},
        BodyCase{
            "wrong_type_flag",
            R"({"component_type":"suite","component_name":"c","version":"1.0.0","is_stable":"yes"})",
            422, "is_stable"},
        BodyCase{"wrong_type_version",
                 R"({"component_type":"suite","component_name":"c","version":150})", 422,
                 "version"},
        BodyCase{"bad_semver_leading_zero",
                 R"({"component_type":"suite","component_name":"c","version":"1.05.0"})", 422,
                 "version"},
        BodyCase{"bad_semver_v_prefix",
                 R"({"component_type":"suite","component_name":"c","version":"v1.5.0"})", 422,
                 "version"},
        BodyCase{"bad_semver_partial",
                 R"({"component_type":"suite","component_name":"c","version":"1.5"})", 422,
                 "version"},
        BodyCase{"bad_component_type",
                 R"({"component_type":"plugin","component_name":"c","version":"1.0.0"})", 422,
                 "component_type"},
        BodyCase{"bad_component_name",
                 R"({"component_type":"suite","component_name":"../etc","version":"1.0.0"})", 422,
                 "component_name"},
        BodyCase{"missing_type", R"({"component_name":"c","version":"1.0.0"})", 422,
                 "component_type"},
        BodyCase{"missing_version", R"({"component_type":"suite","component_name":"c"})", 422,
                 "version"},
        BodyCase{
            "bad_release_date",
            R"({"component_type":"suite","component_name":"c","version":"1.0.0","release_date":"yesterday"})",
            422, "release_date"},
        BodyCase{
            "bad_dependency_key",
            R"({"component_type":"suite","component_name":"c","version":"1.0.0","dependencies":{"commerce":"1.0.0"}})",
            422, "dependencies.commerce"},
        BodyCase{
            "bad_dependency_range",
            R"({"component_type":"suite","component_name":"c","version":"1.0.0","dependencies":{"platform:p":">=two"}})",
            422, "dependencies.platform:p"},
        BodyCase{
            "dependency_not_string",
            R"({"component_type":"suite","component_name":"c","version":"1.0.0","dependencies":{"platform:p":2}})",
            422, "dependencies.platform:p"},
        BodyCase{
            "metadata_not_object",
            R"({"component_type":"suite","component_name":"c","version":"1.0.0","metadata":[]})",
            422, "metadata"}),
    [](const ::testing::TestParamInfo<BodyCase>& param_info) {
        return std::string(param_info.param.name);
    });

TEST(VersionBody, NullReadsAsAbsentAndDefaultsApply) {
    auto result = ParseVersionRequest(
        R"({"component_type":"suite","component_name":"c","version":"1.0.0","is_stable":null})");
    ASSERT_TRUE(result) << result.error().detail;
    EXPECT_TRUE(result->is_stable);
    EXPECT_FALSE(result->is_security_patch);
    EXPECT_EQ(result->metadata_json, "{}");
}

TEST(VersionBody, MalformedJsonNamesTheProblem) {
    auto result = ParseVersionRequest(R"({"a": tru})");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().status, 400u);
    EXPECT_EQ(result.error().code, "malformed_request");
    EXPECT_NE(result.error().detail.find("Malformed JSON"), std::string::npos);
}

TEST(VersionBody, ReportsEveryProblemAtOnce) {
    auto result = ParseVersionRequest(R"({"component_type":"x","version":"1","extra":1})");
    EXPECT_EQ(Fields(result),
              (std::vector<std::string>{"component_name", "component_type", "version", "extra"}));
}

TEST(TokenBody, RoleMustBeKnown) {
    EXPECT_TRUE(ParseTokenRequest(R"({"name":"ci","role":"operator"})"));
    EXPECT_EQ(Fields(ParseTokenRequest(R"({"name":"ci","role":"root"})")),
              std::vector<std::string>{"role"});
    EXPECT_EQ(Fields(ParseTokenRequest(R"({"name":"","role":"viewer"})")),
              std::vector<std::string>{"name"});
    EXPECT_EQ(Fields(ParseTokenRequest(R"({"role":"viewer","secret":"x"})")),
              (std::vector<std::string>{"name", "secret"}));
}

TEST(InstanceBody, IdAndLabelsAreChecked) {
    auto ok = ParseInstanceRequest(R"({"id":"instance-prod-01","labels":{"env":"prod"}})");
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->labels.at("env"), "prod");
    EXPECT_EQ(Fields(ParseInstanceRequest(R"({"id":"-bad"})")), std::vector<std::string>{"id"});
    EXPECT_EQ(Fields(ParseInstanceRequest(R"({"id":"a b"})")), std::vector<std::string>{"id"});
    EXPECT_EQ(Fields(ParseInstanceRequest(R"({})")), std::vector<std::string>{"id"});
    EXPECT_EQ(Fields(ParseInstanceRequest(R"({"id":"i","labels":{"e=x":"p"}})")),
              std::vector<std::string>{"labels.e=x"});
    EXPECT_EQ(Fields(ParseInstanceRequest(R"({"id":"i","labels":{"env":1}})")),
              std::vector<std::string>{"labels.env"});
}

TEST(LabelsBody, ReplacesTheWholeSetUnderTheRegistrationRule) {
    auto ok = ParseLabelsRequest(R"({"labels":{"env":"prod","region":"lagos"}})");
    ASSERT_TRUE(ok);
    EXPECT_EQ(*ok, (std::map<std::string, std::string>{{"env", "prod"}, {"region", "lagos"}}));
    auto cleared = ParseLabelsRequest(R"({"labels":{}})");
    ASSERT_TRUE(cleared);
    EXPECT_TRUE(cleared->empty());
    EXPECT_EQ(Fields(ParseLabelsRequest(R"({})")), std::vector<std::string>{"labels"});
    EXPECT_EQ(Fields(ParseLabelsRequest(R"({"labels":null})")), std::vector<std::string>{"labels"});
    EXPECT_EQ(Fields(ParseLabelsRequest(R"({"labels":{},"id":"x"})")),
              std::vector<std::string>{"id"});
    EXPECT_EQ(Fields(ParseLabelsRequest(R"({"labels":{"e=x":"p"}})")),
              std::vector<std::string>{"labels.e=x"});
    EXPECT_EQ(Fields(ParseLabelsRequest(R"({"labels":{"env":"a\u0001"}})")),
              std::vector<std::string>{"labels.env"});
    std::string many = R"({"labels":{)";
    for (int i = 0; i < 65; ++i) {
        many += (i == 0 ? "\"k" : ",\"k") + std::to_string(i) + "\":\"v\"";
    }
    EXPECT_EQ(Fields(ParseLabelsRequest(many + "}}")), std::vector<std::string>{"labels"});
    EXPECT_EQ(Fields(ParseInstanceRequest(R"({"id":"i",)" + many.substr(1) + "}}")),
              std::vector<std::string>{"labels"});
}

TEST(LabelSelector, ParsesKeyEqualsValue) {
    auto selector = ParseLabelSelector("env=prod");
    ASSERT_TRUE(selector);
    EXPECT_EQ(selector->first, "env");
    EXPECT_EQ(selector->second, "prod");
    auto with_equals = ParseLabelSelector("note=a=b");
    ASSERT_TRUE(with_equals);
    EXPECT_EQ(with_equals->second, "a=b");
    EXPECT_FALSE(ParseLabelSelector("env"));
    EXPECT_FALSE(ParseLabelSelector("=prod"));
}

TEST(ManifestBody, VersionsMustBeSemVer) {
    auto ok = ParseManifestRequest(
        R"({"id":"manifest-001","platform_version":"2.0.0","suites":{"commerce":"1.5.0"},
            "capabilities":{"reporting":"1.0.0"},"configuration":{"x":1}})");
    ASSERT_TRUE(ok) << ok.error().detail;
    EXPECT_EQ(ok->platform_name, "webwaka-platform");
    EXPECT_EQ(ok->configuration_json, R"({"x":1})");
    auto no_id = ParseManifestRequest(R"({"platform_version":"2.0.0"})");
    ASSERT_TRUE(no_id);
    EXPECT_TRUE(no_id->id.empty());
    EXPECT_EQ(Fields(ParseManifestRequest(R"({"platform_version":"2.0"})")),
              std::vector<std::string>{"platform_version"});
    EXPECT_EQ(Fields(ParseManifestRequest(
                  R"({"platform_version":"2.0.0","suites":{"commerce":"latest"}})")),
              std::vector<std::string>{"suites.commerce"});
    EXPECT_EQ(Fields(ParseManifestRequest(R"({"platform_version":"2.0.0","configuration":"x"})")),
              std::vector<std::string>{"configuration"});
    EXPECT_EQ(Fields(ParseManifestRequest(R"({"id":"bad id","platform_version":"2.0.0"})")),
              std::vector<std::string>{"id"});
}

TEST(DeploymentBody, RunbookBodyIsAccepted) {
    auto ok =
        ParseDeploymentRequest(R"({"manifest_id":"manifest-001","instance_id":"instance-prod-01",
                                         "dry_run":false,"skip_validation":false})");
    ASSERT_TRUE(ok) << ok.error().detail;
    EXPECT_EQ(ok->manifest_id, "manifest-001");
    EXPECT_EQ(ok->instance_id, "instance-prod-01");
    EXPECT_FALSE(ok->dry_run);
}

TEST(DeploymentBody, TypesUnknownFieldsAndForceReason) {
    EXPECT_EQ(
        Fields(ParseDeploymentRequest(R"({"manifest_id":"m","instance_id":"i","dry_run":"no"})")),
        std::vector<std::string>{"dry_run"});
    EXPECT_EQ(
        Fields(ParseDeploymentRequest(R"({"manifest_id":"m","instance_id":"i","priority":1})")),
        std::vector<std::string>{"priority"});
    EXPECT_EQ(
        Fields(ParseDeploymentRequest(R"({"manifest_id":"m","instance_id":"i","force":true})")),
        std::vector<std::string>{"reason"});
    EXPECT_TRUE(ParseDeploymentRequest(
        R"({"manifest_id":"m","instance_id":"i","force":true,"reason":"outage"})"));
    EXPECT_EQ(Fields(ParseDeploymentRequest(R"({"instance_id":"i"})")),
              std::vector<std::string>{"manifest_id"});
}

http::Request WithQuery(std::vector<std::pair<std::string, std::string>> query) {
    http::Request request;
    request.query = std::move(query);
    return request;
}

TEST(Page, LimitBoundsAndDefault) {
    auto page = ParsePage(WithQuery({}));
    ASSERT_TRUE(page);
    EXPECT_EQ(page->limit, 100u);
    EXPECT_FALSE(page->cursor);
    EXPECT_EQ(ParsePage(WithQuery({{"limit", "1000"}, {"cursor", "abc"}}))->limit, 1000u);
    EXPECT_EQ(*ParsePage(WithQuery({{"limit", "5"}, {"cursor", "abc"}}))->cursor, "abc");
    for (const char* bad : {"0", "1001", "-1", "ten", ""}) {
        auto refused = ParsePage(WithQuery({{"limit", bad}}));
        ASSERT_FALSE(refused) << bad;
        EXPECT_EQ(refused.error().status, 422u);
    }
}

TEST(SemVerRules, PrecedenceAndRanges) {
    EXPECT_TRUE(IsStrictSemVer("1.0.0-alpha.1+build"));
    EXPECT_FALSE(IsStrictSemVer("01.0.0"));
    EXPECT_LT(CompareSemVer("1.0.0-alpha", "1.0.0"), 0);
    EXPECT_LT(CompareSemVer("1.9.0", "1.10.0"), 0);
    EXPECT_LT(CompareSemVer("1.0.0-alpha.2", "1.0.0-alpha.10"), 0);
    EXPECT_EQ(CompareSemVer("1.0.0+a", "1.0.0+b"), 0);
    EXPECT_FALSE(CheckSemVerRange(">=2.0.0 <3.0.0"));
    EXPECT_FALSE(CheckSemVerRange("1.5.x || ^2"));
    EXPECT_TRUE(CheckSemVerRange(""));
    EXPECT_TRUE(CheckSemVerRange(">>1"));
}

TEST(Timestamps, InstantsOutsideTheClocksRangeAreRefusedNotWrapped) {
    auto far = ParseTimestamp("expires_at", "2999-01-01T00:00:00Z");
    ASSERT_FALSE(far);
    EXPECT_EQ(far.error().status, 422u);
    EXPECT_EQ(far.error().errors.at(0).field, "expires_at");
    EXPECT_FALSE(ParseTimestamp("expires_at", "1500-01-01T00:00:00Z"));
    auto offset = ParseTimestamp("expires_at", "2098-01-01T01:30:00+01:00");
    ASSERT_TRUE(offset);
    EXPECT_EQ(FormatRfc3339(*offset), "2098-01-01T00:30:00.000Z");
}

}  // namespace
}  // namespace waka::coordinator::api
