#include "agent/link/codec.hpp"

#include <gtest/gtest.h>

#include "waka/agent/v1/agent.pb.h"

namespace waka::agent::link {
namespace {

namespace pb = waka::agent::v1;

pb::Envelope Parse(const std::string& bytes) {
    pb::Envelope envelope;
    EXPECT_TRUE(envelope.ParseFromString(bytes));
    EXPECT_EQ(envelope.protocol_version(), kProtocolVersion);
    return envelope;
}

TEST(CodecTest, HelloCarriesEverything) {
    model::HelloData hello{
        "instance-1", "0.1.0", "cred", {{"platform", "webwaka-platform", "2.0.0"}}, "deploy-9"};
    auto envelope = Parse(EncodeHello(hello, 7));
    EXPECT_EQ(envelope.seq(), 7u);
    ASSERT_TRUE(envelope.has_hello());
    EXPECT_EQ(envelope.hello().instance_id(), "instance-1");
    EXPECT_EQ(envelope.hello().agent_version(), "0.1.0");
    EXPECT_EQ(envelope.hello().credential(), "cred");
    EXPECT_EQ(envelope.hello().in_flight_op_id(), "deploy-9");
    ASSERT_EQ(envelope.hello().inventory().components_size(), 1);
    EXPECT_EQ(envelope.hello().inventory().components(0).version(), "2.0.0");
}

TEST(CodecTest, ResultMapsOutcomes) {
    model::OperationResult result{"deploy-1",
                                  model::Outcome::kRolledBack,
                                  "health check failed",
                                  {{"suite", "commerce", "1.0.0"}}};
    auto envelope = Parse(EncodeResult(result, 1));
    ASSERT_TRUE(envelope.has_result());
    EXPECT_EQ(envelope.result().outcome(), pb::OUTCOME_ROLLED_BACK);
    EXPECT_EQ(envelope.result().error(), "health check failed");
    EXPECT_EQ(envelope.result().inventory().components(0).name(), "commerce");
    result.outcome = model::Outcome::kSucceeded;
    EXPECT_EQ(Parse(EncodeResult(result, 2)).result().outcome(), pb::OUTCOME_SUCCEEDED);
    result.outcome = model::Outcome::kFailed;
    EXPECT_EQ(Parse(EncodeResult(result, 3)).result().outcome(), pb::OUTCOME_FAILED);
}

TEST(CodecTest, AckProgressHeartbeatInventory) {
    EXPECT_EQ(Parse(EncodeAck("op-1", 1)).ack().op_id(), "op-1");
    auto progress = Parse(EncodeProgress({"op-1", "download", "suite:commerce", 10, 20}, 2));
    EXPECT_EQ(progress.progress().step(), "download");
    EXPECT_EQ(progress.progress().bytes_total(), 20u);
    EXPECT_EQ(Parse(EncodeHeartbeat(42, 3)).heartbeat().uptime_seconds(), 42u);
    EXPECT_EQ(Parse(EncodeInventory({{"a", "b", "c"}}, 4)).inventory().components_size(), 1);
}

TEST(CodecTest, DecodesWelcomeAndInstructionRoundTrip) {
    auto welcome = DecodeInbound(EncodeWelcomeForTest({"s-1", 20, "new-cred"}, 1));
    ASSERT_TRUE(welcome);
    ASSERT_TRUE(std::holds_alternative<model::WelcomeData>(*welcome));
    EXPECT_EQ(std::get<model::WelcomeData>(*welcome).heartbeat_seconds, 20u);
    EXPECT_EQ(std::get<model::WelcomeData>(*welcome).credential, "new-cred");

    model::InstructionData instruction;
    instruction.operation.op_id = "deploy-1";
    instruction.operation.kind = "deploy";
    instruction.operation.configuration_json = "{}";
    instruction.operation.components.push_back(
        {"platform", "p", "1.0.0", "2.0.0", std::string(64, 'a'), 123, "/agent/v1/artifacts/x"});
    instruction.deadline_unix_seconds = 99;
    auto decoded = DecodeInbound(EncodeInstructionForTest(instruction, 2));
    ASSERT_TRUE(decoded);
    const auto& got = std::get<model::InstructionData>(*decoded);
    EXPECT_EQ(got.deadline_unix_seconds, 99);
    EXPECT_EQ(got.operation.op_id, "deploy-1");
    EXPECT_EQ(got.operation.configuration_json, "{}");
    ASSERT_EQ(got.operation.components.size(), 1u);
    EXPECT_EQ(got.operation.components[0].size, 123u);
    EXPECT_EQ(got.operation.components[0].download_path, "/agent/v1/artifacts/x");
}

TEST(CodecTest, RefusesGarbageWrongVersionEmptyAndAgentBoundMessages) {
    EXPECT_FALSE(DecodeInbound("\xff\xff\xff garbage"));
    pb::Envelope envelope;
    envelope.set_protocol_version(kProtocolVersion + 1);
    envelope.mutable_cancel()->set_op_id("x");
    auto wrong_version = DecodeInbound(envelope.SerializeAsString());
    ASSERT_FALSE(wrong_version);
    EXPECT_TRUE(wrong_version.error().Is(Errc::kProtocol));
    envelope.set_protocol_version(kProtocolVersion);
    envelope.clear_body();
    EXPECT_FALSE(DecodeInbound(envelope.SerializeAsString()));
    EXPECT_FALSE(DecodeInbound(EncodeAck("op", 1)));  // agents send Acks, they never receive them
    envelope.mutable_cancel()->set_op_id("op-2");
    auto cancel = DecodeInbound(envelope.SerializeAsString());
    ASSERT_TRUE(cancel);
    EXPECT_EQ(std::get<CancelData>(*cancel).op_id, "op-2");
}

}  // namespace
}  // namespace waka::agent::link
