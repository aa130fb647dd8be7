#include <gtest/gtest.h>
#include <sys/wait.h>

#include <boost/json.hpp>

#include "tests/e2e/deploy/e2e_fixture.hpp"

// Every curl of the runbook whose route exists, exactly as written but for
// -H "Authorization: Bearer $WAKA_TOKEN", http://localhost:8000 -> the test's port, and
// -sS -w '\n%{http_code}' so the answer's status can be checked. The runbook's literal
// `deploy-001` becomes the id POST /api/v1/deployments answered (ids are generated).
namespace waka::test {
namespace {

struct CurlAnswer {
    unsigned status = 0;
    boost::json::value body;
    std::string raw;
};

class RunbookTest : public ::testing::Test {
protected:
    // Runs curl with the runbook's arguments; `url` is the runbook's URL.
    CurlAnswer Curl(std::vector<std::string> args, const std::string& url) {
        const std::string base = "http://localhost:8000";
        EXPECT_TRUE(url.starts_with(base)) << url;
        std::vector<std::string> argv = {"-sS", "-w", "\n%{http_code}", "-H",
                                         "Authorization: Bearer " + world_.AdminToken()};
        argv.insert(argv.end(), args.begin(), args.end());
        argv.push_back("http://127.0.0.1:" + std::to_string(world_.HttpPort()) +
                       url.substr(base.size()));
        const auto log = world_.Dir() / ("curl-" + std::to_string(++calls_) + ".out");
        Process curl("/usr/bin/curl", argv, {}, log);
        auto status = curl.Wait(std::chrono::seconds(60));
        CurlAnswer answer;
        answer.raw = ReadFile(log);
        EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << answer.raw;
        const auto newline = answer.raw.rfind('\n');
        if (newline == std::string::npos) {
            ADD_FAILURE() << "no status line from curl: " << answer.raw;
            return answer;
        }
        answer.status = static_cast<unsigned>(std::stoul(answer.raw.substr(newline + 1)));
        boost::system::error_code ec;
        answer.body = boost::json::parse(answer.raw.substr(0, newline), ec);
        EXPECT_FALSE(ec) << "not JSON: " << answer.raw;
        return answer;
    }

    static std::string Str(const boost::json::value& body, const char* key) {
        const auto* object = body.if_object();
        const auto* value = object != nullptr ? object->if_contains(key) : nullptr;
        return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
    }

    E2eWorld world_;
    int calls_ = 0;
};

std::map<std::string, BundleFile> Bundle(const std::string& version) {
    return {{"app/VERSION", {version + "\n", 0644}},
            {"hooks/health-check", {"#!/bin/sh\ntrue\n", 0755}}};
}

TEST_F(RunbookTest, EveryServedCurlOfTheRunbookAnswersAsDocumented) {
    // Health check.
    CurlAnswer health = Curl({}, "http://localhost:8000/health");
    EXPECT_EQ(health.status, 200u) << health.raw;
    EXPECT_EQ(Str(health.body, "status"), "healthy");

    // What the runbook assumes exists: manifest-001 and a connected instance-prod-01.
    world_.Publish("platform", "webwaka-platform", "2.0.0", Bundle("2.0.0"));
    world_.Publish("suite", "commerce", "1.5.0", Bundle("1.5.0"));
    AgentHandle& agent = world_.AddAgent("instance-prod-01");
    world_.CreateManifest("manifest-001", "2.0.0", {{"commerce", "1.5.0"}}, {});
    world_.Publish("suite", "commerce", "1.5.1", Bundle("1.5.1"));
    auto registered = world_.Api().Post("/api/v1/security/patches", R"({"patch_id":"patch-001",
        "component_type":"suite","component_name":"commerce","affected_versions":"<1.5.1",
        "patched_version":"1.5.1","severity":"critical"})");
    ASSERT_EQ(registered.status, 201u) << registered.body;
    // Its enforcement (which finds no instance running commerce yet) ends with a patch.enforce
    // entry.
    ASSERT_TRUE(WaitFor(
        [&] {
            auto audit = world_.Api().Get("/api/v1/audit?action=patch.enforce");
            return audit.status == 200u && audit.body.find("patch-001") != std::string::npos;
        },
        std::chrono::seconds(30)));

    // Creating a Deployment.
    CurlAnswer created = Curl({"-X", "POST", "-H", "Content-Type: application/json", "-d",
                               "{\n    \"manifest_id\": \"manifest-001\",\n    \"instance_id\": "
                               "\"instance-prod-01\",\n    \"dry_run\": false,\n    "
                               "\"skip_validation\": false\n  }"},
                              "http://localhost:8000/api/v1/deployments");
    ASSERT_EQ(created.status, 201u) << created.raw;
    const std::string id = Str(created.body, "id");
    ASSERT_TRUE(id.starts_with("deploy-")) << created.raw;
    EXPECT_EQ(Str(created.body, "manifest_id"), "manifest-001");
    EXPECT_EQ(Str(created.body, "instance_id"), "instance-prod-01");
    EXPECT_EQ(Str(world_.WaitTerminal(id), "status"), "deployed");
    EXPECT_EQ(CurrentVersion(agent, "suite", "commerce"), "1.5.0");

    // Monitoring Deployment Status (deploy-001 -> the id answered above).
    CurlAnswer status = Curl({}, "http://localhost:8000/api/v1/deployments/" + id);
    EXPECT_EQ(status.status, 200u) << status.raw;
    EXPECT_EQ(Str(status.body, "status"), "deployed");
    EXPECT_EQ(Str(status.body, "id"), id);
    // The literal id of the runbook names no deployment here.
    CurlAnswer literal = Curl({}, "http://localhost:8000/api/v1/deployments/deploy-001");
    EXPECT_EQ(literal.status, 404u) << literal.raw;
    EXPECT_EQ(Str(literal.body, "detail"), "Deployment not found");

    // Setting Update Policies.
    CurlAnswer policy =
        Curl({"-X", "POST"},
             "http://localhost:8000/api/v1/policies?instance_id=instance-prod-01&"
             "policy_type=manual_approval&description=Production%20requires%20approval");
    EXPECT_EQ(policy.status, 201u) << policy.raw;
    EXPECT_EQ(Str(policy.body, "instance_id"), "instance-prod-01");
    EXPECT_EQ(Str(policy.body, "policy_type"), "manual_approval");
    EXPECT_EQ(Str(policy.body, "description"), "Production requires approval");

    // Pinning Versions.
    CurlAnswer pin = Curl({"-X", "POST", "-H", "Content-Type: application/json", "-d",
                           "{\n    \"component_type\": \"suite\",\n    \"component_name\": "
                           "\"commerce\",\n    \"pinned_version\": \"1.5.0\",\n    \"reason\": "
                           "\"Compatibility with legacy system\"\n  }"},
                          "http://localhost:8000/api/v1/versions/pin?instance_id=instance-prod-01");
    ASSERT_EQ(pin.status, 201u) << pin.raw;
    EXPECT_TRUE(Str(pin.body, "id").starts_with("pin-")) << pin.raw;
    EXPECT_EQ(Str(pin.body, "pinned_version"), "1.5.0");
    EXPECT_EQ(Str(pin.body, "reason"), "Compatibility with legacy system");
    // Troubleshooting, "Check version pins": GET /api/v1/versions/pins/{instance_id}.
    CurlAnswer pins = Curl({}, "http://localhost:8000/api/v1/versions/pins/instance-prod-01");
    EXPECT_EQ(pins.status, 200u) << pins.raw;
    ASSERT_TRUE(pins.body.is_array()) << pins.raw;
    EXPECT_EQ(pins.body.as_array().size(), 1u) << pins.raw;
    // An exact pin holds patches back (docs/design.md §3: only a range lets patches through), and
    // this test's patch-001 targets the pinned suite: the operator lifts the pin first.
    EXPECT_EQ(world_.Api().Delete("/api/v1/versions/pin/" + Str(pin.body, "id")).status, 204u);

    // Applying Security Patches (patch-001 was registered before the instance ran commerce, so
    // that enforcement left it to this command): a critical patch runs now even under the
    // manual_approval policy just set.
    CurlAnswer patch = Curl({"-X", "POST", "-H", "Content-Type: application/json", "-d",
                             "{\n    \"patch_id\": \"patch-001\",\n    \"dry_run\": false,\n    "
                             "\"force\": false\n  }"},
                            "http://localhost:8000/api/v1/security/patches/apply?instance_id="
                            "instance-prod-01");
    ASSERT_EQ(patch.status, 201u) << patch.raw;
    EXPECT_EQ(Str(patch.body, "patch_id"), "patch-001");
    EXPECT_EQ(Str(world_.WaitTerminal(Str(patch.body, "id")), "status"), "deployed");
    EXPECT_EQ(CurrentVersion(agent, "suite", "commerce"), "1.5.1");

    // Initiating Rollback: back to manifest-001, now, under manual_approval too.
    CurlAnswer rollback =
        Curl({"-X", "POST", "-H", "Content-Type: application/json", "-d",
              "{\n    \"to_manifest_id\": \"manifest-001\",\n    \"reason\": \"Deployment caused "
              "performance degradation\",\n    \"dry_run\": false,\n    \"skip_validation\": "
              "false\n  }"},
             "http://localhost:8000/api/v1/rollback?instance_id=instance-prod-01");
    ASSERT_EQ(rollback.status, 201u) << rollback.raw;
    EXPECT_EQ(Str(rollback.body, "to_manifest_id"), "manifest-001");
    EXPECT_EQ(Str(world_.WaitTerminal(Str(rollback.body, "id")), "status"), "deployed");
    EXPECT_EQ(Str(world_.GetJson("/api/v1/rollback/" + Str(rollback.body, "id")), "status"),
              "completed");
    EXPECT_EQ(CurrentVersion(agent, "suite", "commerce"), "1.5.0");

    // Verify recovery: the health check again.
    EXPECT_EQ(Curl({}, "http://localhost:8000/health").status, 200u);
}

}  // namespace
}  // namespace waka::test
