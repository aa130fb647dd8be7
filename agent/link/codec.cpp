#include "agent/link/codec.hpp"

#include <limits>

#include "waka/agent/v1/agent.pb.h"

namespace waka::agent::link {
namespace {

namespace pb = waka::agent::v1;

pb::Envelope NewEnvelope(std::uint64_t seq) {
    pb::Envelope envelope;
    envelope.set_protocol_version(kProtocolVersion);
    envelope.set_seq(seq);
    return envelope;
}

std::string Serialize(const pb::Envelope& envelope) {
    std::string bytes;
    envelope.SerializeToString(&bytes);
    return bytes;
}

void FillInventory(const std::vector<model::InstalledComponent>& from, pb::Inventory* to) {
    for (const auto& component : from) {
        auto* item = to->add_components();
        item->set_type(component.type);
        item->set_name(component.name);
        item->set_version(component.version);
    }
}

pb::Outcome ToWire(model::Outcome outcome) {
    switch (outcome) {
        case model::Outcome::kSucceeded:
            return pb::OUTCOME_SUCCEEDED;
        case model::Outcome::kRolledBack:
            return pb::OUTCOME_ROLLED_BACK;
        case model::Outcome::kFailed:
            break;
    }
    return pb::OUTCOME_FAILED;
}

model::InstructionData FromWire(const pb::Instruction& wire) {
    model::InstructionData data;
    data.deadline_unix_seconds = wire.deadline_unix_seconds();
    auto& op = data.operation;
    op.op_id = wire.op_id();
    op.kind = wire.kind();
    op.configuration_json = wire.configuration_json();
    for (const auto& c : wire.components()) {
        op.components.push_back(model::ComponentChange{
            .type = c.type(),
            .name = c.name(),
            .from_version = c.from_version(),
            .to_version = c.to_version(),
            .artifact_sha256 = c.artifact_sha256(),
            .size = c.size(),
            .download_path = c.download_path(),
            .release_statement = c.release_statement(),
            .release_signature = c.release_signature(),
        });
    }
    for (const auto& floor : wire.floors()) {
        op.floors.push_back({floor.statement(), floor.signature()});
    }
    return data;
}

}  // namespace

std::string EncodeHello(const model::HelloData& hello, std::uint64_t seq) {
    auto envelope = NewEnvelope(seq);
    auto* body = envelope.mutable_hello();
    body->set_instance_id(hello.instance_id);
    body->set_agent_version(hello.agent_version);
    body->set_credential(hello.credential);
    FillInventory(hello.inventory, body->mutable_inventory());
    body->set_in_flight_op_id(hello.in_flight_op_id);
    body->set_certificate_request(hello.certificate_request);
    return Serialize(envelope);
}

std::string EncodeCertificateRequest(const std::string& request_pem, std::uint64_t seq) {
    auto envelope = NewEnvelope(seq);
    envelope.mutable_certificate_request()->set_csr(request_pem);
    return Serialize(envelope);
}

std::string EncodeHeartbeat(std::uint64_t uptime_seconds, std::uint64_t seq) {
    auto envelope = NewEnvelope(seq);
    envelope.mutable_heartbeat()->set_uptime_seconds(uptime_seconds);
    return Serialize(envelope);
}

std::string EncodeAck(const std::string& op_id, std::uint64_t seq) {
    auto envelope = NewEnvelope(seq);
    envelope.mutable_ack()->set_op_id(op_id);
    return Serialize(envelope);
}

std::string EncodeProgress(const model::ProgressEvent& progress, std::uint64_t seq) {
    auto envelope = NewEnvelope(seq);
    auto* body = envelope.mutable_progress();
    body->set_op_id(progress.op_id);
    body->set_step(progress.step);
    body->set_component(progress.component);
    body->set_bytes_done(progress.bytes_done);
    body->set_bytes_total(progress.bytes_total);
    return Serialize(envelope);
}

std::string EncodeResult(const model::OperationResult& result, std::uint64_t seq) {
    auto envelope = NewEnvelope(seq);
    auto* body = envelope.mutable_result();
    body->set_op_id(result.op_id);
    body->set_outcome(ToWire(result.outcome));
    body->set_error(result.error);
    FillInventory(result.inventory, body->mutable_inventory());
    return Serialize(envelope);
}

std::string EncodeInventory(const std::vector<model::InstalledComponent>& inventory,
                            std::uint64_t seq) {
    auto envelope = NewEnvelope(seq);
    FillInventory(inventory, envelope.mutable_inventory());
    return Serialize(envelope);
}

Expected<Inbound> DecodeInbound(std::string_view bytes) {
    pb::Envelope envelope;
    if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
        !envelope.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
        return MakeError(Errc::kProtocol, "frame is not a protocol Envelope");
    }
    if (envelope.protocol_version() != kProtocolVersion) {
        return MakeError(Errc::kProtocol, "unsupported protocol_version " +
                                              std::to_string(envelope.protocol_version()));
    }
    switch (envelope.body_case()) {
        case pb::Envelope::kWelcome: {
            const auto& w = envelope.welcome();
            model::WelcomeData welcome{
                w.session_id(), w.heartbeat_seconds(), w.credential(), {}, w.certificate()};
            for (const auto& floor : w.floors()) {
                welcome.floors.push_back({floor.statement(), floor.signature()});
            }
            return Inbound{std::move(welcome)};
        }
        case pb::Envelope::kInstruction:
            return Inbound{FromWire(envelope.instruction())};
        case pb::Envelope::kCancel:
            return Inbound{CancelData{envelope.cancel().op_id()}};
        case pb::Envelope::kError:
            return Inbound{ErrorData{envelope.error().code(), envelope.error().detail()}};
        case pb::Envelope::kCertificateIssued:
            return Inbound{CertificateData{envelope.certificate_issued().certificate()}};
        case pb::Envelope::BODY_NOT_SET:
            return MakeError(Errc::kProtocol, "Envelope without a body");
        default:
            break;
    }
    return MakeError(Errc::kProtocol, "message type " + std::to_string(envelope.body_case()) +
                                          " is not sent to agents");
}

std::string EncodeWelcomeForTest(const model::WelcomeData& welcome, std::uint64_t seq) {
    auto envelope = NewEnvelope(seq);
    auto* body = envelope.mutable_welcome();
    body->set_session_id(welcome.session_id);
    body->set_heartbeat_seconds(welcome.heartbeat_seconds);
    body->set_credential(welcome.credential);
    return Serialize(envelope);
}

std::string EncodeInstructionForTest(const model::InstructionData& instruction, std::uint64_t seq) {
    auto envelope = NewEnvelope(seq);
    auto* body = envelope.mutable_instruction();
    const auto& op = instruction.operation;
    body->set_op_id(op.op_id);
    body->set_kind(op.kind);
    body->set_configuration_json(op.configuration_json);
    body->set_deadline_unix_seconds(instruction.deadline_unix_seconds);
    for (const auto& c : op.components) {
        auto* item = body->add_components();
        item->set_type(c.type);
        item->set_name(c.name);
        item->set_from_version(c.from_version);
        item->set_to_version(c.to_version);
        item->set_artifact_sha256(c.artifact_sha256);
        item->set_size(c.size);
        item->set_download_path(c.download_path);
        item->set_release_statement(c.release_statement);
        item->set_release_signature(c.release_signature);
    }
    for (const auto& floor : op.floors) {
        auto* item = body->add_floors();
        item->set_statement(floor.statement);
        item->set_signature(floor.signature);
    }
    return Serialize(envelope);
}

}  // namespace waka::agent::link
