#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/link/messages.hpp"
#include "agent/model/operation.hpp"
#include "shared/core/error.hpp"

// Conversion between the plain message types and serialized protobuf Envelopes. Pure functions,
// thread-safe; the only place of the agent that sees the generated types.
namespace waka::agent::link {

[[nodiscard]] std::string EncodeHello(const model::HelloData& hello, std::uint64_t seq);
[[nodiscard]] std::string EncodeHeartbeat(std::uint64_t uptime_seconds, std::uint64_t seq);
[[nodiscard]] std::string EncodeAck(const std::string& op_id, std::uint64_t seq);
[[nodiscard]] std::string EncodeProgress(const model::ProgressEvent& progress, std::uint64_t seq);
[[nodiscard]] std::string EncodeResult(const model::OperationResult& result, std::uint64_t seq);
[[nodiscard]] std::string EncodeInventory(const std::vector<model::InstalledComponent>& inventory,
                                          std::uint64_t seq);

[[nodiscard]] std::string EncodeCertificateRequest(const std::string& request_pem,
                                                   std::uint64_t seq);

// Parses one coordinator-to-agent frame. Errc::kProtocol for bytes that are no Envelope, another
// protocol version, an empty body or a message only agents send.
[[nodiscard]] Expected<Inbound> DecodeInbound(std::string_view bytes);

// Test helpers (the coordinator side of the same conversions): what a gateway would send.
[[nodiscard]] std::string EncodeWelcomeForTest(const model::WelcomeData& welcome,
                                               std::uint64_t seq);
[[nodiscard]] std::string EncodeInstructionForTest(const model::InstructionData& instruction,
                                                   std::uint64_t seq);

}  // namespace waka::agent::link
