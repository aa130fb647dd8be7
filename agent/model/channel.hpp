#pragma once

#include <string>
#include <vector>

#include "agent/model/messages.hpp"
#include "agent/model/operation.hpp"

// The two halves of the agent's session with its coordinator, as the daemon sees them: what it
// sends (AgentChannel) and what it is told (ChannelHandler). agent/link implements the channel over
// a TLS WebSocket; unit tests implement it in memory. Every call on both sides happens on the
// agent's single io thread.
namespace waka::agent::model {

// Messages the agent sends. Each Send* queues one message on the established session and answers
// false, dropping it, when no session is established or its queue is full.
class AgentChannel {
public:
    virtual ~AgentChannel() = default;

    // True between ChannelHandler::OnEstablished and OnSessionDown.
    [[nodiscard]] virtual bool Established() const = 0;
    virtual bool SendAck(const std::string& op_id) = 0;
    virtual bool SendProgress(const ProgressEvent& progress) = 0;
    virtual bool SendResult(const OperationResult& result) = 0;
    virtual bool SendInventory(const std::vector<InstalledComponent>& inventory) = 0;
    // Asks for a renewed client certificate (ADR 0034); the answer comes as OnCertificate.
    virtual bool SendCertificateRequest(const std::string& /*request_pem*/) { return false; }
};

// What the channel reports to its owner (the daemon's Agent).
class ChannelHandler {
public:
    virtual ~ChannelHandler() = default;

    // Called before each connection attempt's Hello.
    virtual HelloData MakeHello() = 0;
    // The coordinator accepted the Hello; Send* works from now until OnSessionDown.
    virtual void OnEstablished(const WelcomeData& welcome) = 0;
    virtual void OnInstruction(InstructionData instruction) = 0;
    virtual void OnCancel(const std::string& op_id) = 0;
    // A certificate the coordinator issued for SendCertificateRequest.
    virtual void OnCertificate(const std::string& /*certificate_pem*/) {}
    // An established session ended (the channel reconnects by itself unless stopped).
    virtual void OnSessionDown() = 0;
    // A connection attempt ended without a Welcome (unreachable, TLS refused, refused Hello...).
    virtual void OnAttemptFailed() {}
};

}  // namespace waka::agent::model
