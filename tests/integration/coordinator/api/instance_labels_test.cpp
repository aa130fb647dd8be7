#include "tests/integration/coordinator/api/api_fixture.hpp"

namespace waka::coordinator::api::testing {
namespace {

std::vector<std::string> Ids(const test::HttpResult& result) {
    std::vector<std::string> ids;
    const boost::json::value list = boost::json::parse(result.body);
    for (const auto& item : list.as_array()) {
        ids.emplace_back(item.as_object().at("id").as_string());
    }
    return ids;
}

class InstanceLabelsTest : public ApiTest {
protected:
    void SetUp() override {
        ApiTest::SetUp();
        for (const char* body : {R"({"id":"a-prod","labels":{"env":"prod","region":"lagos"}})",
                                 R"({"id":"b-dev","labels":{"env":"dev","legacy":"yes"}})",
                                 R"({"id":"c-prod","labels":{"env":"prod","region":"abuja"}})",
                                 R"({"id":"d-bare"})"}) {
            ASSERT_EQ(client_->Post("/api/v1/instances", body).status, 201u) << body;
        }
    }

    std::vector<std::string> Selected(const std::string& query) {
        auto listed = client_->Get("/api/v1/instances?" + query);
        EXPECT_EQ(listed.status, 200u) << query << ": " << listed.body;
        return listed.status == 200u ? Ids(listed) : std::vector<std::string>{};
    }
};

using Strings = std::vector<std::string>;

TEST_F(InstanceLabelsTest, ListBySelectorAndWithTheLabelFilter) {
    EXPECT_EQ(Selected("selector=env=prod"), (Strings{"a-prod", "c-prod"}));
    EXPECT_EQ(Selected("selector=region%20in%20(lagos,abuja),env!=dev"),
              (Strings{"a-prod", "c-prod"}));
    EXPECT_EQ(Selected("selector=region+notin+(lagos)"), (Strings{"b-dev", "c-prod", "d-bare"}));
    EXPECT_EQ(Selected("selector=!legacy,!region"), Strings{"d-bare"});
    EXPECT_EQ(Selected("selector=legacy"), Strings{"b-dev"});
    EXPECT_EQ(Selected("selector="), (Strings{"a-prod", "b-dev", "c-prod", "d-bare"}));
    // Both filters hold (AND).
    EXPECT_EQ(Selected("label=env=prod&selector=region!=lagos"), Strings{"c-prod"});
    EXPECT_EQ(Selected("label=env=dev&selector=region"), Strings{});
    EXPECT_EQ(Selected("selector=env%3Dprod&limit=1"), Strings{"a-prod"});
}

TEST_F(InstanceLabelsTest, BadSelectorIs422NamingTheProblem) {
    auto bad = client_->Get("/api/v1/instances?selector=region%20in%20(lagos");
    ASSERT_EQ(bad.status, 422u) << bad.body;
    auto body = Object(bad);
    EXPECT_EQ(Str(body, "detail"),
              "selector: at character 17: missing ')' closing the set of key 'region'");
    EXPECT_EQ(Str(body.at("errors").as_array().at(0).as_object(), "field"), "selector");
    EXPECT_EQ(client_->Get("/api/v1/instances?selector=a&selector=b").status, 422u);
    EXPECT_EQ(client_->Get("/api/v1/instances?selector=_x").status, 422u);
}

TEST_F(InstanceLabelsTest, ReplaceLabelsAuditsBeforeAndAfter) {
    auto ops = ClientWith(MakeToken("ops", "operator"));
    auto replaced =
        ops.Put("/api/v1/instances/a-prod/labels", R"({"labels":{"env":"staging","tier":"web"}})");
    ASSERT_EQ(replaced.status, 200u) << replaced.body;
    auto instance = Object(replaced);
    EXPECT_EQ(Str(instance, "id"), "a-prod");
    EXPECT_EQ(boost::json::serialize(instance.at("labels")), R"({"env":"staging","tier":"web"})");
    EXPECT_EQ(Selected("selector=tier=web"), Strings{"a-prod"});
    EXPECT_EQ(Selected("selector=region=lagos"), Strings{});
    EXPECT_EQ(SqlValue("SELECT details::text FROM audit_log WHERE action = "
                       "'instance.labels.update' AND target_id = 'a-prod'"),
              R"({"after": {"env": "staging", "tier": "web"}, "before": {"env": "prod", )"
              R"("region": "lagos"}})");
    EXPECT_EQ(SqlValue("SELECT actor FROM audit_log WHERE action = 'instance.labels.update'"),
              "token:ops");

    auto cleared = ops.Put("/api/v1/instances/a-prod/labels", R"({"labels":{}})");
    ASSERT_EQ(cleared.status, 200u) << cleared.body;
    EXPECT_EQ(Str(Object(cleared), "labels"), "{}");
    EXPECT_EQ(SqlValue("SELECT labels::text FROM instances WHERE id = 'a-prod'"), "{}");
}

TEST_F(InstanceLabelsTest, ReplaceLabelsRefusals) {
    auto viewer = ClientWith(MakeToken("watcher", "viewer"));
    EXPECT_EQ(viewer.Put("/api/v1/instances/a-prod/labels", R"({"labels":{}})").status, 403u);
    EXPECT_EQ(client_->Put("/api/v1/instances/nobody/labels", R"({"labels":{}})").status, 404u);
    EXPECT_EQ(client_->Put("/api/v1/instances/a-prod/labels", R"({})").status, 422u);
    EXPECT_EQ(client_->Put("/api/v1/instances/a-prod/labels", R"({"labels":{},"x":1})").status,
              422u);
    auto bad_key = client_->Put("/api/v1/instances/a-prod/labels", R"({"labels":{"a b":"x"}})");
    EXPECT_EQ(bad_key.status, 422u);
    EXPECT_EQ(Str(Object(bad_key), "detail"),
              "labels.a b: label keys follow the id rule ([A-Za-z0-9._-])");
    std::string many = R"({"labels":{)";
    for (int i = 0; i < 65; ++i) {
        many += (i == 0 ? "\"k" : ",\"k") + std::to_string(i) + "\":\"v\"";
    }
    auto too_many = client_->Put("/api/v1/instances/a-prod/labels", many + "}}");
    EXPECT_EQ(too_many.status, 422u);
    EXPECT_EQ(Str(Object(too_many), "detail").rfind("labels: at most 64 labels", 0), 0u);
    ASSERT_EQ(client_->Delete("/api/v1/instances/b-dev").status, 204u);
    EXPECT_EQ(client_->Put("/api/v1/instances/b-dev/labels", R"({"labels":{}})").status, 409u);
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action = 'instance.labels.update'"),
              "0");
    EXPECT_EQ(SqlValue("SELECT labels->>'env' FROM instances WHERE id = 'a-prod'"), "prod");
}

}  // namespace
}  // namespace waka::coordinator::api::testing
