#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "tests/support/bundle/bundle.hpp"
#include "tests/support/certs/test_pki.hpp"
#include "tests/support/http_client/http_client.hpp"
#include "tests/support/process/process.hpp"
#include "tests/support/release/test_publisher.hpp"

namespace waka::test {

// One agent process and its private state directory.
struct AgentHandle {
    std::string instance_id;
    std::filesystem::path state_dir;
    std::unique_ptr<Process> process;
    std::string enrollment_token;
};

// End-to-end world: a fresh database in the throwaway cluster, the built waka-coordinator with a
// per-run PKI, and agents started as real processes. Everything is torn down by the destructor.
class E2eWorld {
public:
    // coordinator_args: extra command-line flags of waka-coordinator
    // ("--scheduler-interval-seconds=1"). Automatic updates are OFF unless they include
    // "--scheduler-auto-update=true".
    explicit E2eWorld(std::vector<std::string> coordinator_args = {});
    ~E2eWorld();

    // Stops the coordinator (SIGTERM) and starts it again on the same database, ports and storage
    // with these extra flags; agents reconnect by themselves.
    void RestartCoordinator(std::vector<std::string> coordinator_args);
    // Sends a signal to the coordinator process (SIGHUP: reload its TLS certificates).
    void SignalCoordinator(int signal) { coordinator_->Signal(signal); }
    // A client of this coordinator's API with another bearer token.
    [[nodiscard]] HttpClient ClientWith(const std::string& token) const;

    HttpClient& Api() { return *api_; }
    [[nodiscard]] const std::filesystem::path& Dir() const { return dir_; }
    // For tools run against this world (wakactl, curl) and for checking logs never show it.
    [[nodiscard]] const std::string& AdminToken() const { return admin_token_; }
    [[nodiscard]] std::uint16_t HttpPort() const { return http_port_; }
    // What an agent connects to: the gateway's URL and the CA of its certificate.
    [[nodiscard]] std::string GatewayUrl() const {
        return "wss://localhost:" + std::to_string(gateway_port_) + "/agent/v1/connect";
    }
    [[nodiscard]] const std::filesystem::path& GatewayCaFile() const { return pki_.ca_cert; }

    // POST /versions and PUT /artifacts for one bundle.
    void Publish(const std::string& type, const std::string& name, const std::string& version,
                 const std::map<std::string, BundleFile>& files);
    // Uploads `bundle` as the artifact of a registered release, signed by the world's publisher
    // (whose key the coordinator and every agent trust); answers the response.
    HttpResult UploadSigned(const std::string& type, const std::string& name,
                            const std::string& version, const std::filesystem::path& bundle);
    [[nodiscard]] const TestPublisher& Publisher() const { return publisher_; }
    [[nodiscard]] std::filesystem::path ReleaseKeysDir() const { return dir_ / "release-keys"; }
    // The coordinator's audit.key_file (made once per world, so that restarts keep the key).
    [[nodiscard]] std::filesystem::path AuditKeyFile() const { return dir_ / "audit.key"; }
    // POST /instances, then starts an agent enrolled with the token; waits until it is connected.
    AgentHandle& AddAgent(const std::string& instance_id);
    // The same for several: every instance registered and every agent started before the first
    // wait, so a fleet of a dozen starts in the time of one.
    void AddAgents(const std::vector<std::string>& instance_ids);
    // An agent added before; the test fails (and throws) for another id.
    [[nodiscard]] const AgentHandle& Agent(const std::string& instance_id) const {
        return agents_.at(instance_id);
    }
    void StartAgent(AgentHandle& agent);
    void WaitConnected(const std::string& instance_id);
    void CreateManifest(const std::string& id, const std::string& platform_version,
                        const std::map<std::string, std::string>& suites,
                        const std::map<std::string, std::string>& capabilities);
    // POST /deployments; answers the deployment id.
    std::string Deploy(const std::string& manifest_id, const std::string& instance_id);
    // Polls GET /deployments/{id} until a terminal status; answers the final body.
    boost::json::object WaitTerminal(const std::string& deployment_id,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(60));
    boost::json::object GetJson(const std::string& target);
    [[nodiscard]] std::string CoordinatorLog() const;
    // Runs SQL on the coordinator's database behind its back (a compromised database, in tests).
    void Sql(const std::string& statement);
    // The first column of the first row of a query ("" for none or NULL).
    std::string SqlText(const std::string& query);
    [[nodiscard]] std::string AgentLog(const std::string& instance_id) const;
    // The agent CA the coordinator issues client certificates with (ADR 0034).
    [[nodiscard]] const TestPki& AgentPki() const { return agent_pki_; }
    // The coordinator's artifact store (storage.dir/artifacts).
    [[nodiscard]] std::filesystem::path ArtifactDir() const {
        return dir_ / "coordinator" / "artifacts";
    }

private:
    void StartCoordinator();
    std::vector<std::string> CoordinatorArgs() const;

    std::filesystem::path dir_;
    TestPki pki_;
    TestPki agent_pki_;
    TestPublisher publisher_;
    std::string admin_token_;
    std::unique_ptr<Process> coordinator_;
    std::vector<std::string> coordinator_args_;
    std::string database_url_;
    std::uint16_t http_port_ = 0;
    std::uint16_t gateway_port_ = 0;
    std::unique_ptr<HttpClient> api_;
    std::map<std::string, AgentHandle> agents_;
};

// Reads the `current` link of a component on an agent: the version it points at, or "".
std::string CurrentVersion(const AgentHandle& agent, const std::string& type,
                           const std::string& name);

boost::json::object ParseObject(const std::string& body);

}  // namespace waka::test
