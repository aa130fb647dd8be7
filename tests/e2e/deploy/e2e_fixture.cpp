#include "tests/e2e/deploy/e2e_fixture.hpp"

#include <signal.h>

#include <algorithm>
#include <fstream>
#include <pqxx/pqxx>

#include "shared/core/crypto.hpp"
#include "tests/support/pg/fresh_database.hpp"

namespace waka::test {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(30);

bool IsTerminal(const std::string& status) {
    return status == "deployed" || status == "failed" || status == "rolled_back" ||
           status == "rejected" || status == "expired" || status == "cancelled";
}

std::string Text(const boost::json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    return value != nullptr && value->is_string() ? std::string(value->get_string())
                                                  : std::string();
}

}  // namespace

boost::json::object ParseObject(const std::string& body) {
    boost::system::error_code ec;
    auto value = boost::json::parse(body, ec);
    if (ec || !value.is_object()) {
        ADD_FAILURE() << "not a JSON object: " << body;
        return {};
    }
    return value.get_object();
}

E2eWorld::E2eWorld(std::vector<std::string> coordinator_args)
    : dir_(MakeTempDir("waka-e2e")),
      pki_(MakeTestPki(dir_ / "pki")),
      agent_pki_(MakeTestPki(dir_ / "agent-pki")),
      admin_token_("admin_" + RandomHex(24)),
      coordinator_args_(std::move(coordinator_args)) {
    publisher_.InstallPublicKey(ReleaseKeysDir());
    // The coordinator seals its audit entries as the packaged configuration has it (ADR 0028).
    std::ofstream(AuditKeyFile()) << RandomHex(32) << '\n';
    std::filesystem::permissions(
        AuditKeyFile(), std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    StartCoordinator();
}

void E2eWorld::RestartCoordinator(std::vector<std::string> coordinator_args) {
    coordinator_->Stop();
    coordinator_.reset();
    coordinator_args_ = std::move(coordinator_args);
    StartCoordinator();
}

HttpClient E2eWorld::ClientWith(const std::string& token) const {
    HttpClient client("127.0.0.1", http_port_);
    client.SetBearer(token);
    return client;
}

// The first start binds any free ports; a restart takes the same ones, which the agents know.
std::vector<std::string> E2eWorld::CoordinatorArgs() const {
    const auto ready = dir_ / "coordinator.ready";
    std::vector<std::string> args{
        "--http-port", std::to_string(http_port_), "--gateway-address", "127.0.0.1",
        "--gateway-port", std::to_string(gateway_port_), "--gateway-cert-file",
        pki_.server_cert.string(), "--gateway-key-file", pki_.server_key.string(), "--storage-dir",
        (dir_ / "coordinator").string(), "--ready-file", ready.string(), "--log-level", "debug",
        "--release-keys-dir", ReleaseKeysDir().string(), "--audit-key-file",
        AuditKeyFile().string(),
        // Agents by certificate, as the packaged configuration has it
        // (ADR 0034); a CA of their own, apart from the server's.
        "--gateway-agent-ca-cert-file", agent_pki_.ca_cert.string(), "--gateway-agent-ca-key-file",
        agent_pki_.ca_key.string()};
    const auto given = [this](std::string_view flag) {
        return std::any_of(coordinator_args_.begin(), coordinator_args_.end(),
                           [flag](const std::string& arg) { return arg.starts_with(flag); });
    };
    // Client certificates required unless a test says otherwise (the load tool's agents have none).
    if (!given("--gateway-require-client-certificate")) {
        args.emplace_back("--gateway-require-client-certificate=true");
    }
    // Automatic updates only where a test asks for them: otherwise a scheduler pass landing between
    // two steps of a test could install a newer release the test registered for its own use.
    if (!given("--scheduler-auto-update")) {
        args.emplace_back("--scheduler-auto-update=false");
    }
    args.insert(args.end(), coordinator_args_.begin(), coordinator_args_.end());
    return args;
}

E2eWorld::~E2eWorld() {
    for (auto& [id, agent] : agents_) {
        if (agent.process) {
            agent.process->Stop();
        }
    }
    if (coordinator_) {
        coordinator_->Stop();
    }
    if (::testing::Test::HasFailure()) {
        std::cerr << "--- coordinator log ---\n" << CoordinatorLog();
        for (auto& [id, agent] : agents_) {
            std::cerr << "--- agent " << id << " log ---\n" << ReadFile(dir_ / (id + ".log"));
        }
        std::cerr << "(kept " << dir_ << ")\n";
        return;
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

void E2eWorld::StartCoordinator() {
    const auto ready = dir_ / "coordinator.ready";
    std::error_code ignored;
    std::filesystem::remove(ready, ignored);  // a restart waits for the new one
    if (database_url_.empty()) {
        database_url_ = FreshDatabaseUrl();
    }
    coordinator_ = std::make_unique<Process>(
        WAKA_COORDINATOR_BIN, CoordinatorArgs(),
        std::map<std::string, std::string>{{"WAKA_DATABASE_URL", database_url_},
                                           {"WAKA_AUTH_BOOTSTRAP_TOKEN", admin_token_}},
        dir_ / "coordinator.log");
    ASSERT_TRUE(WaitFor([&] { return std::filesystem::exists(ready) || !coordinator_->Running(); },
                        kStartTimeout))
        << CoordinatorLog();
    ASSERT_TRUE(coordinator_->Running()) << CoordinatorLog();
    auto ports = ParseObject(ReadFile(ready));
    http_port_ = static_cast<std::uint16_t>(ports.at("http_port").to_number<int>());
    gateway_port_ = static_cast<std::uint16_t>(ports.at("gateway_port").to_number<int>());
    api_ = std::make_unique<HttpClient>("127.0.0.1", http_port_);
    api_->SetBearer(admin_token_);
}

std::string E2eWorld::CoordinatorLog() const { return ReadFile(dir_ / "coordinator.log"); }

std::string E2eWorld::SqlText(const std::string& query) {
    pqxx::connection connection(database_url_);
    pqxx::read_transaction tx(connection);
    auto rows = tx.exec(query);
    return rows.empty() || rows[0][0].is_null() ? std::string() : rows[0][0].c_str();
}

std::string E2eWorld::AgentLog(const std::string& instance_id) const {
    return ReadFile(dir_ / (instance_id + ".log"));
}

void E2eWorld::Sql(const std::string& statement) {
    pqxx::connection connection(database_url_);
    pqxx::work tx(connection);
    tx.exec(statement);
    tx.commit();
}

void E2eWorld::Publish(const std::string& type, const std::string& name, const std::string& version,
                       const std::map<std::string, BundleFile>& files) {
    boost::json::object release{{"component_type", type},
                                {"component_name", name},
                                {"version", version},
                                {"changelog", "e2e"}};
    auto created = api_->Post("/api/v1/versions", boost::json::serialize(release));
    ASSERT_EQ(created.status, 201u) << created.body;
    const auto bundle = MakeBundle(dir_ / "bundles", type, name, version, files);
    auto uploaded = UploadSigned(type, name, version, bundle);
    ASSERT_EQ(uploaded.status, 201u) << uploaded.body;
}

HttpResult E2eWorld::UploadSigned(const std::string& type, const std::string& name,
                                  const std::string& version, const std::filesystem::path& bundle) {
    return api_->UploadFile(
        "PUT", "/api/v1/artifacts/" + type + "/" + name + "/" + version, bundle,
        {{"Content-Type", "application/gzip"},
         {"X-Waka-Release-Signature", publisher_.SignatureHeader(type, name, version, bundle)}});
}

AgentHandle& E2eWorld::AddAgent(const std::string& instance_id) {
    AddAgents({instance_id});
    return agents_.at(instance_id);
}

void E2eWorld::AddAgents(const std::vector<std::string>& instance_ids) {
    for (const auto& instance_id : instance_ids) {
        boost::json::object body{{"id", instance_id}, {"labels", {{"env", "e2e"}}}};
        auto created = api_->Post("/api/v1/instances", boost::json::serialize(body));
        EXPECT_EQ(created.status, 201u) << created.body;
        auto& agent = agents_[instance_id];
        agent.instance_id = instance_id;
        agent.state_dir = dir_ / ("agent-" + instance_id);
        agent.enrollment_token = Text(ParseObject(created.body), "enrollment_token");
        StartAgent(agent);
    }
    for (const auto& instance_id : instance_ids) {
        WaitConnected(instance_id);
    }
}

void E2eWorld::StartAgent(AgentHandle& agent) {
    const auto url = GatewayUrl();
    agent.process = std::make_unique<Process>(
        WAKA_AGENT_BIN,
        std::vector<std::string>{"--instance-id", agent.instance_id, "--coordinator-url", url,
                                 "--ca-file", pki_.ca_cert.string(), "--state-dir",
                                 agent.state_dir.string(), "--log-level", "debug",
                                 "--health-check-timeout-seconds", "20", "--release-keys-dir",
                                 ReleaseKeysDir().string()},
        std::map<std::string, std::string>{{"WAKA_ENROLLMENT_TOKEN", agent.enrollment_token}},
        dir_ / (agent.instance_id + ".log"));
}

void E2eWorld::WaitConnected(const std::string& instance_id) {
    bool connected = WaitFor(
        [&] {
            auto instance = GetJson("/api/v1/instances/" + instance_id);
            return Text(instance, "connection_state") == "connected";
        },
        kStartTimeout);
    ASSERT_TRUE(connected) << "agent " << instance_id << " never connected\n"
                           << ReadFile(dir_ / (instance_id + ".log"));
}

void E2eWorld::CreateManifest(const std::string& id, const std::string& platform_version,
                              const std::map<std::string, std::string>& suites,
                              const std::map<std::string, std::string>& capabilities) {
    boost::json::object suite_map;
    for (const auto& [name, version] : suites) {
        suite_map[name] = version;
    }
    boost::json::object capability_map;
    for (const auto& [name, version] : capabilities) {
        capability_map[name] = version;
    }
    boost::json::object body{{"id", id},
                             {"platform_version", platform_version},
                             {"suites", suite_map},
                             {"capabilities", capability_map},
                             {"configuration", {{"tenant", "e2e"}}}};
    auto created = api_->Post("/api/v1/manifests", boost::json::serialize(body));
    ASSERT_EQ(created.status, 201u) << created.body;
}

std::string E2eWorld::Deploy(const std::string& manifest_id, const std::string& instance_id) {
    boost::json::object body{{"manifest_id", manifest_id},
                             {"instance_id", instance_id},
                             {"dry_run", false},
                             {"skip_validation", false}};
    auto created = api_->Post("/api/v1/deployments", boost::json::serialize(body));
    EXPECT_EQ(created.status, 201u) << created.body;
    return Text(ParseObject(created.body), "id");
}

boost::json::object E2eWorld::WaitTerminal(const std::string& deployment_id,
                                           std::chrono::milliseconds timeout) {
    boost::json::object last;
    bool done = WaitFor(
        [&] {
            last = GetJson("/api/v1/deployments/" + deployment_id);
            return IsTerminal(Text(last, "status"));
        },
        timeout);
    EXPECT_TRUE(done) << "deployment " << deployment_id
                      << " stuck: " << boost::json::serialize(last);
    return last;
}

boost::json::object E2eWorld::GetJson(const std::string& target) {
    auto answer = api_->Get(target);
    EXPECT_EQ(answer.status, 200u) << target << ": " << answer.body << answer.error;
    return answer.status == 200 ? ParseObject(answer.body) : boost::json::object();
}

std::string CurrentVersion(const AgentHandle& agent, const std::string& type,
                           const std::string& name) {
    std::error_code ec;
    auto target = std::filesystem::read_symlink(
        agent.state_dir / "components" / (type + "-" + name) / "current", ec);
    return ec ? std::string() : target.filename().string();
}

}  // namespace waka::test
