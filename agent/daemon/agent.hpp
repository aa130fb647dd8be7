#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/system_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agent/daemon/client_identity.hpp"
#include "agent/daemon/runner.hpp"
#include "agent/daemon/worker.hpp"
#include "agent/model/channel.hpp"
#include "agent/model/messages.hpp"
#include "agent/model/operation.hpp"

namespace waka::agent::daemon {

struct AgentOptions {
    std::string instance_id;
    std::string agent_version;
    std::filesystem::path state_dir;  // where a credential from enrollment is stored
    std::string credential;           // the stored credential; empty before enrollment
    std::string enrollment_token;     // used only while credential is empty
    std::uint64_t max_bundle_bytes = std::uint64_t{1} << 30;
    std::size_t max_queued_operations = 16;
    std::chrono::milliseconds progress_interval{250};  // byte progress at most this often
    // The client certificate (ADR 0034): asked for in the Hello while none is stored or it is due,
    // renewed over the open session before expiry. Null: none is ever asked for.
    std::shared_ptr<ClientIdentity> identity;
};

// The agent's brain between its coordinator channel (the link) and the installer (docs/design.md
// §6): answers Hello data, stores the enrollment credential, validates and acknowledges
// instructions, de-duplicates them by op_id (running, queued, or already journaled -> the stored
// result is sent again), runs one operation at a time on a worker thread, forwards its progress
// (rate-limited) and sends Result + Inventory, keeping results that could not be sent until the
// next session and re-sending those a session died shortly after carrying.
//
// Threading: every member function runs on the io_context's single thread (ChannelHandler calls
// come from the channel there); only the OperationRunner's Execute runs on the worker thread.
class Agent final : public model::ChannelHandler {
public:
    // `on_credential` (may be empty) learns every credential in use, e.g. for the downloader.
    Agent(boost::asio::io_context& io, AgentOptions options, OperationRunner& runner,
          std::function<void(const std::string&)> on_credential = {});
    ~Agent() override;  // joins the worker (waits for a running operation)
    Agent(const Agent&) = delete;
    Agent& operator=(const Agent&) = delete;

    // The channel messages go out on (the link in production); must be set before it starts and
    // outlive the Agent.
    void AttachChannel(model::AgentChannel& channel) { channel_ = &channel; }
    // A result to report once a session is established (the installer's Recover()).
    void AddPendingResult(model::OperationResult result);
    // Drops queued operations and accepts no new ones; a running operation finishes (its result
    // stays in the installer's journal) and then the io_context is released.
    void Stop();

    // model::ChannelHandler
    model::HelloData MakeHello() override;
    void OnEstablished(const model::WelcomeData& welcome) override;
    void OnInstruction(model::InstructionData instruction) override;
    void OnCancel(const std::string& op_id) override;
    void OnSessionDown() override;
    void OnCertificate(const std::string& certificate_pem) override;

    [[nodiscard]] bool Busy() const { return running_.has_value(); }

private:
    void Answer(model::OperationResult result);
    void StoreCertificate(const std::string& certificate_pem);
    // Arms the renewal timer for when the stored certificate falls due (agent_certificates.cpp).
    void ScheduleRenewal();
    void OnRenewalDue();
    void FlushResults();
    void StartNext();
    void OnFinished(model::OperationResult result);
    [[nodiscard]] bool IsQueued(const std::string& op_id) const;
    [[nodiscard]] bool IsPending(const std::string& op_id) const;
    [[nodiscard]] model::OperationResult Refusal(const std::string& op_id, std::string error) const;
    [[nodiscard]] std::function<void(const model::ProgressEvent&)> ProgressForwarder();

    boost::asio::io_context& io_;
    AgentOptions options_;
    OperationRunner& runner_;
    std::function<void(const std::string&)> on_credential_;
    model::AgentChannel* channel_ = nullptr;
    std::deque<model::InstructionData> queue_;
    std::deque<model::OperationResult> pending_;  // finished, not yet handed to a session
    // Results handed to the current session. A frame queued or even written is not yet read by the
    // coordinator: when the session dies soon after, they are sent again on the next one (the
    // coordinator treats a repeated Result as a duplicate).
    struct SentResult {
        std::chrono::steady_clock::time_point at;
        model::OperationResult result;
    };
    std::deque<SentResult> unconfirmed_;
    std::optional<std::string> running_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> busy_;
    bool stopping_ = false;
    boost::asio::system_timer renewal_;  // fires when the client certificate is due
    Worker worker_;  // last: joined first on destruction, while the members above still exist
};

}  // namespace waka::agent::daemon
