// waka-swarm: N simulated agents speaking the project's own protocol over real TLS WebSockets,
// for the load benchmarks of docs/benchmarks.md (issue 15). Built with the tests, not packaged.
//
//   waka-swarm provision --api http://127.0.0.1:8000 --token-file F --count N --out creds
//   waka-swarm run --url wss://127.0.0.1:8443/agent/v1/connect --ca-file ca.pem
//       --credentials creds --sources 16 [--latency-ms 20] [--failure-rate 0.01] ...
//
// `run` prints one JSON line per event (swarm.hpp); SIGUSR1 starts a reconnect storm, SIGTERM
// stops it and rewrites the credentials file with the enrolled agents' credentials.
#include <CLI/CLI.hpp>

#include "shared/core/log.hpp"
#include "tests/bench/swarm/provision.hpp"
#include "tests/bench/swarm/swarm.hpp"

namespace {

using namespace waka::bench::swarm;

void AddProvision(CLI::App& app, ProvisionOptions& options) {
    auto* command =
        app.add_subcommand("provision", "Register instances and keep their enrollment tokens");
    command->add_option("--api", options.api_url, "API URL (http://host:port)")->required();
    command->add_option("--ca-file", options.ca_file, "CA of an https API");
    command->add_option("--token-file", options.token_file, "File holding an operator's API token")
        ->required()
        ->check(CLI::ExistingFile);
    command->add_option("--count", options.count, "Instances to register")->required();
    command->add_option("--first", options.first, "Number of the first instance");
    command->add_option("--prefix", options.prefix, "Instance id prefix");
    command->add_option("--labels", options.labels, "Labels, k=v,k=v");
    command->add_option("--out", options.out, "Credentials file to write")->required();
    command->add_option("--threads", options.threads, "Requests in flight");
}

void AddRun(CLI::App& app, SwarmOptions& options) {
    auto* command = app.add_subcommand("run", "Connect the agents and play them until SIGTERM");
    command->add_option("--url", options.url, "Gateway URL (wss://host:port/path)")->required();
    command->add_option("--ca-file", options.ca_file, "CA of the gateway's certificate")
        ->required()
        ->check(CLI::ExistingFile);
    command->add_option("--server-name", options.server_name, "Name the certificate must carry");
    command->add_option("--credentials", options.credentials_file, "Credentials file")
        ->required()
        ->check(CLI::ExistingFile);
    command->add_option("--credentials-out", options.credentials_out, "Where to write them back");
    command->add_option("--agents", options.agents, "Agents (0: one per credentials line)");
    command->add_option("--threads", options.threads, "I/O threads")->check(CLI::Range(1, 64));
    command->add_option("--sources", options.source_count, "Source addresses 127.0.0.2..")
        ->check(CLI::Range(0, 250));
    auto milliseconds = [command](const char* name, std::chrono::milliseconds& value,
                                  const char* help) {
        command
            ->add_option_function<std::int64_t>(
                name, [&value](std::int64_t ms) { value = std::chrono::milliseconds(ms); }, help)
            ->check(CLI::Range(std::int64_t{0}, std::int64_t{3'600'000}));
    };
    milliseconds("--connect-jitter-ms", options.connect_jitter, "Spread of the first connects");
    milliseconds("--storm-jitter-ms", options.storm_jitter, "Spread of a storm's reconnects");
    milliseconds("--reconnect-initial-ms", options.reconnect_initial, "Backoff after a failure");
    milliseconds("--wave-idle-ms", options.wave_idle, "Silence that ends a partial wave");
    milliseconds("--latency-ms", options.behaviour.latency, "Instruction to Result");
    command->add_option("--wave-size", options.wave_size, "Instructions per wave (0: agents)");
    command->add_option("--failure-rate", options.behaviour.failure_rate, "Results that fail")
        ->check(CLI::Range(0.0, 1.0));
    command
        ->add_option_function<unsigned>(
            "--max-seconds", [&options](unsigned s) { options.max_run = std::chrono::seconds(s); },
            "Stop after this long")
        ->check(CLI::Range(1u, 86'400u));
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"waka-swarm: simulated agents for the load benchmarks"};
    app.require_subcommand(1);
    std::string log_level = "warn";
    app.add_option("--log-level", log_level, "Log level of the agents' links");
    ProvisionOptions provision;
    SwarmOptions run;
    AddProvision(app, provision);
    AddRun(app, run);
    CLI11_PARSE(app, argc, argv);
    waka::log::Init(log_level);
    if (app.got_subcommand("provision")) {
        return Provision(provision);
    }
    return RunSwarm(run);
}
