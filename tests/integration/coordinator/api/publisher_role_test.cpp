// The publisher role (ADR 0023) with the real PostgreSQL: releases, artifacts, patches and floors
// are the publisher's (or an admin's) to make; deployments are not.
#include "tests/integration/coordinator/api/api_fixture.hpp"

namespace waka::coordinator::api::testing {
namespace {

constexpr const char* kVersionBody =
    R"({"component_type":"suite","component_name":"commerce","version":"1.5.0"})";
constexpr const char* kPatchBody = R"({"patch_id":"patch-med","component_type":"suite",
    "component_name":"commerce","affected_versions":"<1.5.0","patched_version":"1.5.0",
    "severity":"medium"})";

class PublisherRoleTest : public ApiTest {
protected:
    void SetUp() override {
        ApiTest::SetUp();
        publisher_client_ =
            std::make_unique<test::HttpClient>(ClientWith(MakeToken("release-bot", "publisher")));
        operator_client_ =
            std::make_unique<test::HttpClient>(ClientWith(MakeToken("ops", "operator")));
    }

    test::HttpResult SetFloor(test::HttpClient& as) {
        return as.Put("/api/v1/floors",
                      publisher_.FloorFile("suite", "commerce", "1.5.0", "CVE-2026-0003"));
    }

    static void ExpectRefusedForThePublisher(const test::HttpResult& refused) {
        EXPECT_EQ(refused.status, 403u) << refused.body;
        EXPECT_NE(refused.body.find("needs the publisher role (or admin)"), std::string::npos)
            << refused.body;
        EXPECT_NE(refused.body.find("token:ops has the operator role"), std::string::npos)
            << refused.body;
    }

    std::unique_ptr<test::HttpClient> publisher_client_;
    std::unique_ptr<test::HttpClient> operator_client_;
};

TEST_F(PublisherRoleTest, AnOperatorCannotPublishAndNothingIsStored) {
    CreateVersion("suite", "commerce", "1.5.0");  // as the admin, so that the upload has a target
    const long long audit = Count("audit_log");
    ExpectRefusedForThePublisher(operator_client_->Post(
        "/api/v1/versions",
        R"({"component_type":"suite","component_name":"commerce","version":"1.6.0"})"));
    ExpectRefusedForThePublisher(
        Upload("suite", "commerce", "1.5.0", "commerce 1.5.0", {}, operator_client_.get()));
    ExpectRefusedForThePublisher(SetFloor(*operator_client_));
    ExpectRefusedForThePublisher(operator_client_->Post("/api/v1/security/patches", kPatchBody));
    EXPECT_EQ(Count("releases"), 1);
    EXPECT_EQ(Count("artifacts"), 0);
    EXPECT_EQ(Count("release_floors"), 0);
    EXPECT_EQ(Count("security_patches"), 0);
    EXPECT_EQ(Count("audit_log"), audit);
}

TEST_F(PublisherRoleTest, APublisherPublishesAndIsAuditedAsItself) {
    auto version = publisher_client_->Post("/api/v1/versions", kVersionBody);
    ASSERT_EQ(version.status, 201u) << version.body;
    auto uploaded =
        Upload("suite", "commerce", "1.5.0", "commerce 1.5.0", {}, publisher_client_.get());
    ASSERT_EQ(uploaded.status, 201u) << uploaded.body;
    auto floor = SetFloor(*publisher_client_);
    ASSERT_EQ(floor.status, 201u) << floor.body;
    auto patch = publisher_client_->Post("/api/v1/security/patches", kPatchBody);
    ASSERT_EQ(patch.status, 201u) << patch.body;
    for (const char* action :
         {"release.create", "artifact.upload", "floor.raise", "patch.register"}) {
        EXPECT_EQ(SqlValue(std::string("SELECT actor FROM audit_log WHERE action = '") + action +
                           "' ORDER BY seq DESC LIMIT 1"),
                  "token:release-bot")
            << action;
    }
    EXPECT_EQ(publisher_client_->Get("/api/v1/versions").status, 200u);  // and reads as a viewer
}

TEST_F(PublisherRoleTest, APublisherCannotDeployOrChangeTheFleet) {
    ASSERT_EQ(client_->Post("/api/v1/instances", R"({"id":"instance-prod-01"})").status, 201u);
    CreateVersion("platform", "webwaka-platform", "2.0.0");
    ASSERT_EQ(Upload("platform", "webwaka-platform", "2.0.0", "platform 2.0.0").status, 201u);
    ASSERT_EQ(
        client_->Post("/api/v1/manifests", R"({"id":"manifest-001","platform_version":"2.0.0"})")
            .status,
        201u);
    const long long audit = Count("audit_log");
    auto deploy = publisher_client_->Post(
        "/api/v1/deployments",
        R"({"manifest_id":"manifest-001","instance_id":"instance-prod-01"})");
    EXPECT_EQ(deploy.status, 403u) << deploy.body;
    EXPECT_NE(deploy.body.find("needs the operator role or higher"), std::string::npos)
        << deploy.body;
    EXPECT_EQ(
        publisher_client_
            ->Post("/api/v1/policies?instance_id=instance-prod-01&policy_type=auto_update", "")
            .status,
        403u);
    EXPECT_EQ(publisher_client_
                  ->Post("/api/v1/security/patches/apply?instance_id=instance-prod-01",
                         R"({"patch_id":"patch-med"})")
                  .status,
              403u);
    EXPECT_EQ(publisher_client_->Get("/api/v1/tokens").status, 403u);
    EXPECT_EQ(Count("deployments"), 0);
    EXPECT_EQ(Count("policies"), 0);
    EXPECT_EQ(Count("audit_log"), audit);
}

TEST_F(PublisherRoleTest, OnlyAnAdminCreatesPublisherTokens) {
    auto refused = operator_client_->Post("/api/v1/tokens", R"({"name":"p2","role":"publisher"})");
    EXPECT_EQ(refused.status, 403u) << refused.body;
    auto created = client_->Post("/api/v1/tokens", R"({"name":"p2","role":"publisher"})");
    ASSERT_EQ(created.status, 201u) << created.body;
    EXPECT_EQ(Str(Object(created), "role"), "publisher");
    auto unknown = client_->Post("/api/v1/tokens", R"({"name":"p3","role":"releaser"})");
    EXPECT_EQ(unknown.status, 422u) << unknown.body;
    EXPECT_NE(unknown.body.find("publisher"), std::string::npos) << unknown.body;
}

TEST_F(PublisherRoleTest, ASecondActiveTokenOfAnExistingNameIsAConflict) {
    const long long tokens = Count("api_tokens");
    const long long audit = Count("audit_log");
    auto duplicate = client_->Post("/api/v1/tokens", R"({"name":"ops","role":"admin"})");
    EXPECT_EQ(duplicate.status, 409u) << duplicate.body;
    EXPECT_NE(Str(Object(duplicate), "detail").find("an active API token is already named ops"),
              std::string::npos)
        << duplicate.body;
    EXPECT_EQ(Count("api_tokens"), tokens);
    EXPECT_EQ(Count("audit_log"), audit);
}

}  // namespace
}  // namespace waka::coordinator::api::testing
