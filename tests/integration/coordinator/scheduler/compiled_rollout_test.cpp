// Rollouts whose target is constraints (docs/rollouts.md "Constraint targets", ADR 0038), with the
// real PostgreSQL: each member's manifest is compiled against its own pins when it starts, so a
// pinned instance gets the newest manifest its pins allow, one its pins make impossible is skipped
// with the resolver's reason (never forced), a member compiled to what it was given before reuses
// that manifest, and malformed constraints are refused naming the field.
#include "tests/integration/coordinator/scheduler/rollout_fixture.hpp"

namespace waka::coordinator::api::testing {
namespace {

class CompiledRolloutTest : public RolloutTest {
protected:
    void PinPlatform(const std::string& instance, const std::string& version) {
        auto pinned = ops_->Post("/api/v1/versions/pin?instance_id=" + instance,
                                 R"({"component_type":"platform","component_name":)"
                                 R"("webwaka-platform","pinned_version":")" +
                                     version + R"(","reason":"certified on this host"})");
        ASSERT_EQ(pinned.status, 201u) << pinned.body;
    }

    // "instance=platform version" of each deployment of the rollout, by instance.
    std::string Compiled(const std::string& rollout) {
        return SqlValue(
            "SELECT string_agg(d.instance_id || '=' || m.platform_version, ',' ORDER BY "
            "d.instance_id) FROM deployments d JOIN manifests m ON m.id = d.manifest_id WHERE "
            "d.rollout_id = '" +
            rollout + "' AND m.instance_id = d.instance_id");
    }
};

TEST_F(CompiledRolloutTest, EachMemberGetsTheNewestItsPinsAllowAndTheImpossibleAreSkipped) {
    Fleet(3);
    PinPlatform("prod-2", "<2.1.0");
    PinPlatform("prod-3", "2.0.0");
    auto created = Create(R"({"constraints":{"platform_version":"latest"},"selector":"env=prod"})");
    ASSERT_EQ(created.status, 201u) << created.body;
    auto rollout = Object(created);
    EXPECT_TRUE(rollout.at("manifest_id").is_null());
    EXPECT_EQ(Str(rollout.at("constraints").as_object(), "constraints"),
              R"({"platform:webwaka-platform":"latest"})");
    const std::string first = Str(rollout, "id");
    EXPECT_EQ(Pass().rollouts.members_started, 3);
    // Instance-owned manifests, each the newest its pins allow.
    EXPECT_EQ(Compiled(first), "prod-1=2.1.0,prod-2=2.0.0,prod-3=2.0.0");
    AgentFinishes("prod-1", domain::StatusEvent::kAgentSucceeded, "2.1.0");
    AgentFinishes("prod-2", domain::StatusEvent::kAgentSucceeded, "2.0.0");
    AgentFinishes("prod-3", domain::StatusEvent::kAgentSucceeded, "2.0.0");
    Pass();
    ASSERT_EQ(Str(Get(first), "state"), "succeeded");

    // At least 2.1.0: the pinned hosts cannot take it, and are reported, not forced.
    const auto second = CreateOk(
        R"({"constraints":{"platform_version":">=2.1.0"},"selector":"env=prod","reason":"2.1"})");
    const auto manifests = Count("manifests");
    EXPECT_EQ(Pass().rollouts.members_skipped, 2);
    rollout = Get(second);
    EXPECT_EQ(rollout.at("totals").as_object().at("skipped").as_int64(), 2);
    for (const char* pinned : {"prod-2", "prod-3"}) {
        const boost::json::object* member = nullptr;
        for (const auto& each : rollout.at("members").as_array()) {
            if (Str(each.as_object(), "instance_id") == pinned) {
                member = &each.as_object();
            }
        }
        ASSERT_NE(member, nullptr) << pinned;
        EXPECT_EQ(Str(*member, "status"), "skipped");
        EXPECT_NE(Str(*member, "reason").find("no set of versions satisfies the constraints"),
                  std::string::npos)
            << Str(*member, "reason");
    }
    // prod-1 compiles to what the first rollout gave it: that manifest again, no new one.
    EXPECT_EQ(Compiled(second), "prod-1=2.1.0");
    EXPECT_EQ(Count("manifests"), manifests);
    EXPECT_EQ(SqlValue("SELECT d.manifest_id = f.manifest_id FROM deployments d JOIN deployments f "
                       "ON f.instance_id = d.instance_id WHERE d.rollout_id = '" +
                       second + "' AND f.rollout_id = '" + first + "'"),
              "t");
}

TEST_F(CompiledRolloutTest, MalformedConstraintsAreRefusedNamingTheFieldAndStoreNothing) {
    Fleet(2);
    const auto before = Count("rollouts");
    auto both = Create(R"({"manifest_id":"manifest-002","constraints":{},"selector":"env=prod"})");
    EXPECT_EQ(both.status, 422u) << both.body;
    EXPECT_NE(both.body.find("manifest_id"), std::string::npos) << both.body;
    auto neither = Create(R"({"selector":"env=prod"})");
    EXPECT_EQ(neither.status, 422u) << neither.body;
    auto unknown = Create(R"({"constraints":{"suites":{"ghost":"latest"}},"selector":"env=prod"})");
    EXPECT_EQ(unknown.status, 422u) << unknown.body;
    EXPECT_NE(unknown.body.find("constraints.suites.ghost"), std::string::npos) << unknown.body;
    auto range = Create(R"({"constraints":{"platform_version":"two"},"selector":"env=prod"})");
    EXPECT_EQ(range.status, 422u) << range.body;
    EXPECT_NE(range.body.find("constraints.platform_version"), std::string::npos) << range.body;
    auto field = Create(R"({"constraints":{"platform":"x"},"selector":"env=prod"})");
    EXPECT_EQ(field.status, 422u) << field.body;
    EXPECT_NE(field.body.find("constraints.platform"), std::string::npos) << field.body;
    EXPECT_EQ(Count("rollouts"), before);
}

}  // namespace
}  // namespace waka::coordinator::api::testing
