#include "agent/daemon/agent.hpp"

#include <boost/asio/post.hpp>
#include <ctime>

#include "agent/daemon/credential_store.hpp"
#include "agent/daemon/instruction.hpp"
#include "shared/core/ids.hpp"
#include "shared/core/log.hpp"

namespace waka::agent::daemon {
namespace {

// A result sent this long before its session died is taken as delivered: keep-alive pings and the
// idle timeout would have ended a dead connection sooner.
constexpr auto kRedeliveryWindow = std::chrono::seconds(60);
constexpr std::size_t kMaxUnconfirmed = 32;

// Overwrites a secret before its memory is released.
void Wipe(std::string& secret) {
    volatile char* p = secret.data();
    for (std::size_t i = 0; i < secret.size(); ++i) {
        p[i] = 0;
    }
    secret.clear();
    secret.shrink_to_fit();
}

}  // namespace

Agent::Agent(boost::asio::io_context& io, AgentOptions options, OperationRunner& runner,
             std::function<void(const std::string&)> on_credential)
    : io_(io),
      options_(std::move(options)),
      runner_(runner),
      on_credential_(std::move(on_credential)),
      renewal_(io) {
    if (on_credential_ && !options_.credential.empty()) {
        on_credential_(options_.credential);
    }
}

Agent::~Agent() { worker_.Stop(); }

void Agent::AddPendingResult(model::OperationResult result) {
    pending_.push_back(std::move(result));
    FlushResults();
}

void Agent::Stop() {
    stopping_ = true;
    renewal_.cancel();
    queue_.clear();
    if (running_) {
        log::Info("waiting for the running operation to finish op_id={}", *running_);
    }
}

model::HelloData Agent::MakeHello() {
    model::HelloData hello;
    hello.instance_id = options_.instance_id;
    hello.agent_version = options_.agent_version;
    hello.credential =
        options_.credential.empty() ? options_.enrollment_token : options_.credential;
    hello.inventory = runner_.Inventory();
    // Only while none is stored: a stored one is renewed over the session (ScheduleRenewal).
    if (options_.identity && !options_.identity->Facts()) {
        if (auto request = options_.identity->NewRequest(); request) {
            hello.certificate_request = std::move(*request);
        } else {
            log::Error("no certificate request made error={}", request.error().message);
        }
    }
    if (running_) {
        hello.in_flight_op_id = *running_;
    } else if (!pending_.empty()) {
        hello.in_flight_op_id = pending_.front().op_id;
    }
    return hello;
}

void Agent::OnEstablished(const model::WelcomeData& welcome) {
    if (!welcome.credential.empty() && welcome.credential != options_.credential) {
        if (auto stored = StoreCredential(options_.state_dir, welcome.credential); !stored) {
            // Still usable for this run; the next start needs a new enrollment token.
            log::Error("storing the credential failed, keeping it in memory only error={}",
                       stored.error().message);
        } else {
            log::Info("enrolled: credential stored instance_id={}", options_.instance_id);
        }
        options_.credential = welcome.credential;
        if (on_credential_) {
            on_credential_(options_.credential);
        }
    }
    if (!welcome.floors.empty()) {
        runner_.AcceptFloors(welcome.floors);
    }
    if (!welcome.certificate.empty()) {
        StoreCertificate(welcome.certificate);
    }
    ScheduleRenewal();
    unconfirmed_.clear();
    if (!options_.credential.empty() && !options_.enrollment_token.empty()) {
        Wipe(options_.enrollment_token);
    } else if (options_.credential.empty()) {
        log::Warn("coordinator accepted the enrollment token without issuing a credential");
    }
    FlushResults();
}

void Agent::OnSessionDown() {
    renewal_.cancel();
    const auto now = std::chrono::steady_clock::now();
    for (auto it = unconfirmed_.rbegin(); it != unconfirmed_.rend(); ++it) {
        if (now - it->at < kRedeliveryWindow && !IsPending(it->result.op_id)) {
            pending_.push_front(std::move(it->result));
        }
    }
    unconfirmed_.clear();
    if (running_) {
        log::Info(
            "session down while an operation runs; its result is sent after reconnect "
            "op_id={}",
            *running_);
    }
}

void Agent::OnInstruction(model::InstructionData instruction) {
    const auto& op = instruction.operation;
    if (!IsValidId(op.op_id)) {
        log::Warn("instruction without a valid op_id ignored");
        return;
    }
    if (stopping_) {
        return;  // not acknowledged: the coordinator re-sends it to the next session
    }
    const bool active = (running_ && *running_ == op.op_id) || IsQueued(op.op_id);
    if (!active && queue_.size() >= options_.max_queued_operations) {
        log::Warn("operation queue full, instruction not acknowledged op_id={}", op.op_id);
        return;
    }
    if (channel_ != nullptr) {
        channel_->SendAck(op.op_id);
    }
    if (active) {
        log::Info("duplicate instruction for a running or queued operation op_id={}", op.op_id);
        return;
    }
    if (IsPending(op.op_id)) {
        FlushResults();
        return;
    }
    if (auto stored = runner_.StoredResult(op.op_id)) {
        log::Info("instruction already executed, answering the stored result op_id={}", op.op_id);
        Answer(std::move(*stored));
        return;
    }
    if (auto valid = ValidateInstruction(op, options_.max_bundle_bytes); !valid) {
        log::Warn("instruction refused op_id={} error={}", op.op_id, valid.error().message);
        Answer(Refusal(op.op_id, valid.error().message));
        return;
    }
    log::Info("instruction accepted op_id={} kind={} components={}", op.op_id, op.kind,
              op.components.size());
    queue_.push_back(std::move(instruction));
    StartNext();
}

void Agent::OnCancel(const std::string& op_id) {
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
        if (it->operation.op_id == op_id) {
            queue_.erase(it);
            log::Info("queued operation cancelled op_id={}", op_id);
            Answer(Refusal(op_id, "cancelled before it started"));
            return;
        }
    }
    if (running_ && *running_ == op_id) {
        // The installer has no safe point to stop at other than its own rollback: let it finish.
        log::Warn("cancel of a running operation ignored; it completes or rolls back op_id={}",
                  op_id);
    }
}

void Agent::Answer(model::OperationResult result) {
    pending_.push_back(std::move(result));
    FlushResults();
}

void Agent::FlushResults() {
    while (!pending_.empty() && channel_ != nullptr && channel_->Established()) {
        const auto& result = pending_.front();
        if (!channel_->SendResult(result)) {
            break;
        }
        channel_->SendInventory(runner_.Inventory());
        unconfirmed_.push_back({std::chrono::steady_clock::now(), std::move(pending_.front())});
        if (unconfirmed_.size() > kMaxUnconfirmed) {
            unconfirmed_.pop_front();
        }
        pending_.pop_front();
    }
}

void Agent::StartNext() {
    if (running_ || queue_.empty() || stopping_) {
        return;
    }
    auto next = std::move(queue_.front());
    queue_.pop_front();
    const auto& op = next.operation;
    if (next.deadline_unix_seconds > 0 && std::time(nullptr) > next.deadline_unix_seconds) {
        log::Warn("operation deadline passed before it started op_id={}", op.op_id);
        Answer(Refusal(op.op_id, "deadline passed before the agent could start it"));
        StartNext();
        return;
    }
    running_ = op.op_id;
    busy_.emplace(io_.get_executor());
    worker_.Post([this, op = std::move(next.operation), progress = ProgressForwarder()] {
        model::OperationResult result;
        try {
            result = runner_.Execute(op, progress);
        } catch (const std::exception& e) {
            result = Refusal(op.op_id, std::string("internal error: ") + e.what());
        }
        boost::asio::post(
            io_, [this, result = std::move(result)]() mutable { OnFinished(std::move(result)); });
    });
}

void Agent::OnFinished(model::OperationResult result) {
    log::Info("operation finished op_id={} outcome={} error=\"{}\"", result.op_id,
              model::OutcomeName(result.outcome), result.error);
    running_.reset();
    Answer(std::move(result));
    busy_.reset();
    StartNext();
}

std::function<void(const model::ProgressEvent&)> Agent::ProgressForwarder() {
    // Runs on the worker thread; the state is the forwarder's own.
    struct State {
        std::chrono::steady_clock::time_point last{};
        std::string last_step;
    };
    auto state = std::make_shared<State>();
    return [this, state](const model::ProgressEvent& event) {
        const auto now = std::chrono::steady_clock::now();
        const std::string step = event.step + '\n' + event.component;
        const bool milestone = step != state->last_step || event.bytes_total == 0 ||
                               event.bytes_done >= event.bytes_total;
        if (!milestone && now - state->last < options_.progress_interval) {
            return;
        }
        state->last = now;
        state->last_step = step;
        boost::asio::post(io_, [this, event] {
            if (channel_ != nullptr) {
                channel_->SendProgress(event);
            }
        });
    };
}

bool Agent::IsQueued(const std::string& op_id) const {
    for (const auto& queued : queue_) {
        if (queued.operation.op_id == op_id) {
            return true;
        }
    }
    return false;
}

bool Agent::IsPending(const std::string& op_id) const {
    for (const auto& result : pending_) {
        if (result.op_id == op_id) {
            return true;
        }
    }
    return false;
}

model::OperationResult Agent::Refusal(const std::string& op_id, std::string error) const {
    return model::OperationResult{op_id, model::Outcome::kFailed, std::move(error),
                                  runner_.Inventory()};
}

}  // namespace waka::agent::daemon
