#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "coordinator/ports/agent_events.hpp"

namespace waka::agent::testing {

namespace ports = waka::coordinator::ports;
namespace domain = waka::coordinator::domain;

// The coordinator side of the agent tests: one credential, a one-time enrollment token that is
// exchanged for it, artifacts from local files. Records every call; thread-safe; tests wait on the
// record with a deadline.
class FakeDirectory final : public ports::AgentEvents {
public:
    struct Calls {
        std::vector<ports::AgentHello> hellos;
        int connected = 0;
        int disconnected = 0;
        std::vector<std::string> acks;
        std::vector<ports::AgentProgress> progress;
        std::vector<ports::AgentResult> results;
        std::vector<std::vector<domain::InstalledComponent>> inventories;
        std::vector<std::string> download_credentials;
    };

    static constexpr const char* kCredential = "cred-long-lived-0123";
    static constexpr const char* kEnrollmentToken = "enroll-once-4567";

    void AddArtifact(const std::string& sha256, const std::filesystem::path& path) {
        std::lock_guard lock(mutex_);
        artifacts_[sha256] = path;
    }

    bool WaitUntil(const std::function<bool(const Calls&)>& pred,
                   std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
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
        {
            std::lock_guard lock(mutex_);
            if (hello.credential == kCredential) {
                decision.accepted = true;
            } else if (hello.credential == kEnrollmentToken && !token_used_) {
                token_used_ = true;
                decision.accepted = true;
                decision.new_credential = kCredential;
            } else {
                decision.reason = "unknown credential";
            }
        }
        Record([&](Calls& c) { c.hellos.push_back(hello); });
        co_return decision;
    }
    boost::asio::awaitable<void> OnConnected(const ports::AgentHello&,
                                             const std::string&) override {
        Record([](Calls& c) { ++c.connected; });
        co_return;
    }
    boost::asio::awaitable<void> OnDisconnected(const std::string&, const std::string&) override {
        Record([](Calls& c) { ++c.disconnected; });
        co_return;
    }
    boost::asio::awaitable<void> OnHeartbeat(const std::string&) override { co_return; }
    boost::asio::awaitable<void> OnInventory(
        const std::string&, const std::vector<domain::InstalledComponent>& inventory) override {
        Record([&](Calls& c) { c.inventories.push_back(inventory); });
        co_return;
    }
    boost::asio::awaitable<void> OnAck(const std::string&, const std::string& op_id) override {
        Record([&](Calls& c) { c.acks.push_back(op_id); });
        co_return;
    }
    boost::asio::awaitable<void> OnProgress(const std::string&,
                                            const ports::AgentProgress& progress) override {
        Record([&](Calls& c) { c.progress.push_back(progress); });
        co_return;
    }
    // No agent CA here: renewals are refused as a coordinator without one refuses them.
    boost::asio::awaitable<Expected<std::string>> RenewCertificate(const std::string&,
                                                                   const std::string&) override {
        co_return MakeError(Errc::kPermissionDenied, "this coordinator has no agent CA");
    }
    boost::asio::awaitable<void> OnResult(const std::string&,
                                          const ports::AgentResult& result) override {
        Record([&](Calls& c) { c.results.push_back(result); });
        co_return;
    }
    boost::asio::awaitable<bool> CheckCredential(const std::string&,
                                                 const std::string& credential) override {
        Record([&](Calls& c) { c.download_credentials.push_back(credential); });
        co_return credential == kCredential;
    }
    boost::asio::awaitable<Expected<bool>> MayDownload(const std::string&,
                                                       const std::string&) override {
        co_return true;
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
    bool token_used_ = false;
    std::map<std::string, std::filesystem::path> artifacts_;
};

}  // namespace waka::agent::testing
