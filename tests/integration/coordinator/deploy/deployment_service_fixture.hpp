#pragma once

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <fstream>
#include <map>
#include <pqxx/pqxx>
#include <thread>

#include "coordinator/app/core.hpp"
#include "coordinator/db/database.hpp"
#include "coordinator/deploy/approval_service.hpp"
#include "coordinator/deploy/scheduler.hpp"
#include "coordinator/domain/artifact_files.hpp"
#include "coordinator/gateway/gateway_server.hpp"
#include "shared/core/crypto.hpp"
#include "tests/support/agent_client/agent_client.hpp"
#include "tests/support/certs/test_pki.hpp"
#include "tests/support/pg/migrated_database.hpp"
#include "tests/support/process/process.hpp"
#include "tests/support/release/test_publisher.hpp"

// The fixture of deployment_service_test.cpp.
namespace waka::coordinator::deploy::testing {

namespace asio = boost::asio;
namespace v1 = waka::agent::v1;
using namespace std::chrono_literals;

constexpr const char* kEnrollmentToken = "enroll_0123456789abcdef0123456789abcdef";
const std::string kArtifactBytes = "not really a tarball, but bytes with a digest";

// A coordinator without HTTP: its core (the deployment service and the rest), a real gateway on
// port 0 and a fresh database holding one instance, three releases with artifacts and
// manifest-001.
class DeploymentServiceTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = test::MakeTempDir("waka-deploy-service");
        pki_ = test::MakeTestPki(dir_ / "pki");
        database_ = test::OpenMigratedDatabase(2);
        SeedCatalog();
        gateway::GatewayOptions options;
        options.address = "127.0.0.1";
        options.port = 0;
        options.cert_file = pki_.server_cert;
        options.key_file = pki_.server_key;
        gateway_ = std::make_unique<gateway::GatewayServer>(io_, options);
        core_ = std::make_unique<app::CoordinatorCore>(*database_, clock_, dir_ / "artifacts",
                                                       *gateway_, io_.get_executor());
        // require_signed (the default): planning needs the statements SeedCatalog stored.
        service_ = &core_->deployments;
        auto port = gateway_->Start(core_->sessions);
        ASSERT_TRUE(port) << port.error().message;
        port_ = *port;
        thread_ = std::thread([this] { io_.run(); });
    }

    void TearDown() override {
        gateway_->Stop();
        work_.reset();
        io_.stop();
        thread_.join();
        // Database calls still in flight complete into io_'s strands. Join the pool while io_ and
        // its services exist, so those handlers are destroyed with io_ and never after it (a
        // connection's WebSocket stream destroyed after io_ crashed here).
        service_ = nullptr;
        core_.reset();
        database_.reset();
        std::filesystem::remove_all(dir_);
    }

    void Sql(const std::string& statement) {
        auto done = database_->WithConnection([&](pqxx::connection& c) -> Expected<void> {
            pqxx::work tx(c);
            tx.exec(statement);
            tx.commit();
            return {};
        });
        ASSERT_TRUE(done) << done.error().message;
    }

    std::string SqlValue(const std::string& query) {
        std::string value;
        auto done = database_->WithConnection([&](pqxx::connection& c) -> Expected<void> {
            pqxx::work tx(c);
            auto row = tx.exec1(query);
            value = row[0].is_null() ? "<null>" : row[0].as<std::string>();
            return {};
        });
        EXPECT_TRUE(done) << done.error().message;
        return value;
    }

    // Stores bytes as an artifact (file and row), as an upload would; answers its sha256.
    std::string StoreArtifact(const std::string& bytes) {
        const auto sha = Sha256Hex(bytes);
        const auto path = domain::ArtifactFilePath(dir_ / "artifacts", sha);
        std::filesystem::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << bytes;
        Sql("INSERT INTO artifacts VALUES ('" + sha + "', " + std::to_string(bytes.size()) +
            ", now())");
        return sha;
    }

    void SeedCatalog() {
        sha_ = StoreArtifact(kArtifactBytes);
        const std::string releases[][3] = {{"platform", "webwaka-platform", "2.0.0"},
                                           {"suite", "commerce", "1.5.0"},
                                           {"capability", "reporting", "1.0.0"}};
        int n = 0;
        for (const auto& r : releases) {
            auto signed_statement = publisher_.Sign(r[0], r[1], r[2], sha_, kArtifactBytes.size());
            statements_[r[0]] = signed_statement;
            auto done = database_->WithConnection([&](pqxx::connection& c) -> Expected<void> {
                pqxx::work tx(c);
                tx.exec_params(
                    "INSERT INTO releases (id, component_type, component_name, version, "
                    "release_date, is_stable, is_security_patch, artifact_sha256, created_at, "
                    "release_statement, release_signature, release_key_id) VALUES ($1, $2, $3, "
                    "$4, now(), true, false, $5, now(), $6, $7, $8)",
                    "release-" + std::to_string(++n), r[0], r[1], r[2], sha_,
                    signed_statement.statement, release::Base64Encode(signed_statement.signature),
                    publisher_.KeyId());
                tx.commit();
                return {};
            });
            ASSERT_TRUE(done) << done.error().message;
        }
        Sql("INSERT INTO instances (id, enrollment_token_hash, created_at) VALUES "
            "('instance-prod-01', '" +
            Sha256Hex(kEnrollmentToken) + "', now())");
        Sql("INSERT INTO manifests (id, platform_version, suites, capabilities, configuration, "
            "content_hash, "
            "created_by, created_at) VALUES ('manifest-001', '2.0.0', '{\"commerce\": \"1.5.0\"}', "
            "'{\"reporting\": \"1.0.0\"}', '{\"tenant\": \"acme\"}', 'x', 'test', now())");
    }

    template <class T>
    T Await(asio::awaitable<T> task) {
        return asio::co_spawn(io_, std::move(task), asio::use_future).get();
    }

    std::unique_ptr<test::TestAgentClient> ConnectAgent() {
        auto client =
            test::TestAgentClient::Connect({"127.0.0.1", port_, pki_.ca_cert, "localhost"});
        EXPECT_TRUE(client) << client.error().message;
        return client ? std::move(*client) : nullptr;
    }

    // Enrolls the agent and answers the credential from the Welcome.
    std::string Enroll(test::TestAgentClient& client,
                       const std::string& instance_id = "instance-prod-01",
                       const std::string& token = kEnrollmentToken) {
        EXPECT_TRUE(client.Send(test::MakeHelloEnvelope(instance_id, token)));
        auto welcome = client.Receive(5s);
        EXPECT_TRUE(welcome && welcome->has_welcome()) << client.CloseReason();
        return welcome && welcome->has_welcome() ? welcome->welcome().credential() : "";
    }

    std::optional<v1::Instruction> NextInstruction(test::TestAgentClient& client) {
        for (int i = 0; i < 10; ++i) {
            auto message = client.Receive(5s);
            if (!message) {
                return std::nullopt;
            }
            if (message->has_instruction()) {
                return message->instruction();
            }
        }
        return std::nullopt;
    }

    domain::Deployment WaitStatus(const std::string& id, const std::string& status) {
        domain::Deployment last;
        test::WaitFor(
            [&] {
                auto found = Await(service_->Get(id));
                if (found) {
                    last = *found;
                }
                return domain::ToString(last.status) == status;
            },
            10s);
        return last;
    }

    CreateDeploymentRequest Request() const {
        CreateDeploymentRequest request;
        request.manifest_id = "manifest-001";
        request.instance_id = "instance-prod-01";
        return request;
    }

    const domain::Principal operator_{"token:ops", domain::Role::kOperator, "token-1"};
    SystemClock clock_;
    std::filesystem::path dir_;
    test::TestPki pki_;
    std::string sha_;
    test::TestPublisher publisher_;
    std::map<std::string, release::SignedStatement> statements_;  // by component type
    std::unique_ptr<db::Database> database_;
    std::unique_ptr<app::CoordinatorCore> core_;
    DeploymentService* service_ = nullptr;
    asio::io_context io_;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
        io_.get_executor()};
    std::unique_ptr<gateway::GatewayServer> gateway_;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

}  // namespace waka::coordinator::deploy::testing
