#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>

#include "shared/core/crypto.hpp"
#include "tests/integration/coordinator/gateway/gateway_fixture.hpp"

namespace waka::coordinator::gateway {
namespace {

class ArtifactDownloadTest : public GatewayServerTest {
protected:
    void SetUp() override {
        GatewayServerTest::SetUp();
        for (std::uint64_t i = 0; i < 300'000; ++i) {
            content_ += static_cast<char>('a' + (i * 7919) % 26);
        }
        const auto path = dir_ / "artifact.tar.gz";
        std::ofstream(path, std::ios::binary) << content_;
        sha_ = Sha256Hex(content_);
        directory_.AddArtifact(sha_, path);
        StartGateway();
        auto client = test::TestHttpsClient::Connect(ClientOptions());
        ASSERT_TRUE(client) << client.error().message;
        http_ = std::move(*client);
    }
    void TearDown() override {
        http_.reset();
        GatewayServerTest::TearDown();
    }

    Expected<test::HttpsResponse> Get(
        const std::string& sha, const std::string& range = "",
        const std::string& credential = FakeAgentDirectory::kCredential,
        const std::string& method = "GET") {
        std::map<std::string, std::string> headers{{"X-Waka-Instance", "instance-a"},
                                                   {"Authorization", "Bearer " + credential}};
        if (!range.empty()) {
            headers["Range"] = range;
        }
        return http_->Request(method, "/agent/v1/artifacts/" + sha, headers);
    }

    std::string content_;
    std::string sha_;
    std::unique_ptr<test::TestHttpsClient> http_;
};

TEST_F(ArtifactDownloadTest, FullDownloadThenResumeOnTheSameConnection) {
    auto full = Get(sha_);
    ASSERT_TRUE(full) << full.error().message;
    EXPECT_EQ(full->status, 200u);
    EXPECT_EQ(full->headers["content-length"], std::to_string(content_.size()));
    EXPECT_EQ(full->headers["accept-ranges"], "bytes");
    EXPECT_EQ(Sha256Hex(full->body), sha_);

    auto resumed = Get(sha_, "bytes=100000-");
    ASSERT_TRUE(resumed) << resumed.error().message;
    EXPECT_EQ(resumed->status, 206u);
    EXPECT_EQ(resumed->headers["content-range"], "bytes 100000-" +
                                                     std::to_string(content_.size() - 1) + "/" +
                                                     std::to_string(content_.size()));
    EXPECT_EQ(resumed->body, content_.substr(100000));

    auto window = Get(sha_, "bytes=10-19");
    ASSERT_TRUE(window);
    EXPECT_EQ(window->status, 206u);
    EXPECT_EQ(window->headers["content-length"], "10");
    EXPECT_EQ(window->body, content_.substr(10, 10));

    auto head = Get(sha_, "", FakeAgentDirectory::kCredential, "HEAD");
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200u);
    EXPECT_EQ(head->headers["content-length"], std::to_string(content_.size()));
    EXPECT_TRUE(head->body.empty());

    auto past_end = Get(sha_, "bytes=" + std::to_string(content_.size()) + "-");
    ASSERT_TRUE(past_end);
    EXPECT_EQ(past_end->status, 416u);
    EXPECT_EQ(past_end->headers["content-range"], "bytes */" + std::to_string(content_.size()));
}

TEST_F(ArtifactDownloadTest, RefusalsAnswerJson) {
    auto wrong = Get(sha_, "", "not-the-credential");
    ASSERT_TRUE(wrong);
    EXPECT_EQ(wrong->status, 401u);
    EXPECT_EQ(wrong->headers["content-type"], "application/json");
    EXPECT_NE(wrong->body.find("\"code\":\"unauthenticated\""), std::string::npos) << wrong->body;

    auto anonymous = http_->Request("GET", "/agent/v1/artifacts/" + sha_);
    ASSERT_TRUE(anonymous);
    EXPECT_EQ(anonymous->status, 401u);

    auto unknown = Get(std::string(64, 'e'));
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->status, 404u);
    EXPECT_NE(unknown->body.find("\"code\":\"artifact_not_found\""), std::string::npos);

    // Stored, but outside the instance's deployments (ADR 0024): the same answer as unknown.
    const std::string elsewhere = Sha256Hex("another instance's bundle");
    directory_.AddArtifact(elsewhere, dir_ / "artifact.tar.gz");
    directory_.Forbid(elsewhere);
    auto forbidden = Get(elsewhere);
    ASSERT_TRUE(forbidden);
    EXPECT_EQ(forbidden->status, 404u);
    EXPECT_EQ(forbidden->body, unknown->body);
    auto forbidden_range = Get(elsewhere, "bytes=0-9");
    ASSERT_TRUE(forbidden_range);
    EXPECT_EQ(forbidden_range->status, 404u);

    auto other_path = http_->Request("GET", "/api/v1/deployments");
    ASSERT_TRUE(other_path);
    EXPECT_EQ(other_path->status, 404u);
    EXPECT_NE(other_path->body.find("\"code\":\"not_found\""), std::string::npos);

    auto plain_connect = http_->Request("GET", "/agent/v1/connect");
    ASSERT_TRUE(plain_connect);
    EXPECT_EQ(plain_connect->status, 426u);

    auto not_hex = Get("not-a-sha256");
    ASSERT_TRUE(not_hex);
    EXPECT_EQ(not_hex->status, 400u);
    EXPECT_NE(not_hex->body.find("\"code\":\"invalid_sha256\""), std::string::npos);

    const auto calls = directory_.Snapshot();
    for (const auto& [instance, credential] : calls.credential_checks) {
        EXPECT_EQ(instance, "instance-a");
    }
    // Asked only after the credential held, for the instance that presented it.
    const std::vector<std::pair<std::string, std::string>> asked{
        {"instance-a", std::string(64, 'e')}, {"instance-a", elsewhere}, {"instance-a", elsewhere}};
    EXPECT_EQ(calls.download_checks, asked);
}

}  // namespace
}  // namespace waka::coordinator::gateway
