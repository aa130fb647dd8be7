#include "tests/integration/coordinator/patches/patch_fixture.hpp"

// The security patch catalog and POST /api/v1/security/patches/apply
// (docs/patches-and-rollback.md).
namespace waka::coordinator::api::testing {
namespace {

constexpr const char* kCriticalCommerce = R"({
    "patch_id": "patch-001",
    "cve_ids": ["CVE-2026-12345", "CVE-2026-12346"],
    "component_type": "suite",
    "component_name": "commerce",
    "affected_versions": ">=1.5.0 <1.5.1",
    "patched_version": "1.5.1",
    "severity": "critical",
    "description": "Payment callback signature bypass",
    "release_date": "2026-11-20T00:00:00Z"
  })";
constexpr const char* kMediumPlatform = R"({"patch_id":"patch-plat","component_type":"platform",
    "component_name":"webwaka-platform","affected_versions":"<2.1.0","patched_version":"2.1.0",
    "severity":"medium","release_date":"2026-11-21T00:00:00Z"})";
constexpr const char* kHighCommerce = R"({"patch_id":"patch-high","component_type":"suite",
    "component_name":"commerce","affected_versions":"1.5.0","patched_version":"1.5.1",
    "severity":"high"})";
constexpr const char* kRunbookApply = R"({
    "patch_id": "patch-001",
    "dry_run": false,
    "force": false
  })";
constexpr const char* kApplyPath = "/api/v1/security/patches/apply?instance_id=instance-prod-01";

class PatchApiTest : public PatchRollbackTest {
protected:
    // Registers a patch and waits until its enforcement has finished (its patch.enforce entry).
    void Register(const char* body) {
        auto created = client_->Post("/api/v1/security/patches", body);
        ASSERT_EQ(created.status, 201u) << created.body;
        ASSERT_TRUE(
            WaitForSql("SELECT count(*) FROM audit_log WHERE action = 'patch.enforce' AND "
                       "target_id = '" +
                           Str(Object(created), "id") + "'",
                       "1"));
    }
};

TEST_F(PatchApiTest, RegisterGetAndListWithFilters) {
    auto created = client_->Post("/api/v1/security/patches", kCriticalCommerce);
    ASSERT_EQ(created.status, 201u) << created.body;
    auto patch = Object(created);
    EXPECT_EQ(Str(patch, "id"), "patch-001");
    EXPECT_EQ(Str(patch, "cve_ids"), R"(["CVE-2026-12345","CVE-2026-12346"])");
    EXPECT_EQ(Str(patch, "is_mandatory"), "true");
    EXPECT_EQ(Str(patch, "release_date"), "2026-11-20T00:00:00.000Z");
    EXPECT_EQ(Str(patch, "created_by"), "token:admin");
    Register(kMediumPlatform);
    Register(kHighCommerce);
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action = 'patch.register'"), "3");
    EXPECT_TRUE(
        WaitForSql("SELECT count(*) FROM audit_log WHERE action = 'patch.enforce' AND "
                   "target_id = 'patch-001' AND reason = 'no instance affected: nothing to "
                   "roll out' AND details->>'rollout_id' IS NULL",
                   "1"));

    auto got = client_->Get("/api/v1/security/patches/patch-001");
    ASSERT_EQ(got.status, 200u) << got.body;
    EXPECT_EQ(Str(Object(got), "affected_versions"), ">=1.5.0 <1.5.1");
    auto missing = client_->Get("/api/v1/security/patches/patch-404");
    EXPECT_EQ(missing.status, 404u);
    EXPECT_EQ(Str(Object(missing), "detail"), "Patch not found");

    auto all = Json(client_->Get("/api/v1/security/patches")).as_array();
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(Str(all[0].as_object(), "id"), "patch-high");  // newest release first
    auto ids = [&](const std::string& target) {
        std::string out;
        const auto listed = Json(client_->Get(target));
        for (const auto& item : listed.as_array()) {
            out += Str(item.as_object(), "id") + " ";
        }
        return out;
    };
    EXPECT_EQ(ids("/api/v1/security/patches?component_type=suite&component_name=commerce"),
              "patch-high patch-001 ");
    EXPECT_EQ(ids("/api/v1/security/patches?component_type=platform"), "patch-plat ");
    EXPECT_EQ(ids("/api/v1/security/patches?severity=medium"), "patch-plat ");
    EXPECT_EQ(ids("/api/v1/security/patches/critical"), "patch-001 ");
    EXPECT_EQ(client_->Get("/api/v1/security/patches?severity=urgent").status, 422u);
    EXPECT_EQ(client_->Get("/api/v1/security/patches?limit=0").status, 422u);
    EXPECT_EQ(ids("/api/v1/security/patches?limit=1&cursor=patch-high"), "patch-plat ");

    auto again = client_->Post("/api/v1/security/patches", kCriticalCommerce);
    EXPECT_EQ(again.status, 409u) << again.body;
    auto viewer = ClientWith(MakeToken("watcher", "viewer"));
    EXPECT_EQ(viewer.Post("/api/v1/security/patches", kHighCommerce).status, 403u);
    EXPECT_EQ(viewer.Get("/api/v1/security/patches/critical").status, 200u);
}

TEST_F(PatchApiTest, BadPatchesAre422NamingTheFieldAndStoreNothing) {
    const std::string base = R"("patch_id":"patch-x","component_type":"suite",
        "component_name":"commerce")";
    struct Case {
        std::string body;
        std::string field;
    };
    const Case cases[] = {
        {base + R"(,"affected_versions":">=banana","patched_version":"1.5.1","severity":"high")",
         "affected_versions"},
        {base + R"(,"affected_versions":">=1.5.0","patched_version":"1.5.1","severity":"high")",
         "patched_version"},  // inside the range
        {base + R"(,"affected_versions":"<1.5.0","patched_version":"1.6.0","severity":"high")",
         "1.6.0"},  // not a registered release
        {base + R"(,"affected_versions":"<1.5.1","patched_version":"1.5.1","severity":"urgent")",
         "severity"},
        {base + R"(,"affected_versions":"<1.5.1","patched_version":"1.5.1","severity":"low",
            "cve_ids":["CVE-26-1"])",
         "cve_ids"},
        {base + R"(,"affected_versions":"<1.5.1","patched_version":"1.5.1","severity":"low",
            "colour":"red")",
         "colour"},
        {base + R"(,"patched_version":"1.5.1","severity":"low")", "affected_versions"},
        {R"("component_type":"suite","component_name":"commerce","affected_versions":"<1.5.1",
            "patched_version":"1.5.1","severity":"low")",
         "patch_id"},
        {R"("patch_id":"p","component_type":"os","component_name":"commerce",
            "affected_versions":"<1.5.1","patched_version":"1.5.1","severity":"low")",
         "component_type"},
    };
    for (const auto& c : cases) {
        auto answer = client_->Post("/api/v1/security/patches", "{" + c.body + "}");
        EXPECT_EQ(answer.status, 422u) << c.body << " -> " << answer.body;
        EXPECT_NE(answer.body.find(c.field), std::string::npos) << c.body << " -> " << answer.body;
    }
    EXPECT_EQ(client_->Post("/api/v1/security/patches", "[]").status, 400u);
    EXPECT_EQ(Count("security_patches"), 0);
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action LIKE 'patch.%'"), "0");
    EXPECT_EQ(Count("patch_deployments"), 0);
}

TEST_F(PatchApiTest, RunbookApplyOfACriticalPatchMovesAFrozenInstance) {
    Register(kCriticalCommerce);  // before the instance runs it: enforcement finds nothing
    Deployed("manifest-001");
    SetPolicy("instance-prod-01", "frozen");
    auto applied = client_->Post(kApplyPath, kRunbookApply);
    ASSERT_EQ(applied.status, 201u) << applied.body;
    auto body = Object(applied);
    const std::string id = Str(body, "id");
    EXPECT_EQ(id.rfind("deploy-", 0), 0u) << applied.body;
    EXPECT_EQ(Str(body, "patch_id"), "patch-001");
    EXPECT_EQ(Str(body, "status"), "pending");
    EXPECT_EQ(Str(body, "deployment_status"), "queued");
    EXPECT_EQ(Str(body, "decision"), "allowed");
    EXPECT_EQ(Str(body, "installed_version"), "1.5.0");
    EXPECT_EQ(Str(body, "from_manifest_id"), "manifest-001");
    ASSERT_EQ(body.at("plan").as_array().size(), 1u) << applied.body;
    EXPECT_EQ(Str(body.at("plan").as_array()[0].as_object(), "to_version"), "1.5.1");
    const std::string manifest = Str(body, "manifest_id");
    EXPECT_EQ(SqlValue("SELECT platform_version || ' ' || (suites->>'commerce') || ' ' || "
                       "instance_id FROM manifests WHERE id = '" +
                       manifest + "'"),
              "2.0.0 1.5.1 instance-prod-01");
    EXPECT_EQ(Str(Object(client_->Get("/api/v1/deployments/" + id)), "kind"), "patch");
    EXPECT_EQ(SqlValue("SELECT decision FROM audit_log WHERE action = 'patch.create'"), "allowed");
    EXPECT_EQ(SqlValue("SELECT patch_id FROM patch_deployments WHERE deployment_id = '" + id + "'"),
              "patch-001");

    // A second request while the first is queued deploys nothing more.
    auto busy = client_->Post(kApplyPath, kRunbookApply);
    EXPECT_EQ(busy.status, 409u) << busy.body;
    EXPECT_NE(Str(Object(busy), "detail").find("already being applied"), std::string::npos);

    FinishOnAgent(id, "instance-prod-01", true);
    EXPECT_EQ(SqlValue("SELECT current_manifest_id FROM instances"), manifest);
    const auto deployments = Count("deployments");
    auto again = client_->Post(kApplyPath, kRunbookApply);
    ASSERT_EQ(again.status, 200u) << again.body;
    EXPECT_EQ(Str(Object(again), "status"), "applied");
    EXPECT_EQ(Str(Object(again), "applicability"), "already_patched");
    EXPECT_EQ(Str(Object(again), "id"), "<null>");
    EXPECT_EQ(Count("deployments"), deployments);
}

TEST_F(PatchApiTest, DryRunAnswersPlanAndDecisionAndStoresOnlyTheAudit) {
    Register(kCriticalCommerce);
    Deployed("manifest-001");
    const auto manifests = Count("manifests");
    const auto deployments = Count("deployments");
    auto dry = client_->Post(kApplyPath, R"({"patch_id":"patch-001","dry_run":true})");
    ASSERT_EQ(dry.status, 200u) << dry.body;
    EXPECT_EQ(Str(Object(dry), "dry_run"), "true");
    EXPECT_EQ(Str(Object(dry), "decision"), "allowed");
    EXPECT_EQ(Object(dry).at("plan").as_array().size(), 1u);
    EXPECT_EQ(Str(Object(dry).at("manifest").as_object(), "suites"), R"({"commerce":"1.5.1"})");
    EXPECT_EQ(Count("manifests"), manifests);
    EXPECT_EQ(Count("deployments"), deployments);
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action = 'patch.dry_run'"), "1");
}

TEST_F(PatchApiTest, PatchRowsDecideMediumAwaitsApprovalAndHighFrozenIsRefused) {
    Register(kMediumPlatform);
    Register(kHighCommerce);
    Deployed("manifest-001");
    SetPolicy("instance-prod-01", "manual_approval");
    auto medium =
        client_->Post(kApplyPath, R"({"patch_id":"patch-plat","dry_run":false,"force":false})");
    ASSERT_EQ(medium.status, 201u) << medium.body;
    EXPECT_EQ(Str(Object(medium), "deployment_status"), "awaiting_approval");
    EXPECT_EQ(Str(Object(medium), "decision"), "deferred");
    EXPECT_EQ(Str(Object(medium), "status"), "pending");

    auto frozen = client_->Post("/api/v1/policies", R"({"instance_id":"instance-prod-01",
        "policy_type":"frozen","allow_security_patches":false})");
    ASSERT_EQ(frozen.status, 201u) << frozen.body;
    const auto manifests = Count("manifests");
    const auto deployments = Count("deployments");
    auto refused = client_->Post(kApplyPath, R"({"patch_id":"patch-high"})");
    EXPECT_EQ(refused.status, 409u) << refused.body;
    EXPECT_NE(Str(Object(refused), "detail").find("not allowed on this frozen instance"),
              std::string::npos);
    EXPECT_EQ(Count("manifests"), manifests);
    EXPECT_EQ(Count("deployments"), deployments);
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action = 'patch.create' AND "
                       "decision = 'refused'"),
              "1");

    auto op = ClientWith(MakeToken("ops", "operator"));
    EXPECT_EQ(op.Post(kApplyPath, R"({"patch_id":"patch-high","force":true,"reason":"x"})").status,
              403u);
    auto forced =
        client_->Post(kApplyPath, R"({"patch_id":"patch-high","force":true,"reason":"CVE fix"})");
    ASSERT_EQ(forced.status, 201u) << forced.body;
    EXPECT_EQ(Str(Object(forced), "deployment_status"), "queued");
}

TEST_F(PatchApiTest, NotAffectedAndBadRequestsAnswerClearlyWithoutDeploying) {
    Register(kCriticalCommerce);
    AddInstance("instance-bare");
    Deployed("manifest-003", "instance-bare");  // platform only: commerce not installed
    const auto deployments = Count("deployments");
    auto skipped = client_->Post("/api/v1/security/patches/apply?instance_id=instance-bare",
                                 R"({"patch_id":"patch-001"})");
    ASSERT_EQ(skipped.status, 200u) << skipped.body;
    EXPECT_EQ(Str(Object(skipped), "status"), "skipped");
    EXPECT_EQ(Str(Object(skipped), "applicability"), "not_installed");

    struct Case {
        std::string target;
        std::string body;
        unsigned status;
        std::string detail;
    };
    const Case cases[] = {
        {kApplyPath, R"({"patch_id":"patch-404"})", 404u, "Patch patch-404 not found"},
        {"/api/v1/security/patches/apply?instance_id=nobody", R"({"patch_id":"patch-001"})", 404u,
         "Instance nobody not found"},
        {kApplyPath, R"({"patch_id":"patch-001"})", 409u, "no current manifest"},
        {kApplyPath, R"({"dry_run":true})", 422u, "patch_id"},
        {"/api/v1/security/patches/apply", R"({"patch_id":"patch-001"})", 422u, "instance_id"},
        {kApplyPath, R"({"patch_id":"patch-001","force":true})", 422u, "reason"},
        {kApplyPath, R"({"patch_id":"patch-001","extra":1})", 422u, "extra"},
    };
    for (const auto& c : cases) {
        auto answer = client_->Post(c.target, c.body);
        EXPECT_EQ(answer.status, c.status) << c.body << " -> " << answer.body;
        EXPECT_NE(answer.body.find(c.detail), std::string::npos) << c.body << " -> " << answer.body;
    }
    EXPECT_EQ(Count("deployments"), deployments);
}

// Registering a patch applies it, as "system", to every instance it affects, each by its channel.
TEST_F(PatchApiTest, RegisteringPatchesEnforcesThemOnEveryAffectedInstance) {
    AddInstance("instance-frozen");
    AddInstance("instance-manual");
    AddInstance("instance-bare");
    Deployed("manifest-001", "instance-frozen");
    Deployed("manifest-001", "instance-manual");
    Deployed("manifest-003", "instance-bare");  // no commerce
    SetPolicy("instance-frozen", "frozen");
    SetPolicy("instance-manual", "manual_approval");

    Register(kCriticalCommerce);
    ASSERT_TRUE(
        WaitForSql("SELECT count(*) FROM patch_deployments WHERE patch_id = 'patch-001'", "2"));
    EXPECT_EQ(SqlValue("SELECT string_agg(d.instance_id || '=' || d.status || '/' || d.kind, ',' "
                       "ORDER BY d.instance_id) FROM patch_deployments p JOIN deployments d ON "
                       "d.id = p.deployment_id WHERE p.enforced"),
              "instance-frozen=queued/patch,instance-manual=queued/patch");
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action = 'patch.create' AND actor = "
                       "'system' AND decision = 'allowed'"),
              "2");

    auto compliance = Object(client_->Get("/api/v1/security/compliance"));
    ASSERT_EQ(compliance.at("patches").as_array().size(), 1u) << Str(compliance, "patches");
    auto entry = compliance.at("patches").as_array()[0].as_object();
    EXPECT_EQ(Str(entry, "affected"), "2");
    EXPECT_EQ(Str(entry, "pending"), "2");
    EXPECT_EQ(Str(entry, "compliant"), "false");
    EXPECT_EQ(Str(compliance, "instances_checked"), "3");  // instance-prod-01 has no manifest

    for (const char* instance : {"instance-frozen", "instance-manual"}) {
        FinishOnAgent(SqlValue(std::string("SELECT deployment_id FROM patch_deployments WHERE "
                                           "instance_id = '") +
                               instance + "'"),
                      instance, true);
    }
    entry =
        Object(client_->Get("/api/v1/security/compliance")).at("patches").as_array()[0].as_object();
    EXPECT_EQ(Str(entry, "patched"), "2");
    EXPECT_EQ(Str(entry, "compliant"), "true");
    EXPECT_EQ(Str(entry.at("instances").as_object(), "patched"),
              R"(["instance-frozen","instance-manual"])");

    // A medium patch on the manual-approval instance waits for approval.
    Register(kMediumPlatform);
    ASSERT_TRUE(
        WaitForSql("SELECT count(*) FROM patch_deployments WHERE patch_id = 'patch-plat'", "2"));
    EXPECT_EQ(SqlValue("SELECT d.status FROM patch_deployments p JOIN deployments d ON d.id = "
                       "p.deployment_id WHERE p.patch_id = 'patch-plat' AND p.instance_id = "
                       "'instance-manual'"),
              "awaiting_approval");

    auto status = client_->Get("/api/v1/security/patches/status/instance-manual");
    ASSERT_EQ(status.status, 200u) << status.body;
    auto body = Object(status);
    EXPECT_EQ(Str(body, "total_patches"), "2");
    EXPECT_EQ(Str(body, "applied_patches"), "1");
    EXPECT_EQ(Str(body, "pending_patches"), "1");
    EXPECT_EQ(Str(body, "failed_patches"), "0");
    EXPECT_EQ(Str(body, "critical_patches"), "0");
    EXPECT_EQ(client_->Get("/api/v1/security/patches/status/nobody").status, 404u);
    EXPECT_EQ(client_->Get("/api/v1/security/compliance?severity=urgent").status, 422u);
}

// A pin does not silently win over a critical patch: a range that admits the patched version lets
// it through; an exact pin keeps it off, and the reports name the pin.
TEST_F(PatchApiTest, PinsLetACriticalPatchThroughOnlyWhenTheirRangeAdmitsIt) {
    for (const char* instance : {"instance-exact", "instance-range"}) {
        AddInstance(instance);
        Deployed("manifest-001", instance);
    }
    for (const auto& [instance, pinned] :
         {std::pair{"instance-exact", "1.5.0"}, std::pair{"instance-range", ">=1.5.0 <1.6.0"}}) {
        auto pin =
            client_->Post(std::string("/api/v1/versions/pin?instance_id=") + instance,
                          std::string(R"({"component_type":"suite","component_name":"commerce",)") +
                              R"("pinned_version":")" + pinned + R"(","reason":"legacy ERP"})");
        ASSERT_EQ(pin.status, 201u) << pin.body;
    }
    Register(kCriticalCommerce);
    ASSERT_TRUE(
        WaitForSql("SELECT count(*) FROM audit_log WHERE action = 'patch.create' AND "
                   "actor = 'system'",
                   "2"));
    EXPECT_EQ(SqlValue("SELECT string_agg(instance_id, ',') FROM patch_deployments"),
              "instance-range");
    const std::string refusal = SqlValue(
        "SELECT reason FROM audit_log WHERE action = 'patch.create' AND decision = "
        "'refused' AND instance_id = 'instance-exact'");
    EXPECT_NE(refusal.find("pin"), std::string::npos) << refusal;

    auto entry =
        Object(client_->Get("/api/v1/security/compliance")).at("patches").as_array()[0].as_object();
    EXPECT_EQ(Str(entry, "compliant"), "false");
    EXPECT_EQ(Str(entry.at("instances").as_object(), "unpatched"), R"(["instance-exact"])");
    EXPECT_EQ(Str(entry.at("instances").as_object(), "pending"), R"(["instance-range"])");
    ASSERT_EQ(entry.at("blocked").as_array().size(), 1u) << Str(entry, "blocked");
    const auto& blocked = entry.at("blocked").as_array()[0].as_object();
    EXPECT_EQ(Str(blocked, "instance_id"), "instance-exact");
    EXPECT_EQ(Str(blocked, "reason"), refusal);

    auto status = Object(client_->Get("/api/v1/security/patches/status/instance-exact"));
    const auto& patch = status.at("patches").as_array()[0].as_object();
    EXPECT_EQ(Str(patch, "status"), "available");
    EXPECT_EQ(Str(patch, "blocked_by"), refusal);
    EXPECT_EQ(Str(status, "critical_patches"), "1");
}

}  // namespace
}  // namespace waka::coordinator::api::testing
