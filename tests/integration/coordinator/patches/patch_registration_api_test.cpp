#include "tests/integration/coordinator/patches/patch_fixture.hpp"
#include "tests/support/pg/migrated_database.hpp"

// Who may register which patch, and that no patch moves a component down (ADR 0019), through the
// API over a fresh PostgreSQL database.
namespace waka::coordinator::api::testing {
namespace {

constexpr const char* kPatches = "/api/v1/security/patches";
constexpr const char* kApplyPath = "/api/v1/security/patches/apply?instance_id=instance-prod-01";

// A platform patch; the world has platform 2.0.0 and 2.1.0.
std::string PlatformPatch(const std::string& id, const std::string& severity,
                          const std::string& range, const std::string& patched) {
    return R"({"patch_id":")" + id + R"(","component_type":"platform",)" +
           R"("component_name":"webwaka-platform","affected_versions":")" + range +
           R"(","patched_version":")" + patched + R"(","severity":")" + severity + R"("})";
}

class PatchRegistrationApiTest : public PatchRollbackTest {
protected:
    // Registers a patch and waits until its enforcement has finished (its patch.enforce entry).
    void Register(test::HttpClient& client, const std::string& body, const std::string& id) {
        auto created = client.Post(kPatches, body);
        ASSERT_EQ(created.status, 201u) << created.body;
        ASSERT_TRUE(WaitForSql(
            "SELECT count(*) FROM audit_log WHERE action = 'patch.enforce' AND target_id = '" + id +
                "'",
            "1"));
    }

    // The refusal stored nothing: no patch, no patch.* audit entry, no deployment of it.
    void ExpectNothingStored() {
        EXPECT_EQ(Json(client_->Get(kPatches)).as_array().size(), 0u);
        EXPECT_EQ(Count("security_patches"), 0);
        EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action LIKE 'patch.%'"), "0");
        EXPECT_EQ(Count("patch_deployments"), 0);
    }
};

// The downgrade attack: a "critical" patch whose fix is older than what it claims is affected.
TEST_F(PatchRegistrationApiTest, OlderCriticalPatchIs422AndStoresNothing) {
    Deployed("manifest-002");  // platform 2.1.0: the attack would move it to 2.0.0
    const auto deployments = Count("deployments");
    auto refused =
        client_->Post(kPatches, PlatformPatch("patch-old", "critical", ">=2.1.0 <3.0.0", "2.0.0"));
    ASSERT_EQ(refused.status, 422u) << refused.body;
    const auto body = Object(refused);
    EXPECT_EQ(Str(body, "code"), "validation_failed");
    EXPECT_EQ(Str(body, "detail")
                  .rfind("patched_version: 2.0.0 is not above every version the "
                         "affected range >=2.1.0 <3.0.0 admits",
                         0),
              0u)
        << refused.body;
    ExpectNothingStored();
    EXPECT_EQ(Count("deployments"), deployments);
    EXPECT_EQ(SqlValue("SELECT current_manifest_id FROM instances"), "manifest-002");
}

TEST_F(PatchRegistrationApiTest, CriticalAndHighPatchesWithAnUnboundedRangeAre422) {
    for (const char* severity : {"critical", "high"}) {
        auto refused = client_->Post(kPatches, PlatformPatch("patch-open", severity, ">=2.1.0",
                                                             "2.0.0"));  // outside, yet below
        EXPECT_EQ(refused.status, 422u) << refused.body;
        EXPECT_NE(Str(Object(refused), "detail").find("(>=2.1.0 has no upper bound)"),
                  std::string::npos)
            << refused.body;
    }
    ExpectNothingStored();
}

TEST_F(PatchRegistrationApiTest, CriticalNeedsAdminOtherSeveritiesPublisher) {
    auto publisher = ClientWith(MakeToken("publisher", "publisher"));
    const std::string critical = PlatformPatch("patch-crit", "critical", "<2.1.0", "2.1.0");
    for (auto* client : {&publisher}) {
        auto refused = client->Post(kPatches, critical);
        EXPECT_EQ(refused.status, 403u) << refused.body;
        EXPECT_EQ(Str(Object(refused), "code"), "forbidden");
        EXPECT_NE(Str(Object(refused), "detail")
                      .find("registering a critical patch needs the admin role"),
                  std::string::npos)
            << refused.body;
    }
    ExpectNothingStored();

    Register(*client_, critical, "patch-crit");  // the admin
    EXPECT_EQ(Str(Object(client_->Get("/api/v1/security/patches/patch-crit")), "created_by"),
              "token:admin");
    Register(publisher, PlatformPatch("patch-high", "high", "<2.1.0", "2.1.0"), "patch-high");
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action = 'patch.register'"), "2");
}

// Deploying roles do not publish (ADR 0023): refused at the route, whatever the severity.
TEST_F(PatchRegistrationApiTest, OperatorsAndApproversCannotRegisterPatches) {
    auto ops = ClientWith(MakeToken("ops", "operator"));
    auto approver = ClientWith(MakeToken("approver", "approver"));
    for (auto* client : {&ops, &approver}) {
        auto refused =
            client->Post(kPatches, PlatformPatch("patch-high", "high", "<2.1.0", "2.1.0"));
        EXPECT_EQ(refused.status, 403u) << refused.body;
        EXPECT_NE(Str(Object(refused), "detail").find("needs the publisher role (or admin)"),
                  std::string::npos)
            << refused.body;
    }
    ExpectNothingStored();
}

// Medium keeps today's rule (patched outside the range is enough), but enforcement does not move
// an instance that runs a newer version down: it is reported as a conflict.
TEST_F(PatchRegistrationApiTest, OlderMediumPatchIsStoredButNeverDowngrades) {
    Deployed("manifest-002");  // platform 2.1.0
    auto publisher = ClientWith(MakeToken("publisher", "publisher"));
    Register(publisher, PlatformPatch("patch-med", "medium", ">=2.1.0 <3.0.0", "2.0.0"),
             "patch-med");
    EXPECT_EQ(Count("patch_deployments"), 0);
    EXPECT_EQ(SqlValue("SELECT details->>'conflicts' FROM audit_log WHERE action = "
                       "'patch.enforce'"),
              "1");

    auto status = Object(client_->Get("/api/v1/security/patches/status/instance-prod-01"));
    ASSERT_EQ(status.at("patches").as_array().size(), 1u) << Str(status, "patches");
    const auto entry = status.at("patches").as_array()[0].as_object();
    EXPECT_EQ(Str(entry, "status"), "conflict");
    EXPECT_NE(Str(entry, "blocked_by")
                  .find("would move platform:webwaka-platform down from 2.1.0 "
                        "to 2.0.0"),
              std::string::npos)
        << Str(entry, "blocked_by");
    EXPECT_EQ(Str(status, "conflict_patches"), "1");
    auto compliance = Object(client_->Get("/api/v1/security/compliance"));
    const auto patch = compliance.at("patches").as_array()[0].as_object();
    EXPECT_EQ(Str(patch, "compliant"), "false");
    EXPECT_EQ(Str(patch, "unpatched"), "1");
    EXPECT_NE(Str(patch, "blocked").find("down from 2.1.0"), std::string::npos)
        << Str(patch, "blocked");

    // By hand, even forced by an admin: refused, audited, nothing deployed.
    for (const char* body : {R"({"patch_id":"patch-med"})",
                             R"({"patch_id":"patch-med","force":true,"reason":"urgent"})"}) {
        auto applied = client_->Post(kApplyPath, body);
        EXPECT_EQ(applied.status, 409u) << applied.body;
        EXPECT_NE(Str(Object(applied), "detail").find("a patch never downgrades"),
                  std::string::npos)
            << applied.body;
    }
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action = 'patch.create' AND "
                       "decision = 'refused'"),
              "2");
    EXPECT_EQ(Count("patch_deployments"), 0);
    EXPECT_EQ(SqlValue("SELECT current_manifest_id FROM instances"), "manifest-002");
}

// The manifest says affected, but the agent reports a newer version running: not moved down.
TEST_F(PatchRegistrationApiTest, AVersionTheAgentReportsAboveThePatchIsNotDowngraded) {
    Deployed("manifest-001");  // platform 2.0.0 on record
    const std::vector<domain::InstalledComponent> reported{
        {"platform", "webwaka-platform", "2.2.0"}, {"suite", "commerce", "1.5.0"}};
    test::RunSync(core_->sessions.OnInventory("instance-prod-01", reported));
    Register(*client_, PlatformPatch("patch-fix", "critical", "<2.1.0", "2.1.0"), "patch-fix");
    EXPECT_EQ(Count("patch_deployments"), 0);
    EXPECT_EQ(Count("deployments"), 1);

    auto applied = client_->Post(kApplyPath, R"({"patch_id":"patch-fix"})");
    EXPECT_EQ(applied.status, 409u) << applied.body;
    EXPECT_NE(Str(Object(applied), "detail").find("the agent reports 2.2.0"), std::string::npos)
        << applied.body;
    auto status = Object(client_->Get("/api/v1/security/patches/status/instance-prod-01"));
    const auto entry = status.at("patches").as_array()[0].as_object();
    EXPECT_EQ(Str(entry, "status"), "available");
    EXPECT_NE(Str(entry, "blocked_by").find("down from 2.2.0 to 2.1.0"), std::string::npos)
        << Str(entry, "blocked_by");
}

}  // namespace
}  // namespace waka::coordinator::api::testing
