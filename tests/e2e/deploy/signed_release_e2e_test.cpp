// Only what the release key signed runs on a host (issue 12, ADR 0021), with the real coordinator,
// agent, PostgreSQL and disks: the coordinator and its database are treated as compromised.
#include <gtest/gtest.h>
#include <signal.h>

#include "coordinator/domain/artifact_files.hpp"
#include "shared/core/crypto.hpp"
#include "tests/e2e/deploy/e2e_fixture.hpp"

namespace waka::test {
namespace {
namespace fs = std::filesystem;

std::map<std::string, BundleFile> Bundle(const std::string& version,
                                         const std::string& post_activate) {
    return {{"app/VERSION", {version + "\n", 0644}},
            {"hooks/post-activate", {"#!/bin/sh\n" + post_activate + "\n", 0755}},
            {"hooks/health-check", {"#!/bin/sh\nexit 0\n", 0755}}};
}

class SignedReleaseE2eTest : public ::testing::Test {
protected:
    // platform 2.0.0 deployed (signed by the world's publisher), 2.1.0 registered and signed.
    void SetUp() override {
        world_.Publish("platform", "webwaka-platform", "2.0.0", Bundle("2.0.0", "true"));
        world_.Publish("platform", "webwaka-platform", "2.1.0", Bundle("2.1.0", "true"));
        world_.CreateManifest("manifest-001", "2.0.0", {}, {});
        world_.CreateManifest("manifest-002", "2.1.0", {}, {});
        agent_ = &world_.AddAgent("instance-prod-01");
        ASSERT_EQ(Status(world_.WaitTerminal(world_.Deploy("manifest-001", agent_->instance_id))),
                  "deployed");
    }

    static std::string Status(const boost::json::object& deployment) {
        const auto* status = deployment.if_contains("status");
        return status != nullptr && status->is_string() ? std::string(status->get_string()) : "";
    }

    // The bundle an attacker would ship as platform 2.1.0: its hook leaves a marker on the host.
    fs::path EvilBundle() {
        return MakeBundle(world_.Dir() / "evil", "platform", "webwaka-platform", "2.1.0",
                          Bundle("2.1.0", "touch \"" + Marker().string() + "\""));
    }
    [[nodiscard]] fs::path Marker() const { return world_.Dir() / "owned"; }

    // Deploys manifest-002 and expects the agent to refuse it: failed, with `reason` in its error,
    // 2.0.0 still current, the attacker's hook never run.
    void ExpectRefusedByTheAgent(const std::string& reason) {
        auto refused = world_.WaitTerminal(world_.Deploy("manifest-002", agent_->instance_id));
        const std::string text = boost::json::serialize(refused);
        EXPECT_EQ(Status(refused), "failed") << text;
        EXPECT_NE(text.find(reason), std::string::npos) << text;
        EXPECT_EQ(CurrentVersion(*agent_, "platform", "webwaka-platform"), "2.0.0");
        EXPECT_FALSE(fs::exists(Marker()));
    }

    E2eWorld world_;
    AgentHandle* agent_ = nullptr;
};

TEST_F(SignedReleaseE2eTest, SignedReleaseDeploysAndShowsItsKey) {
    auto release = world_.GetJson("/api/v1/versions/platform/webwaka-platform/2.1.0");
    EXPECT_EQ(release.at("release_key_id").as_string(), world_.Publisher().KeyId());
    EXPECT_EQ(Status(world_.WaitTerminal(world_.Deploy("manifest-002", agent_->instance_id))),
              "deployed");
    EXPECT_EQ(CurrentVersion(*agent_, "platform", "webwaka-platform"), "2.1.0");
}

// The bytes behind the signed digest are replaced in the coordinator's store: the agent's download
// check (size, then SHA-256, against the instruction and so the statement) refuses them.
TEST_F(SignedReleaseE2eTest, BundleReplacedInTheArtifactStoreIsRefused) {
    auto release = world_.GetJson("/api/v1/versions/platform/webwaka-platform/2.1.0");
    const std::string signed_sha(release.at("artifact_sha256").as_string());
    fs::copy_file(EvilBundle(),
                  coordinator::domain::ArtifactFilePath(world_.ArtifactDir(), signed_sha),
                  fs::copy_options::overwrite_existing);
    ExpectRefusedByTheAgent("download platform:webwaka-platform 2.1.0");
}

// The coordinator's store and database both say the evil bundle is 2.1.0, so the instruction names
// its digest and size and the download matches them: only the publisher's statement tells.
TEST_F(SignedReleaseE2eTest, BundleSubstitutedInStoreAndDatabaseIsRefused) {
    const fs::path evil = EvilBundle();
    const std::string evil_sha = *Sha256File(evil);
    const auto path = coordinator::domain::ArtifactFilePath(world_.ArtifactDir(), evil_sha);
    fs::create_directories(path.parent_path());
    fs::copy_file(evil, path);
    world_.Sql("INSERT INTO artifacts (sha256, size, created_at) VALUES ('" + evil_sha + "', " +
               std::to_string(fs::file_size(evil)) + ", now())");
    world_.Sql("UPDATE releases SET artifact_sha256 = '" + evil_sha +
               "' WHERE component_name = 'webwaka-platform' AND version = '2.1.0'");
    ExpectRefusedByTheAgent("release statement is for sha256");
}

// An upload whose statement another key signed, or that names other bytes, is refused at the door.
TEST_F(SignedReleaseE2eTest, UploadWithoutATrustedStatementIsRefused) {
    boost::json::object body{{"component_type", "platform"},
                             {"component_name", "webwaka-platform"},
                             {"version", "9.9.9"}};
    ASSERT_EQ(world_.Api().Post("/api/v1/versions", boost::json::serialize(body)).status, 201u);
    const fs::path evil = MakeBundle(world_.Dir() / "evil", "platform", "webwaka-platform", "9.9.9",
                                     Bundle("9.9.9", "true"));
    auto unsigned_upload =
        world_.Api().UploadFile("PUT", "/api/v1/artifacts/platform/webwaka-platform/9.9.9", evil,
                                {{"Content-Type", "application/gzip"}});
    EXPECT_EQ(unsigned_upload.status, 422u) << unsigned_upload.body;
    EXPECT_NE(unsigned_upload.body.find("X-Waka-Release-Signature: required"), std::string::npos)
        << unsigned_upload.body;
    TestPublisher stranger;
    auto foreign = world_.Api().UploadFile(
        "PUT", "/api/v1/artifacts/platform/webwaka-platform/9.9.9", evil,
        {{"Content-Type", "application/gzip"},
         {"X-Waka-Release-Signature",
          stranger.SignatureHeader("platform", "webwaka-platform", "9.9.9", evil)}});
    EXPECT_EQ(foreign.status, 422u) << foreign.body;
    EXPECT_NE(foreign.body.find("signed by unknown key " + stranger.KeyId()), std::string::npos)
        << foreign.body;
    auto release = world_.GetJson("/api/v1/versions/platform/webwaka-platform/9.9.9");
    EXPECT_TRUE(release.at("artifact_sha256").is_null());
}

// A floor is refused by the coordinator before anything is sent, and by the agent when the
// coordinator is made to send a deployment below it anyway (a row written behind its back).
TEST_F(SignedReleaseE2eTest, VersionBelowAFloorIsRefusedByTheCoordinatorAndByTheAgent) {
    ASSERT_EQ(Status(world_.WaitTerminal(world_.Deploy("manifest-002", agent_->instance_id))),
              "deployed");
    auto raised = world_.Api().Put(
        "/api/v1/floors",
        world_.Publisher().FloorFile("platform", "webwaka-platform", "2.1.0", "CVE-2026-0001"));
    ASSERT_EQ(raised.status, 201u) << raised.body;
    auto lower = world_.Api().Put(
        "/api/v1/floors",
        world_.Publisher().FloorFile("platform", "webwaka-platform", "2.0.5", "typo"));
    EXPECT_EQ(lower.status, 409u) << lower.body;

    auto refused = world_.Api().Post(
        "/api/v1/deployments",
        R"({"manifest_id":"manifest-001","instance_id":")" + agent_->instance_id + R"("})");
    EXPECT_EQ(refused.status, 409u) << refused.body;
    EXPECT_NE(refused.body.find(
                  "platform:webwaka-platform 2.0.0 is below the floor 2.1.0 (CVE-2026-0001)"),
              std::string::npos)
        << refused.body;

    // The crafted deployment: manifest-001's first plan again, queued, with its valid statement.
    world_.Sql(
        "INSERT INTO deployments (id, kind, status, instance_id, manifest_id, requested_by, plan, "
        "created_at, updated_at) SELECT 'deploy-crafted', 'deploy', 'queued', instance_id, "
        "manifest_id, "
        "'attacker', jsonb_set(plan, '{0,from_version}', '\"2.1.0\"'), now(), now() FROM "
        "deployments "
        "WHERE manifest_id = 'manifest-001' ORDER BY created_at LIMIT 1");
    agent_->process->Signal(SIGTERM);
    ASSERT_TRUE(agent_->process->Wait(std::chrono::seconds(20)).has_value());
    world_.StartAgent(*agent_);  // the reconnect dispatches the queued row
    auto crafted = world_.WaitTerminal("deploy-crafted");
    const std::string text = boost::json::serialize(crafted);
    EXPECT_EQ(Status(crafted), "failed") << text;
    EXPECT_NE(text.find("below the floor 2.1.0"), std::string::npos) << text;
    EXPECT_EQ(CurrentVersion(*agent_, "platform", "webwaka-platform"), "2.1.0");
}

}  // namespace
}  // namespace waka::test
