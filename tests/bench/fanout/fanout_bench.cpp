// Phase fan-out (issue 14 item 6, docs/benchmarks.md "Fleet fan-out"): how long the coordinator
// takes from the start of a fleet change until an instruction has been handed to the agent
// channel for every member, over a real PostgreSQL, for a rollout phase of N members and, side by
// side, for the enforcement of a critical patch over the same fleet (a patch rollout since ADR
// 0038, every member at once here; before it, one apply per instance).
//
//   fanout_bench rollout N     (or: patch N)   prints one JSON line
//
// The agents are an in-process channel that records what is sent (every instance connected), so
// the figure is the coordinator's own work — selection, evaluation, storage, claiming — not the
// network's; the network's share is the load tool's to measure (issue 15). Needs WAKA_TEST_PG_URL
// (scripts/test's cluster, or any PostgreSQL the caller may create databases in).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <pqxx/pqxx>
#include <string>
#include <thread>

#include "coordinator/app/core.hpp"
#include "shared/core/log.hpp"
#include "tests/support/fakes/fake_agent_channel.hpp"
#include "tests/support/pg/migrated_database.hpp"

namespace {

namespace asio = boost::asio;
using namespace waka;
using namespace waka::coordinator;
using Steady = std::chrono::steady_clock;

constexpr const char* kSha1 = "1111111111111111111111111111111111111111111111111111111111111111";
constexpr const char* kSha2 = "2222222222222222222222222222222222222222222222222222222222222222";

// N instances on platform 1.0.0 (manifest bench-1), connected, labelled env=bench; a 2.0.0
// release (manifest bench-2) and a critical patch that moves 1.0.0 to it. Set-based SQL: seeding
// is not what is measured.
void Seed(db::Database& database, std::size_t n) {
    auto seeded = database.WithConnection([&](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        tx.exec_params(
            "INSERT INTO artifacts (sha256, size, created_at) VALUES ($1, 1000, now()), "
            "($2, 1000, now())",
            std::string(kSha1), std::string(kSha2));
        tx.exec_params(
            "INSERT INTO releases (id, component_type, component_name, version, release_date, "
            "is_stable, is_security_patch, artifact_sha256, created_at) VALUES "
            "('release-1', 'platform', 'webwaka-platform', '1.0.0', now(), true, false, $1, "
            "now()), ('release-2', 'platform', 'webwaka-platform', '2.0.0', now(), true, true, "
            "$2, now())",
            std::string(kSha1), std::string(kSha2));
        tx.exec(
            "INSERT INTO manifests (id, platform_version, content_hash, created_by, created_at) "
            "VALUES ('bench-1', '1.0.0', 'bench-1', 'bench', now()), "
            "('bench-2', '2.0.0', 'bench-2', 'bench', now())");
        tx.exec_params(
            "INSERT INTO instances (id, labels, credential_hash, connection_state, last_seen_at, "
            "inventory, current_manifest_id, created_at) SELECT 'bench-' || lpad(g::text, 6, '0'), "
            "'{\"env\":\"bench\"}', 'x', 'connected', now(), "
            "'[{\"type\":\"platform\",\"name\":\"webwaka-platform\",\"version\":\"1.0.0\"}]', "
            "'bench-1', now() FROM generate_series(1, $1) AS g",
            static_cast<long long>(n));
        tx.exec(
            "INSERT INTO security_patches (id, component_type, component_name, "
            "affected_versions, patched_version, severity, release_date, created_by, created_at) "
            "VALUES ('patch-bench', 'platform', 'webwaka-platform', '<2.0.0', '2.0.0', "
            "'critical', now(), 'bench', now())");
        tx.commit();
        return {};
    });
    if (!seeded) {
        throw std::runtime_error(seeded.error().message);
    }
}

template <class T>
T Run(asio::io_context& io, asio::awaitable<T> task) {
    return asio::co_spawn(io, std::move(task), asio::use_future).get();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3 || (std::string(argv[1]) != "rollout" && std::string(argv[1]) != "patch")) {
        std::cerr << "usage: fanout_bench rollout|patch N\n";
        return 2;
    }
    const std::string mode = argv[1];
    const std::size_t n = std::stoul(argv[2]);
    log::Init(std::getenv("WAKA_BENCH_LOG") ? std::getenv("WAKA_BENCH_LOG") : "warn");
    auto database = test::OpenMigratedDatabase(4);  // the coordinator's default pool
    Seed(*database, n);
    fakes::FakeAgentChannel channel;
    for (std::size_t i = 1; i <= n; ++i) {
        std::string id = std::to_string(i);
        channel.Connect("bench-" + std::string(6 - id.size(), '0') + id);
    }
    asio::io_context io;
    auto work = asio::make_work_guard(io);
    std::thread threads[] = {std::thread([&] { io.run(); }), std::thread([&] { io.run(); })};
    SystemClock clock;
    const auto dir = std::filesystem::temp_directory_path() / "waka-fanout-bench";
    release::TrustSettings trust;
    trust.require_signed = false;
    // Patch mode measures the engine's fan-out, so its enforcement strategy sends to every
    // affected instance at once (the default caps it at 25 %: docs/rollouts.md).
    app::CoreOptions core_options;
    core_options.patches.enforcement.max_concurrency = domain::Amount{true, 100};
    auto core =
        std::make_unique<app::CoordinatorCore>(*database, clock, dir, channel, io.get_executor(),
                                               trust, pg::AuditKey{}, std::move(core_options));
    deploy::SchedulerOptions options;
    options.auto_update = false;
    auto scheduler = core->MakeScheduler(io.get_executor(), options);

    const auto start = Steady::now();
    std::size_t passes = 0;
    if (mode == "rollout") {
        deploy::CreateRolloutRequest request;
        request.manifest_id = "bench-2";
        request.selector = *domain::ParseSelector("env=bench");
        auto created =
            Run(io, core->rollouts.Create({"token:bench", domain::Role::kAdmin, ""}, request));
        if (!created) {
            std::cerr << created.error().message << "\n";
            return 1;
        }
    } else {
        asio::co_spawn(io, core->patches.Enforce("patch-bench"), asio::detached);
    }
    std::optional<Steady::time_point> all_sent;
    const auto deadline = start + std::chrono::minutes(30);
    while (!all_sent && Steady::now() < deadline) {
        if (mode == "rollout") {
            auto pass = Run(io, scheduler->RunOnce());
            ++passes;
            if (!pass) {
                std::cerr << pass.error().message << "\n";
                return 1;
            }
        } else {
            // Enforcement starts its rollout and moves it itself (everything at once here).
            // Polling the channel, bounded by the deadline: it has no completion event, and 5 ms
            // is below the figures' resolution.
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        // Dispatches run in the background after each creation; wait for them to drain (bounded).
        while (core->background.Running() > 0 && channel.Sent().size() < n &&
               Steady::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        if (channel.Sent().size() >= n) {
            all_sent = Steady::now();
        }
    }
    const double seconds =
        std::chrono::duration<double>((all_sent ? *all_sent : Steady::now()) - start).count();
    std::cout << "{\"mode\":\"" << mode << "\",\"instances\":" << n
              << ",\"sent\":" << channel.Sent().size() << ",\"seconds\":" << seconds
              << ",\"instances_per_second\":"
              << static_cast<double>(channel.Sent().size()) / seconds
              << ",\"scheduler_passes\":" << passes << "}\n";
    scheduler.reset();
    core->background.Stop();
    core.reset();
    work.reset();
    io.stop();
    for (auto& thread : threads) {
        thread.join();
    }
    return all_sent ? 0 : 1;
}
