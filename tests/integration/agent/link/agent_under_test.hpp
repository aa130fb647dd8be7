#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "agent/daemon/agent.hpp"
#include "agent/install/installer.hpp"
#include "agent/link/downloader.hpp"
#include "agent/link/link.hpp"

// The agent as waka-agent's Main wires it (link, daemon Agent, installer, HTTPS fetcher), run
// in-process on its own io thread, with observation points for tests.
namespace waka::agent::testing {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

inline constexpr const char* kInstance = "instance-link-01";
inline constexpr milliseconds kWait{20'000};

// Counts executions so a test can tell a re-run from an answer out of the journal.
class CountingRunner final : public daemon::OperationRunner {
public:
    explicit CountingRunner(install::Installer& installer) : inner_(installer) {}
    model::OperationResult Execute(
        const model::Operation& op,
        const std::function<void(const model::ProgressEvent&)>& progress) override {
        ++executions;
        return inner_.Execute(op, progress);
    }
    std::optional<model::OperationResult> StoredResult(const std::string& op_id) const override {
        return inner_.StoredResult(op_id);
    }
    std::vector<model::InstalledComponent> Inventory() const override { return inner_.Inventory(); }
    std::atomic<int> executions{0};

private:
    daemon::InstallerRunner inner_;
};

// Forwards to the daemon's Agent and records what the link reports, for tests to wait on.
class Observer final : public model::ChannelHandler {
public:
    explicit Observer(daemon::Agent& agent) : agent_(agent) {}
    model::HelloData MakeHello() override { return agent_.MakeHello(); }
    void OnEstablished(const model::WelcomeData& welcome) override {
        agent_.OnEstablished(welcome);
        Bump(established_);
    }
    void OnInstruction(model::InstructionData instruction) override {
        agent_.OnInstruction(std::move(instruction));
    }
    void OnCancel(const std::string& op_id) override { agent_.OnCancel(op_id); }
    void OnSessionDown() override { agent_.OnSessionDown(); }
    void OnAttemptFailed() override { Bump(failed_); }

    bool WaitFailed(int n) { return Wait(failed_, n); }
    bool WaitEstablished(int n) { return Wait(established_, n); }
    int Established() {
        std::lock_guard lock(mutex_);
        return established_;
    }

private:
    void Bump(int& counter) {
        std::lock_guard lock(mutex_);
        ++counter;
        changed_.notify_all();
    }
    bool Wait(int& counter, int n) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, kWait, [&] { return counter >= n; });
    }

    daemon::Agent& agent_;
    std::mutex mutex_;
    std::condition_variable changed_;
    int established_ = 0;
    int failed_ = 0;
};

struct AgentSettings {
    fs::path state_dir;
    fs::path ca_file;
    fs::path release_keys_dir;  // the publisher keys the installer trusts
    std::uint16_t port = 0;
    std::string credential;
    std::string enrollment_token;
    milliseconds welcome_timeout{5000};
    daemon::OperationRunner* runner = nullptr;  // default: the real installer, counted
};

// What waka-agent's Main wires together, in-process, on its own io thread.
class AgentUnderTest {
public:
    explicit AgentUnderTest(const AgentSettings& s) {
        const link::Endpoint endpoint{"127.0.0.1", s.port, "/agent/v1/connect"};
        fetcher_ = std::make_unique<link::HttpsArtifactFetcher>(link::DownloaderOptions{
            endpoint, "", s.ca_file, kInstance, milliseconds(5000), milliseconds(5000)});
        install::InstallerOptions installer_options;
        installer_options.state_dir = s.state_dir;
        installer_options.hook_timeout = seconds(10);
        installer_options.health_check_timeout = seconds(10);
        installer_options.release_trust.keys_dir = s.release_keys_dir;
        installer_ = std::make_unique<install::Installer>(installer_options, *fetcher_);
        runner_ = std::make_unique<CountingRunner>(*installer_);
        daemon::AgentOptions agent_options;
        agent_options.instance_id = kInstance;
        agent_options.agent_version = "0.1.0-test";
        agent_options.state_dir = s.state_dir;
        agent_options.credential = s.credential;
        agent_options.enrollment_token = s.enrollment_token;
        daemon::OperationRunner& runner = s.runner != nullptr ? *s.runner : *runner_;
        agent_ = std::make_unique<daemon::Agent>(
            io_, agent_options, runner,
            [this](const std::string& c) { fetcher_->SetCredential(c); });
        observer_ = std::make_unique<Observer>(*agent_);
        link::LinkOptions link_options;
        link_options.endpoint = endpoint;
        link_options.ca_file = s.ca_file;
        link_options.connect_timeout = milliseconds(5000);
        link_options.welcome_timeout = s.welcome_timeout;
        link_options.reconnect_initial_ms = 20;
        link_options.reconnect_max_ms = 100;
        link_options.backoff_seed = 42;
        link_ = std::make_unique<link::Link>(io_, link_options, *observer_);
        agent_->AttachChannel(*link_);
    }

    ~AgentUnderTest() { Stop(); }

    void Start() {
        auto started = link_->Start();
        ASSERT_TRUE(started) << started.error().message;
        thread_ = std::thread([this] {
            io_.run();
            stopped_.set_value();
        });
    }

    // Asks for a clean shutdown (as on SIGTERM) and fails the test if it does not finish in time.
    void Stop() {
        if (!thread_.joinable()) {
            return;
        }
        asio::post(io_, [this] {
            link_->Stop();
            agent_->Stop();
        });
        if (stopped_.get_future().wait_for(kWait) != std::future_status::ready) {
            ADD_FAILURE() << "agent did not stop after its link was closed";
            io_.stop();
        }
        thread_.join();
    }

    Observer& observer() { return *observer_; }
    CountingRunner& runner() { return *runner_; }
    const link::LinkStats& stats() { return link_->Stats(); }

private:
    asio::io_context io_{1};
    std::promise<void> stopped_;
    std::unique_ptr<link::HttpsArtifactFetcher> fetcher_;
    std::unique_ptr<install::Installer> installer_;
    std::unique_ptr<CountingRunner> runner_;
    std::unique_ptr<daemon::Agent> agent_;
    std::unique_ptr<Observer> observer_;
    std::unique_ptr<link::Link> link_;
    std::thread thread_;
};

}  // namespace waka::agent::testing
