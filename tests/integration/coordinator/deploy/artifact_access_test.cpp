#include "coordinator/deploy/deployment_service.hpp"
#include "tests/integration/coordinator/deploy/deployment_service_fixture.hpp"

// Which artifacts an agent's credential downloads (ADR 0024), against the real gateway and a real
// PostgreSQL: only those named by the plan of a deployment in flight on its own instance, and a
// refusal is the 404 of an artifact that does not exist.
namespace waka::coordinator::deploy {
namespace {
using testing::DeploymentServiceTest;
using testing::kArtifactBytes;
namespace v1 = waka::agent::v1;
using namespace std::chrono_literals;

constexpr const char* kSecondToken = "enroll_fedcba9876543210fedcba9876543210";

class ArtifactAccessTest : public DeploymentServiceTest {
protected:
    // GET (or another method) of an artifact with the instance's headers, on a fresh connection.
    test::HttpsResponse Download(const std::string& sha, const std::string& instance_id,
                                 const std::string& credential, const std::string& range = "",
                                 const std::string& method = "GET") {
        auto https =
            test::TestHttpsClient::Connect({"127.0.0.1", port_, pki_.ca_cert, "localhost"});
        EXPECT_TRUE(https) << https.error().message;
        if (!https) {
            return {};
        }
        std::map<std::string, std::string> headers{{"X-Waka-Instance", instance_id},
                                                   {"Authorization", "Bearer " + credential}};
        if (!range.empty()) {
            headers["Range"] = range;
        }
        auto response = (*https)->Request(method, "/agent/v1/artifacts/" + sha, headers);
        EXPECT_TRUE(response) << response.error().message;
        return response ? *response : test::HttpsResponse{};
    }

    // Enrolls instance-prod-01, creates a deployment of manifest-001 (whose three changes all name
    // sha_) and waits for its instruction: the deployment is then deploying.
    std::string StartDeployment(test::TestAgentClient& agent) {
        const auto credential = Enroll(agent);
        EXPECT_TRUE(test::WaitFor([&] { return gateway_->IsConnected("instance-prod-01"); }, 5s));
        auto created = Await(service_->Create(operator_, Request()));
        EXPECT_TRUE(created) << created.error().message;
        auto instruction = NextInstruction(agent);
        EXPECT_TRUE(instruction);
        deployment_id_ = created ? created->deployment.id : "";
        EXPECT_EQ(domain::ToString(WaitStatus(deployment_id_, "deploying").status), "deploying");
        return credential;
    }

    std::string deployment_id_;
};

TEST_F(ArtifactAccessTest, TheAgentDownloadsWhatItsDeploymentInFlightPlans) {
    auto agent = ConnectAgent();
    const auto credential = StartDeployment(*agent);

    auto full = Download(sha_, "instance-prod-01", credential);
    EXPECT_EQ(full.status, 200u);
    EXPECT_EQ(full.body, kArtifactBytes);

    auto resumed = Download(sha_, "instance-prod-01", credential, "bytes=10-");
    EXPECT_EQ(resumed.status, 206u);
    EXPECT_EQ(resumed.body, kArtifactBytes.substr(10));

    auto head = Download(sha_, "instance-prod-01", credential, "", "HEAD");
    EXPECT_EQ(head.status, 200u);

    // The credential is still checked first.
    auto wrong = Download(sha_, "instance-prod-01", "wrong");
    EXPECT_EQ(wrong.status, 401u);
}

TEST_F(ArtifactAccessTest, AStoredArtifactOutsideItsPlansIsNotFound) {
    auto agent = ConnectAgent();
    const auto credential = StartDeployment(*agent);
    const auto other = StoreArtifact("another component's bundle");

    auto refused = Download(other, "instance-prod-01", credential);
    auto missing = Download(std::string(64, 'f'), "instance-prod-01", credential);
    EXPECT_EQ(refused.status, 404u);
    EXPECT_EQ(missing.status, 404u);
    // Nothing tells a stored artifact from one that does not exist.
    EXPECT_EQ(refused.body, missing.body);
    EXPECT_EQ(Download(other, "instance-prod-01", credential, "bytes=0-4").status, 404u);
}

TEST_F(ArtifactAccessTest, NoArtifactIsServedWithoutADeploymentInFlight) {
    auto agent = ConnectAgent();
    const auto credential = Enroll(*agent);
    ASSERT_FALSE(credential.empty());

    EXPECT_EQ(Download(sha_, "instance-prod-01", credential).status, 404u);
    // Queued is not enough: the agent has no instruction for it yet (and, disconnected, gets none).
    agent->Close();
    ASSERT_TRUE(test::WaitFor([&] { return !gateway_->IsConnected("instance-prod-01"); }, 5s));
    Sql("INSERT INTO deployments (id, kind, status, instance_id, manifest_id, requested_by, plan, "
        "created_at, updated_at) VALUES ('deploy-queued', 'deploy', 'queued', 'instance-prod-01', "
        "'manifest-001', 'test', '[{\"artifact_sha256\": \"" +
        sha_ + "\"}]', now(), now())");
    EXPECT_EQ(Download(sha_, "instance-prod-01", credential).status, 404u);
}

TEST_F(ArtifactAccessTest, AnotherInstancesCredentialCannotDownloadIt) {
    Sql("INSERT INTO instances (id, enrollment_token_hash, created_at) VALUES "
        "('instance-prod-02', '" +
        Sha256Hex(kSecondToken) + "', now())");
    auto second = ConnectAgent();
    const auto second_credential = Enroll(*second, "instance-prod-02", kSecondToken);
    ASSERT_FALSE(second_credential.empty());
    auto agent = ConnectAgent();
    const auto credential = StartDeployment(*agent);
    ASSERT_EQ(Download(sha_, "instance-prod-01", credential).status, 200u);

    auto refused = Download(sha_, "instance-prod-02", second_credential, "bytes=0-");
    EXPECT_EQ(refused.status, 404u);
    EXPECT_NE(refused.body.find("\"code\":\"artifact_not_found\""), std::string::npos)
        << refused.body;
    // Nor by naming the first instance with the second's credential.
    EXPECT_EQ(Download(sha_, "instance-prod-01", second_credential).status, 401u);
}

// A partial download is resumed after a reconnect while the deployment is still deploying; once it
// finished, a late request is refused (the agent retries with its next instruction).
TEST_F(ArtifactAccessTest, ResumeWorksWhileDeployingAndStopsWhenTheDeploymentFinished) {
    auto agent = ConnectAgent();
    const auto credential = StartDeployment(*agent);
    ASSERT_EQ(Download(sha_, "instance-prod-01", credential, "bytes=0-9").status, 206u);
    agent->Close();
    ASSERT_TRUE(test::WaitFor([&] { return !gateway_->IsConnected("instance-prod-01"); }, 5s));

    auto again = ConnectAgent();
    ASSERT_TRUE(again->Send(test::MakeHelloEnvelope("instance-prod-01", credential)));
    auto resent = NextInstruction(*again);
    ASSERT_TRUE(resent);
    EXPECT_EQ(resent->op_id(), deployment_id_);
    auto resumed = Download(sha_, "instance-prod-01", credential, "bytes=10-");
    EXPECT_EQ(resumed.status, 206u);
    EXPECT_EQ(resumed.body, kArtifactBytes.substr(10));

    v1::Envelope result;
    result.set_protocol_version(1);
    result.mutable_result()->set_op_id(deployment_id_);
    result.mutable_result()->set_outcome(v1::OUTCOME_SUCCEEDED);
    ASSERT_TRUE(again->Send(result));
    ASSERT_EQ(domain::ToString(WaitStatus(deployment_id_, "deployed").status), "deployed");

    EXPECT_EQ(Download(sha_, "instance-prod-01", credential, "bytes=10-").status, 404u);
    EXPECT_EQ(Download(sha_, "instance-prod-01", credential).status, 404u);
}

}  // namespace
}  // namespace waka::coordinator::deploy
