#include "agent/daemon/instruction.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace waka::agent::daemon {
namespace {

constexpr std::uint64_t kMaxBundle = 1 << 20;
const std::string kSha(64, 'a');

model::Operation ValidOperation() {
    model::Operation op;
    op.op_id = "deploy-1234";
    op.kind = "deploy";
    op.components.push_back(model::ComponentChange{
        .type = "platform",
        .name = "webwaka-platform",
        .from_version = "1.0.0",
        .to_version = "1.1.0",
        .artifact_sha256 = kSha,
        .size = 1000,
        .download_path = "/agent/v1/artifacts/" + kSha,
    });
    op.components.push_back(model::ComponentChange{
        .type = "suite", .name = "commerce", .from_version = "2.0.0", .to_version = ""});
    return op;
}

TEST(InstructionTest, ValidInstructionPasses) {
    auto valid = ValidateInstruction(ValidOperation(), kMaxBundle);
    EXPECT_TRUE(valid) << valid.error().message;
}

TEST(InstructionTest, HostileOrMalformedInstructionsAreRefused) {
    struct Case {
        const char* name;
        std::function<void(model::Operation&)> mutate;
    };
    const std::vector<Case> cases = {
        {"empty op_id", [](auto& op) { op.op_id.clear(); }},
        {"path op_id", [](auto& op) { op.op_id = "../x"; }},
        {"bad kind", [](auto& op) { op.kind = "install"; }},
        {"bad type", [](auto& op) { op.components[0].type = "plugin"; }},
        {"dotdot name", [](auto& op) { op.components[0].name = "../x"; }},
        {"slash name", [](auto& op) { op.components[0].name = "a/b"; }},
        {"dot name", [](auto& op) { op.components[0].name = ".."; }},
        {"current name", [](auto& op) { op.components[0].to_version = "current"; }},
        {"path version", [](auto& op) { op.components[0].to_version = "../../etc"; }},
        {"path from version", [](auto& op) { op.components[1].from_version = "/abs"; }},
        {"short sha", [](auto& op) { op.components[0].artifact_sha256 = "abc"; }},
        {"upper sha", [](auto& op) { op.components[0].artifact_sha256 = std::string(64, 'A'); }},
        {"non hex sha", [](auto& op) { op.components[0].artifact_sha256 = std::string(64, 'g'); }},
        {"zero size", [](auto& op) { op.components[0].size = 0; }},
        {"too big", [](auto& op) { op.components[0].size = kMaxBundle + 1; }},
        {"foreign path", [](auto& op) { op.components[0].download_path = "/api/v1/tokens"; }},
        {"traversal path",
         [](auto& op) { op.components[0].download_path = "/agent/v1/artifacts/../../api"; }},
        {"header injection",
         [](auto& op) { op.components[0].download_path = "/agent/v1/artifacts/x\r\nX: y"; }},
        {"duplicate component", [](auto& op) { op.components.push_back(op.components[0]); }},
    };
    for (const auto& test_case : cases) {
        auto op = ValidOperation();
        test_case.mutate(op);
        auto result = ValidateInstruction(op, kMaxBundle);
        ASSERT_FALSE(result) << test_case.name;
        EXPECT_TRUE(result.error().Is(Errc::kInvalidArgument)) << test_case.name;
    }
}

TEST(InstructionTest, EmptyDownloadPathFallsBackToTheDefault) {
    auto op = ValidOperation();
    op.components[0].download_path.clear();
    EXPECT_TRUE(ValidateInstruction(op, kMaxBundle));
}

TEST(InstructionTest, RollbackAndPatchKindsAreAccepted) {
    for (const char* kind : {"patch", "rollback"}) {
        auto op = ValidOperation();
        op.kind = kind;
        EXPECT_TRUE(ValidateInstruction(op, kMaxBundle)) << kind;
    }
}

}  // namespace
}  // namespace waka::agent::daemon
