#include "coordinator/gateway/wire.hpp"

#include "coordinator/gateway/close_reason.hpp"
#include "coordinator/gateway/gateway_server.hpp"
#include "waka/agent/v1/agent.pb.h"

namespace waka::coordinator::gateway {
namespace {

namespace pb = waka::agent::v1;

std::vector<domain::InstalledComponent> FromProto(const pb::Inventory& inventory) {
    std::vector<domain::InstalledComponent> out;
    out.reserve(static_cast<std::size_t>(inventory.components_size()));
    for (const auto& c : inventory.components()) {
        out.push_back(domain::InstalledComponent{c.type(), c.name(), c.version()});
    }
    return out;
}

ports::AgentHello FromProto(const pb::Hello& hello) {
    ports::AgentHello out;
    out.instance_id = hello.instance_id();
    out.agent_version = hello.agent_version();
    out.credential = hello.credential();
    out.inventory = FromProto(hello.inventory());
    out.in_flight_op_id = hello.in_flight_op_id();
    out.certificate_request = hello.certificate_request();
    return out;
}

ports::AgentProgress FromProto(const pb::Progress& progress) {
    return ports::AgentProgress{progress.op_id(), progress.step(), progress.component(),
                                progress.bytes_done(), progress.bytes_total()};
}

Expected<ports::AgentResult> FromProto(const pb::Result& result) {
    ports::AgentResult out;
    switch (result.outcome()) {
        case pb::OUTCOME_SUCCEEDED:
            out.outcome = ports::AgentOutcome::kSucceeded;
            break;
        case pb::OUTCOME_FAILED:
            out.outcome = ports::AgentOutcome::kFailed;
            break;
        case pb::OUTCOME_ROLLED_BACK:
            out.outcome = ports::AgentOutcome::kRolledBack;
            break;
        default:
            // Recording a guess would corrupt the deployment history; the agent must say.
            return MakeError(Errc::kProtocol, "result without a known outcome");
    }
    out.op_id = result.op_id();
    out.error = result.error();
    out.inventory = FromProto(result.inventory());
    return out;
}

void ToProto(const ports::Instruction& in, pb::Instruction* out) {
    out->set_op_id(in.op_id);
    out->set_kind(in.kind);
    for (const auto& c : in.components) {
        pb::Component* pc = out->add_components();
        pc->set_type(c.type);
        pc->set_name(c.name);
        pc->set_from_version(c.from_version);
        pc->set_to_version(c.to_version);
        pc->set_artifact_sha256(c.artifact_sha256);
        pc->set_size(c.size);
        pc->set_download_path(c.download_path);
        pc->set_release_statement(c.release_statement);
        pc->set_release_signature(c.release_signature);
    }
    out->set_deadline_unix_seconds(in.deadline_unix_seconds);
    out->set_configuration_json(in.configuration_json);
    for (const auto& floor : in.floors) {
        pb::Floor* pf = out->add_floors();
        pf->set_statement(floor.statement);
        pf->set_signature(floor.signature);
    }
}

struct BodyWriter {
    pb::Envelope& envelope;
    void operator()(const WelcomeMessage& m) const {
        pb::Welcome* w = envelope.mutable_welcome();
        w->set_session_id(m.session_id);
        w->set_heartbeat_seconds(m.heartbeat_seconds);
        w->set_credential(m.credential);
        w->set_certificate(m.certificate);
        for (const auto& floor : m.floors) {
            pb::Floor* pf = w->add_floors();
            pf->set_statement(floor.statement);
            pf->set_signature(floor.signature);
        }
    }
    void operator()(const ports::Instruction& m) const {
        ToProto(m, envelope.mutable_instruction());
    }
    void operator()(const CancelMessage& m) const { envelope.mutable_cancel()->set_op_id(m.op_id); }
    void operator()(const CertificateMessage& m) const {
        envelope.mutable_certificate_issued()->set_certificate(m.certificate);
    }
    void operator()(const ErrorMessage& m) const {
        envelope.mutable_error()->set_code(m.code);
        envelope.mutable_error()->set_detail(m.detail);
    }
};

Expected<void> FillBody(const pb::Envelope& envelope, InboundMessage& out) {
    switch (envelope.body_case()) {
        case pb::Envelope::kHello:
            out.kind = InboundKind::kHello;
            out.body_name = "hello";
            out.hello = FromProto(envelope.hello());
            return {};
        case pb::Envelope::kHeartbeat:
            out.kind = InboundKind::kHeartbeat;
            out.body_name = "heartbeat";
            return {};
        case pb::Envelope::kInventory:
            out.kind = InboundKind::kInventory;
            out.body_name = "inventory";
            out.inventory = FromProto(envelope.inventory());
            return {};
        case pb::Envelope::kAck:
            out.kind = InboundKind::kAck;
            out.body_name = "ack";
            out.op_id = envelope.ack().op_id();
            return {};
        case pb::Envelope::kProgress:
            out.kind = InboundKind::kProgress;
            out.body_name = "progress";
            out.progress = FromProto(envelope.progress());
            return {};
        case pb::Envelope::kResult: {
            out.kind = InboundKind::kResult;
            out.body_name = "result";
            auto result = FromProto(envelope.result());
            if (!result) {
                return result.error();
            }
            out.result = std::move(*result);
            return {};
        }
        case pb::Envelope::kCertificateRequest:
            out.kind = InboundKind::kCertificateRequest;
            out.body_name = "certificate request";
            out.certificate_request = envelope.certificate_request().csr();
            return {};
        case pb::Envelope::kWelcome:
        case pb::Envelope::kInstruction:
        case pb::Envelope::kCancel:
        case pb::Envelope::kError:
        case pb::Envelope::kCertificateIssued:
            out.kind = InboundKind::kCoordinatorOnly;
            out.body_name = "coordinator message";
            return {};
        case pb::Envelope::BODY_NOT_SET:
            break;
    }
    out.kind = InboundKind::kEmpty;
    out.body_name = "empty envelope";
    return {};
}

}  // namespace

Expected<InboundMessage> DecodeAgentEnvelope(std::string_view bytes) {
    pb::Envelope envelope;
    if (!envelope.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
        return MakeError(Errc::kProtocol, std::string(kMalformedEnvelopeReason));
    }
    InboundMessage out;
    out.protocol_version = envelope.protocol_version();
    out.seq = envelope.seq();
    // A newer protocol may use bodies this build cannot interpret: the version check comes first
    // (in the caller), so the body is only decoded for the version we speak.
    if (out.protocol_version != kProtocolVersion) {
        return out;
    }
    auto filled = FillBody(envelope, out);
    if (!filled) {
        return filled.error();
    }
    return out;
}

std::string EncodeOutbound(const OutboundMessage& message, std::uint64_t seq) {
    pb::Envelope envelope;
    envelope.set_protocol_version(kProtocolVersion);
    envelope.set_seq(seq);
    std::visit(BodyWriter{envelope}, message);
    return envelope.SerializeAsString();
}

}  // namespace waka::coordinator::gateway
