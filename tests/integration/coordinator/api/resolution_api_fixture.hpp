#pragma once

#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "tests/integration/coordinator/api/api_fixture.hpp"

// The API over a fresh database with instance-prod-01 registered, and the helpers of the
// resolution tests (resolution_api_test.cpp, resolution_explain_test.cpp).
namespace waka::coordinator::api::testing {

inline constexpr const char* kInstance = "instance-prod-01";

class ResolutionApiTest : public ApiTest {
protected:
    void SetUp() override {
        ApiTest::SetUp();
        ASSERT_EQ(client_->Post("/api/v1/instances", R"({"id":"instance-prod-01"})").status, 201u);
    }

    void Release(const std::string& type, const std::string& name, const std::string& version,
                 const std::string& dependencies = "{}", bool stable = true) {
        auto result = client_->Post(
            "/api/v1/versions", R"({"component_type":")" + type + R"(","component_name":")" + name +
                                    R"(","version":")" + version + R"(","is_stable":)" +
                                    (stable ? "true" : "false") + R"(,"dependencies":)" +
                                    dependencies + "}");
        ASSERT_EQ(result.status, 201u) << result.body;
    }

    // The catalog of the resolver's unit tests: commerce 1.6 needs a newer platform, payments 2
    // needs commerce 1.6, plus an unstable platform and pre-releases.
    void SeedCatalog() {
        Release("platform", "webwaka-platform", "2.0.3");
        Release("platform", "webwaka-platform", "2.1.0");
        Release("platform", "webwaka-platform", "2.2.0");
        Release("platform", "webwaka-platform", "2.3.0", "{}", false);
        Release("platform", "webwaka-platform", "3.0.0-rc.1");
        Release("suite", "commerce", "1.4.0", R"({"platform:webwaka-platform":"~2.0.0"})");
        Release("suite", "commerce", "1.5.0", R"({"platform:webwaka-platform":">=2.0.0 <3.0.0"})");
        Release("suite", "commerce", "1.6.0", R"({"platform:webwaka-platform":">=2.1 <3"})");
        Release("suite", "commerce", "1.7.0-beta.1", R"({"platform:webwaka-platform":">=2.2"})");
        Release("capability", "payments", "1.0.0", R"({"suite:commerce":">=1.4"})");
        Release("capability", "payments", "1.1.0", R"({"suite:commerce":">=1.5"})");
        Release("capability", "payments", "2.0.0", R"({"suite:commerce":">=1.6"})");
    }

    test::HttpResult Pin(const std::string& type, const std::string& name,
                         const std::string& version, const std::string& extra = "") {
        return client_->Post(std::string("/api/v1/versions/pin?instance_id=") + kInstance,
                             R"({"component_type":")" + type + R"(","component_name":")" + name +
                                 R"(","pinned_version":")" + version +
                                 R"(","reason":"legacy ERP")" + extra + "}");
    }

    test::HttpResult CompileLatest(bool dry_run) {
        return client_->Post("/api/v1/manifests/compile",
                             std::string(R"({"instance_id":"instance-prod-01",
                "platform_version":"latest","suites":{"commerce":"latest"},
                "capabilities":{"payments":"latest"},"dry_run":)") +
                                 (dry_run ? "true" : "false") + "}");
    }

    // Field names of a 422 answer.
    std::vector<std::string> Fields(const test::HttpResult& result) {
        std::vector<std::string> fields;
        auto body = Object(result);
        if (const auto* errors = body.if_contains("errors")) {
            for (const auto& error : errors->as_array()) {
                fields.emplace_back(error.as_object().at("field").as_string());
            }
        }
        return fields;
    }

    void ExpectRefused(const test::HttpResult& result, const std::string& field) {
        EXPECT_EQ(result.status, 422u) << result.body;
        EXPECT_EQ(Fields(result), std::vector<std::string>{field}) << result.body;
    }

    long long Audited(const std::string& action, const std::string& decision) {
        return std::stoll(SqlValue("SELECT count(*) FROM audit_log WHERE action = '" + action +
                                   "' AND decision = '" + decision + "'"));
    }

    void MakeCurrent(const std::string& manifest_body, const std::string& id) {
        auto created = client_->Post("/api/v1/manifests", manifest_body);
        ASSERT_EQ(created.status, 201u) << created.body;
        auto done = database_->WithConnection([&](pqxx::connection& c) -> Expected<void> {
            pqxx::work tx(c);
            tx.exec_params("UPDATE instances SET current_manifest_id = $1 WHERE id = $2", id,
                           std::string(kInstance));
            tx.commit();
            return {};
        });
        ASSERT_TRUE(done) << done.error().message;
    }
};

}  // namespace waka::coordinator::api::testing
