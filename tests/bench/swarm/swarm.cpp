#include "tests/bench/swarm/swarm.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <csignal>
#include <iostream>
#include <optional>
#include <thread>

#include "agent/link/endpoint.hpp"
#include "agent/link/tls.hpp"

namespace waka::bench::swarm {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using WorkGuard = asio::executor_work_guard<asio::io_context::executor_type>;

constexpr std::chrono::milliseconds kTick{50};

void Emit(const boost::json::object& event) {
    std::cout << boost::json::serialize(event) << std::endl;  // a line at once, for the reader
}

double SecondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::int64_t SteadyMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
        .count();
}

class Swarm {
public:
    explicit Swarm(const SwarmOptions& options) : options_(options) {}

    Expected<void> Prepare();
    void Run();
    Expected<void> SaveCredentials() const;

private:
    void Tick();
    void ReportConnected();
    void ReportWaves();
    void ReportStorm();
    void BeginStorm();
    void StopAll();
    void WaitForSignal();
    template <class Action>
    void OnEveryAgent(Action action);
    std::chrono::milliseconds Jitter(std::chrono::milliseconds window);
    [[nodiscard]] boost::json::object Totals() const;

    const SwarmOptions& options_;
    SwarmCounters counters_;
    std::mt19937_64 random_{std::random_device{}()};
    std::vector<std::unique_ptr<asio::io_context>> ios_;
    std::vector<WorkGuard> guards_;
    std::vector<std::unique_ptr<SimulatedAgent>> agents_;
    std::vector<std::thread> threads_;
    asio::io_context control_;
    asio::signal_set signals_{control_, SIGINT, SIGTERM, SIGUSR1};
    asio::steady_timer tick_{control_};
    Clock::time_point started_ = Clock::now();
    bool connected_reported_ = false;
    std::size_t wave_start_ = 0;
    unsigned waves_ = 0;
    std::optional<Clock::time_point> storm_started_;
    std::uint64_t failed_before_storm_ = 0;
    unsigned storms_ = 0;
    bool stopping_ = false;
};

Expected<void> Swarm::Prepare() {
    auto endpoint = agent::link::ParseCoordinatorUrl(options_.url);
    if (!endpoint) {
        return endpoint.error();
    }
    auto tls = agent::link::MakeClientTlsContext(options_.ca_file);
    if (!tls) {
        return tls.error();
    }
    auto identities = ReadCredentials(options_.credentials_file);
    if (!identities) {
        return identities.error();
    }
    const std::size_t count = options_.agents == 0 ? identities->size() : options_.agents;
    if (count == 0 || count > identities->size()) {
        return MakeError(Errc::kInvalidArgument, "--agents " + std::to_string(count) +
                                                     ": the credentials file has " +
                                                     std::to_string(identities->size()));
    }
    for (unsigned i = 0; i < std::max(1u, options_.threads); ++i) {
        ios_.push_back(std::make_unique<asio::io_context>(1));
        guards_.push_back(asio::make_work_guard(*ios_.back()));
    }
    for (std::size_t i = 0; i < count; ++i) {
        agent::link::LinkOptions link;
        link.endpoint = *endpoint;
        link.server_name = options_.server_name;
        link.tls_context = *tls;
        link.reconnect_initial_ms = static_cast<std::uint32_t>(options_.reconnect_initial.count());
        link.max_queued_messages = 64;
        if (options_.source_count > 0) {
            link.local_address = "127.0.0." + std::to_string(2 + i % options_.source_count);
        }
        agents_.push_back(std::make_unique<SimulatedAgent>(
            *ios_[i % ios_.size()], std::move(link), std::move((*identities)[i]),
            options_.behaviour, counters_, random_()));
    }
    return {};
}

template <class Action>
void Swarm::OnEveryAgent(Action action) {
    for (std::size_t i = 0; i < agents_.size(); ++i) {
        asio::post(*ios_[i % ios_.size()], [agent = agents_[i].get(), action] { action(*agent); });
    }
}

std::chrono::milliseconds Swarm::Jitter(std::chrono::milliseconds window) {
    if (window.count() <= 0) {
        return window.zero();
    }
    return std::chrono::milliseconds(
        std::uniform_int_distribution<std::int64_t>(0, window.count())(random_));
}

void Swarm::Run() {
    for (auto& io : ios_) {
        threads_.emplace_back([&io] { io->run(); });
    }
    started_ = Clock::now();
    for (std::size_t i = 0; i < agents_.size(); ++i) {
        const auto delay = Jitter(options_.connect_jitter);
        asio::post(*ios_[i % ios_.size()],
                   [agent = agents_[i].get(), delay] { agent->Connect(delay); });
    }
    WaitForSignal();
    Tick();
    control_.run();
    for (auto& thread : threads_) {
        thread.join();
    }
    Emit(Totals());
}

void Swarm::WaitForSignal() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
        if (ec) {
            return;
        }
        if (signal == SIGUSR1) {
            BeginStorm();
            WaitForSignal();
            return;
        }
        StopAll();
    });
}

void Swarm::Tick() {
    if (stopping_) {
        return;
    }
    ReportConnected();
    ReportWaves();
    ReportStorm();
    if (Clock::now() - started_ > options_.max_run) {
        StopAll();
        return;
    }
    tick_.expires_after(kTick);
    tick_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) {
            Tick();
        }
    });
}

void Swarm::ReportConnected() {
    if (connected_reported_ || counters_.ever_established < agents_.size()) {
        return;
    }
    connected_reported_ = true;
    Emit({{"event", "connected"},
          {"agents", agents_.size()},
          {"seconds", SecondsSince(started_)},
          {"failed_attempts", counters_.failed_attempts.load()},
          {"enrolled", counters_.enrolled.load()}});
}

// A wave ends with wave_size arrivals, or with fewer and then wave_idle without one.
void Swarm::ReportWaves() {
    const std::size_t size = options_.wave_size == 0 ? agents_.size() : options_.wave_size;
    std::lock_guard lock(counters_.arrivals_mutex);
    const auto& arrivals = counters_.arrivals_unix_ms;
    while (arrivals.size() > wave_start_) {
        const std::size_t available = arrivals.size() - wave_start_;
        const bool idle =
            SteadyMs() - counters_.last_arrival_steady_ms.load() >= options_.wave_idle.count();
        if (available < size && !idle) {
            return;
        }
        const std::size_t count = std::min(available, size);
        const auto first = arrivals.begin() + static_cast<std::ptrdiff_t>(wave_start_);
        const auto [low, high] =
            std::minmax_element(first, first + static_cast<std::ptrdiff_t>(count));
        Emit({{"event", "instructions"},
              {"wave", ++waves_},
              {"count", count},
              {"complete", count == size},
              {"first_unix_ms", *low},
              {"last_unix_ms", *high},
              {"spread_ms", *high - *low}});
        wave_start_ += count;
    }
}

void Swarm::BeginStorm() {
    if (storm_started_ || stopping_) {
        return;
    }
    storm_started_ = Clock::now();
    failed_before_storm_ = counters_.failed_attempts;
    counters_.storm_reconnected = 0;
    for (std::size_t i = 0; i < agents_.size(); ++i) {
        const auto delay = Jitter(options_.storm_jitter);
        asio::post(*ios_[i % ios_.size()],
                   [agent = agents_[i].get(), delay] { agent->Storm(delay); });
    }
}

void Swarm::ReportStorm() {
    if (!storm_started_ || counters_.storm_reconnected < agents_.size()) {
        return;
    }
    Emit({{"event", "storm"},
          {"storm", ++storms_},
          {"agents", agents_.size()},
          {"jitter_ms", options_.storm_jitter.count()},
          {"seconds", SecondsSince(*storm_started_)},
          {"failed_attempts", counters_.failed_attempts - failed_before_storm_}});
    storm_started_.reset();
}

void Swarm::StopAll() {
    if (stopping_) {
        return;
    }
    stopping_ = true;
    tick_.cancel();
    signals_.cancel();
    OnEveryAgent([](SimulatedAgent& agent) { agent.Stop(); });
    for (auto& guard : guards_) {
        guard.reset();
    }
}

boost::json::object Swarm::Totals() const {
    return {{"event", "stopped"},
            {"agents", agents_.size()},
            {"seconds", SecondsSince(started_)},
            {"ever_connected", counters_.ever_established.load()},
            {"enrolled", counters_.enrolled.load()},
            {"failed_attempts", counters_.failed_attempts.load()},
            {"sessions_lost", counters_.sessions_lost.load()},
            {"instructions", counters_.instructions.load()},
            {"cancels", counters_.cancels.load()},
            {"results_succeeded", counters_.results_succeeded.load()},
            {"results_failed", counters_.results_failed.load()},
            {"sends_refused", counters_.sends_refused.load()},
            {"storms", storms_}};
}

Expected<void> Swarm::SaveCredentials() const {
    std::vector<AgentIdentity> identities;
    identities.reserve(agents_.size());
    for (const auto& agent : agents_) {
        identities.push_back(agent->Identity());
    }
    return WriteCredentials(
        options_.credentials_out.empty() ? options_.credentials_file : options_.credentials_out,
        identities);
}

}  // namespace

int RunSwarm(const SwarmOptions& options) {
    Swarm swarm(options);
    if (auto prepared = swarm.Prepare(); !prepared) {
        std::cerr << "waka-swarm: " << prepared.error().message << '\n';
        return 1;
    }
    swarm.Run();
    if (auto saved = swarm.SaveCredentials(); !saved) {
        std::cerr << "waka-swarm: " << saved.error().message << '\n';
        return 1;
    }
    return 0;
}

}  // namespace waka::bench::swarm
