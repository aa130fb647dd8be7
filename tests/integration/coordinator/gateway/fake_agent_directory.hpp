#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "coordinator/ports/agent_channel.hpp"
#include "coordinator/ports/agent_events.hpp"

namespace waka::coordinator::gateway {

// Records every call the gateway makes; tests wait on the record with a deadline. Thread-safe.
class FakeAgentDirectory final : public ports::AgentEvents {
public:
    struct Calls {
        std::vector<ports::AgentHello> authenticated;
        std::vector<std::pair<ports::AgentHello, std::string>> connected;  // hello, session_id
        std::vector<std::pair<std::string, std::string>> disconnected;     // instance, session
        std::vector<std::string> heartbeats;
        std::vector<std::pair<std::string, std::vector<domain::InstalledComponent>>> inventories;
        std::vector<std::pair<std::string, std::string>> acks;  // instance, op_id
        std::vector<std::pair<std::string, ports::AgentProgress>> progress;
        std::vector<std::pair<std::string, ports::AgentResult>> results;
        std::vector<std::pair<std::string, std::string>> credential_checks;  // instance, credential
        std::vector<std::pair<std::string, std::string>> download_checks;    // instance, sha256
    };

    static constexpr const char* kCredential = "cred-good-0123";
    static constexpr const char* kEnrollmentToken = "enroll-token-4567";
    static constexpr const char* kIssuedCredential = "cred-issued-89ab";

    void AddArtifact(const std::string& sha256, const std::filesystem::path& path) {
        std::lock_guard lock(mutex_);
        artifacts_[sha256] = path;
    }

    // The artifact stays stored, but MayDownload answers false for it (outside every plan).
    void Forbid(const std::string& sha256) {
        std::lock_guard lock(mutex_);
        forbidden_.insert(sha256);
    }

    // True once pred(calls) holds; false after timeout.
    bool WaitUntil(const std::function<bool(const Calls&)>& pred,
                   std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return pred(calls_); });
    }
    Calls Snapshot() const {
        std::lock_guard lock(mutex_);
        return calls_;
    }

    boost::asio::awaitable<ports::HelloDecision> Authenticate(
        const ports::AgentHello& hello) override {
        ports::HelloDecision decision;
        if (hello.credential == kCredential) {
            decision.accepted = true;
        } else if (hello.credential == kEnrollmentToken) {
            decision.accepted = true;
            decision.new_credential = kIssuedCredential;
        } else {
            decision.reason = "unknown credential for instance " + hello.instance_id;
        }
        Record([&](Calls& c) { c.authenticated.push_back(hello); });
        co_return decision;
    }
    boost::asio::awaitable<void> OnConnected(const ports::AgentHello& hello,
                                             const std::string& session_id) override {
        Record([&](Calls& c) { c.connected.emplace_back(hello, session_id); });
        co_return;
    }
    boost::asio::awaitable<void> OnDisconnected(const std::string& instance_id,
                                                const std::string& session_id) override {
        Record([&](Calls& c) { c.disconnected.emplace_back(instance_id, session_id); });
        co_return;
    }
    boost::asio::awaitable<void> OnHeartbeat(const std::string& instance_id) override {
        Record([&](Calls& c) { c.heartbeats.push_back(instance_id); });
        co_return;
    }
    boost::asio::awaitable<void> OnInventory(
        const std::string& instance_id,
        const std::vector<domain::InstalledComponent>& inventory) override {
        Record([&](Calls& c) { c.inventories.emplace_back(instance_id, inventory); });
        co_return;
    }
    boost::asio::awaitable<void> OnAck(const std::string& instance_id,
                                       const std::string& op_id) override {
        Record([&](Calls& c) { c.acks.emplace_back(instance_id, op_id); });
        co_return;
    }
    boost::asio::awaitable<void> OnProgress(const std::string& instance_id,
                                            const ports::AgentProgress& progress) override {
        Record([&](Calls& c) { c.progress.emplace_back(instance_id, progress); });
        co_return;
    }
    // No agent CA here: renewals are refused as a coordinator without one refuses them.
    boost::asio::awaitable<Expected<std::string>> RenewCertificate(const std::string&,
                                                                   const std::string&) override {
        co_return MakeError(Errc::kPermissionDenied, "this coordinator has no agent CA");
    }
    boost::asio::awaitable<void> OnResult(const std::string& instance_id,
                                          const ports::AgentResult& result) override {
        Record([&](Calls& c) { c.results.emplace_back(instance_id, result); });
        co_return;
    }
    boost::asio::awaitable<bool> CheckCredential(const std::string& instance_id,
                                                 const std::string& credential) override {
        Record([&](Calls& c) { c.credential_checks.emplace_back(instance_id, credential); });
        co_return credential == kCredential;
    }
    boost::asio::awaitable<Expected<bool>> MayDownload(const std::string& instance_id,
                                                       const std::string& sha256) override {
        Record([&](Calls& c) { c.download_checks.emplace_back(instance_id, sha256); });
        std::lock_guard lock(mutex_);
        co_return !forbidden_.contains(sha256);
    }
    boost::asio::awaitable<Expected<std::filesystem::path>> ArtifactPath(
        const std::string& sha256) override {
        std::lock_guard lock(mutex_);
        auto it = artifacts_.find(sha256);
        if (it == artifacts_.end()) {
            co_return MakeError(Errc::kNotFound, "no artifact " + sha256);
        }
        co_return it->second;
    }

private:
    template <class F>
    void Record(F&& f) {
        std::lock_guard lock(mutex_);
        f(calls_);
        changed_.notify_all();
    }

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    Calls calls_;
    std::map<std::string, std::filesystem::path> artifacts_;
    std::set<std::string> forbidden_;
};

}  // namespace waka::coordinator::gateway
