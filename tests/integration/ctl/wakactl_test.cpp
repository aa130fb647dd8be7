#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>

#include "shared/release/statement.hpp"
#include "tests/integration/ctl/tls_proxy.hpp"
#include "tests/integration/ctl/wakactl_fixture.hpp"
#include "tests/support/bundle/bundle.hpp"

// The built wakactl binary against a real coordinator and agent: exit codes, tables, --json,
// deploy --wait, the server's detail on errors; and no token ever appears in a log of the run.
namespace waka::test {
namespace {

TEST_F(WakactlTest, HealthVersionsDeployErrorsAndLogsWithoutSecrets) {
    CtlRun health = Ctl({"health"});
    EXPECT_EQ(health.exit_code, 0) << health.output;
    EXPECT_NE(health.output.find("healthy"), std::string::npos) << health.output;

    CtlRun created = Ctl(
        {"versions", "create", "platform", "webwaka-platform", "2.0.0", "--changelog", "first"});
    EXPECT_EQ(created.exit_code, 0) << created.output;
    EXPECT_NE(created.output.find("version_string:    2.0.0"), std::string::npos) << created.output;

    CtlRun listed = Ctl({"versions", "list", "--json"});
    ASSERT_EQ(listed.exit_code, 0) << listed.output;
    boost::json::value versions = boost::json::parse(listed.output);
    ASSERT_TRUE(versions.is_array()) << listed.output;
    ASSERT_EQ(versions.as_array().size(), 1u);
    EXPECT_EQ(versions.as_array()[0].at("version_string"), "2.0.0");

    CtlRun table = Ctl({"versions", "list"});
    EXPECT_EQ(table.exit_code, 0);
    EXPECT_TRUE(table.output.starts_with("COMPONENT_TYPE")) << table.output;

    // The error path: the server's detail, exit 1.
    CtlRun duplicate = Ctl({"versions", "create", "platform", "webwaka-platform", "2.0.0"});
    EXPECT_EQ(duplicate.exit_code, 1) << duplicate.output;
    EXPECT_NE(duplicate.output.find("error 409: "), std::string::npos) << duplicate.output;
    CtlRun missing = Ctl({"deployments", "get", "deploy-nope"});
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.output.find("error 404: Deployment not found"), std::string::npos)
        << missing.output;
    CtlRun unauthenticated = Ctl({"versions", "list"}, "not-a-token-0123456789");
    EXPECT_EQ(unauthenticated.exit_code, 1);
    EXPECT_NE(unauthenticated.output.find("error 401: The bearer token is unknown or revoked"),
              std::string::npos)
        << unauthenticated.output;
    // The failed login is logged, without the token it tried.
    EXPECT_NE(world_.CoordinatorLog().find("api authentication failed"), std::string::npos);
    EXPECT_EQ(world_.CoordinatorLog().find("not-a-token-0123456789"), std::string::npos);

    // A viewer token made with wakactl; its secret must not reach any log either.
    CtlRun token = Ctl({"--json", "tokens", "create", "watcher", "--role", "viewer"});
    ASSERT_EQ(token.exit_code, 0) << token.output;
    const std::string viewer_secret(boost::json::parse(token.output).at("token").as_string());

    // Upload the bundle with wakactl and deploy to a live agent, waiting for the end.
    const auto bundle = MakeBundle(world_.Dir() / "ctl-bundles", "platform", "webwaka-platform",
                                   "2.0.0", Bundle("2.0.0"));
    CtlRun unsigned_upload =
        Ctl({"artifacts", "upload", "platform", "webwaka-platform", "2.0.0", bundle.string()});
    EXPECT_EQ(unsigned_upload.exit_code, 1) << unsigned_upload.output;
    EXPECT_NE(unsigned_upload.output.find("error 422: X-Waka-Release-Signature: required"),
              std::string::npos)
        << unsigned_upload.output;
    // The publisher's .sig beside the bundle is picked up.
    std::ofstream(bundle.string() + ".sig") << release::EncodeSignedFile(
        world_.Publisher().SignFile("platform", "webwaka-platform", "2.0.0", bundle));
    CtlRun uploaded =
        Ctl({"artifacts", "upload", "platform", "webwaka-platform", "2.0.0", bundle.string()});
    ASSERT_EQ(uploaded.exit_code, 0) << uploaded.output;
    CtlRun release = Ctl({"--json", "versions", "get", "platform", "webwaka-platform", "2.0.0"});
    ASSERT_EQ(release.exit_code, 0) << release.output;
    const std::string sha256(boost::json::parse(release.output).at("artifact_sha256").as_string());
    const auto copy = world_.Dir() / "downloaded.tar.gz";
    CtlRun downloaded = Ctl({"artifacts", "download", sha256, "-o", copy.string()});
    EXPECT_EQ(downloaded.exit_code, 0) << downloaded.output;
    EXPECT_EQ(ReadFile(copy), ReadFile(bundle));
    CtlRun unknown_artifact =
        Ctl({"artifacts", "download", std::string(64, 'a'), "-o", copy.string() + ".x"});
    EXPECT_EQ(unknown_artifact.exit_code, 1) << unknown_artifact.output;
    EXPECT_NE(unknown_artifact.output.find("error 404: "), std::string::npos)
        << unknown_artifact.output;
    EXPECT_FALSE(std::filesystem::exists(copy.string() + ".x"));
    EXPECT_FALSE(std::filesystem::exists(copy.string() + ".x.partial"));
    AgentHandle& agent = world_.AddAgent("instance-prod-01");
    CtlRun manifest = Ctl({"manifests", "create", "--id", "manifest-001", "--instance",
                           "instance-prod-01", "--platform-version", "2.0.0"});
    ASSERT_EQ(manifest.exit_code, 0) << manifest.output;
    CtlRun deployed = Ctl({"deploy", "--manifest", "manifest-001", "--instance", "instance-prod-01",
                           "--wait", "--timeout", "90"});
    EXPECT_EQ(deployed.exit_code, 0) << deployed.output;
    EXPECT_NE(deployed.output.find(" deployed"), std::string::npos) << deployed.output;
    EXPECT_EQ(CurrentVersion(agent, "platform", "webwaka-platform"), "2.0.0");

    CtlRun deployments = Ctl({"deployments", "list", "--instance", "instance-prod-01"});
    EXPECT_EQ(deployments.exit_code, 0);
    EXPECT_NE(deployments.output.find("deployed"), std::string::npos) << deployments.output;
    // Lists follow the server's pages: --limit takes that many, --limit 0 all of them.
    CtlRun everything = Ctl({"--json", "audit", "list", "--limit", "0"});
    ASSERT_EQ(everything.exit_code, 0) << everything.output;
    const std::size_t entries = boost::json::parse(everything.output).as_array().size();
    ASSERT_GT(entries, 3u);
    CtlRun three = Ctl({"audit", "list", "--limit", "3"});
    EXPECT_EQ(three.exit_code, 0) << three.output;
    EXPECT_EQ(std::count(three.output.begin(), three.output.end(), '\n'), 5) << three.output;
    EXPECT_NE(three.output.find("(more than 3; --limit N for more"), std::string::npos)
        << three.output;
    CtlRun exact = Ctl({"--json", "audit", "list", "--limit", std::to_string(entries)});
    EXPECT_EQ(boost::json::parse(exact.output).as_array().size(), entries) << exact.output;
    // `api` prints JSON answers indented and anything else as served.
    CtlRun metrics = Ctl({"api", "GET", "/metrics"});
    EXPECT_EQ(metrics.exit_code, 0) << metrics.output;
    EXPECT_NE(metrics.output.find("\n# TYPE "), std::string::npos) << metrics.output;
    EXPECT_FALSE(metrics.output.starts_with("\"")) << metrics.output;
    CtlRun raw_policies = Ctl({"api", "GET", "/api/v1/policies"});
    EXPECT_EQ(raw_policies.exit_code, 0) << raw_policies.output;
    EXPECT_TRUE(raw_policies.output.starts_with("[")) << raw_policies.output;
    CtlRun verify = Ctl({"audit", "verify"});
    EXPECT_EQ(verify.exit_code, 0) << verify.output;

    // No secret of this run in the coordinator's or the agent's log.
    std::string credential = ReadFile(agent.state_dir / "credential");  // written by the agent
    while (!credential.empty() && (credential.back() == '\n' || credential.back() == '\r')) {
        credential.pop_back();
    }
    const std::vector<std::pair<std::string, std::string>> secrets = {
        {"admin token", world_.AdminToken()},
        {"viewer token", viewer_secret},
        {"enrollment token", agent.enrollment_token},
        {"agent credential", credential}};
    for (const auto& log :
         {world_.Dir() / "coordinator.log", world_.Dir() / "instance-prod-01.log"}) {
        const std::string text = ReadFile(log);
        EXPECT_FALSE(text.empty()) << log;
        for (const auto& [name, secret] : secrets) {
            ASSERT_GE(secret.size(), 16u) << name;
            EXPECT_EQ(text.find(secret), std::string::npos) << name << " found in " << log;
        }
    }
}

TEST_F(WakactlTest, PoliciesSetListGetUpdateDelete) {
    ASSERT_EQ(Ctl({"instances", "create", "instance-prod-01"}).exit_code, 0);

    CtlRun set = Ctl({"policies", "set", "--instance", "instance-prod-01", "--type",
                      "manual_approval", "--description", "Production requires approval",
                      "--window", "sat,sun 23:00 180 Africa/Lagos", "--required-approvals", "2"});
    ASSERT_EQ(set.exit_code, 0) << set.output;
    EXPECT_NE(set.output.find("manual_approval"), std::string::npos) << set.output;
    EXPECT_NE(set.output.find("sat,sun 23:00 180m Africa/Lagos"), std::string::npos) << set.output;
    EXPECT_NE(set.output.find("2 of approver,admin within 72 h"), std::string::npos) << set.output;

    CtlRun listed = Ctl({"--json", "policies", "list", "--instance", "instance-prod-01"});
    ASSERT_EQ(listed.exit_code, 0) << listed.output;
    const boost::json::value policies = boost::json::parse(listed.output);
    ASSERT_EQ(policies.as_array().size(), 1u) << listed.output;
    const std::string id(policies.as_array()[0].at("id").as_string());
    EXPECT_EQ(policies.as_array()[0].at("approval").at("required_approvals"), 2);
    CtlRun table = Ctl({"policies", "list"});
    EXPECT_TRUE(table.output.starts_with("ID")) << table.output;
    EXPECT_NE(table.output.find(id), std::string::npos) << table.output;

    // A partial update keeps what it does not name.
    CtlRun updated = Ctl({"policies", "update", id, "--disable", "--no-windows", "--json"});
    ASSERT_EQ(updated.exit_code, 0) << updated.output;
    const boost::json::value policy = boost::json::parse(updated.output);
    EXPECT_EQ(policy.at("enabled"), false);
    EXPECT_EQ(policy.at("policy_type"), "manual_approval");
    EXPECT_TRUE(policy.at("maintenance_windows").as_array().empty());
    EXPECT_EQ(policy.at("description"), "Production requires approval");

    // Refusals print the server's detail and each field, exit 1, and store nothing.
    CtlRun bad = Ctl({"policies", "set", "--instance", "instance-prod-01", "--type", "sometimes",
                      "--window", "sat 25:00 60 Mars/Olympus"});
    EXPECT_EQ(bad.exit_code, 1) << bad.output;
    EXPECT_NE(bad.output.find("error 422: "), std::string::npos) << bad.output;
    EXPECT_NE(bad.output.find("policy_type: "), std::string::npos) << bad.output;
    EXPECT_NE(bad.output.find("maintenance_windows[0].timezone: "), std::string::npos)
        << bad.output;
    CtlRun malformed = Ctl({"policies", "set", "--instance", "instance-prod-01", "--type", "frozen",
                            "--window", "saturday evening"});
    EXPECT_EQ(malformed.exit_code, 1) << malformed.output;
    EXPECT_NE(malformed.output.find("must be written 'DAYS HH:MM MINUTES TIMEZONE'"),
              std::string::npos)
        << malformed.output;
    CtlRun nothing = Ctl({"policies", "update", id});
    EXPECT_EQ(nothing.exit_code, 1) << nothing.output;
    CtlRun count = Ctl({"--json", "policies", "list", "--instance", "instance-prod-01"});
    EXPECT_EQ(boost::json::parse(count.output).as_array().size(), 1u) << count.output;

    CtlRun deleted = Ctl({"policies", "delete", id});
    EXPECT_EQ(deleted.exit_code, 0) << deleted.output;
    CtlRun after = Ctl({"--json", "policies", "get", id});
    ASSERT_EQ(after.exit_code, 0) << after.output;
    EXPECT_EQ(boost::json::parse(after.output).at("active"), false);
    CtlRun missing = Ctl({"policies", "get", "policy-nope"});
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.output.find("error 404: Policy not found"), std::string::npos)
        << missing.output;
}

// The operator's whole loop with wakactl against a live agent: approval under manual_approval
// (the requester refused, an approver accepted), reject, rollback --wait and the quarantine it
// leaves, pins with explain,
// compatibility and compile, and a critical patch enforced, followed, then reported.
TEST_F(WakactlTest, ApproveRollbackPinExplainAndPatch) {
    for (const std::string version : {"2.0.0", "2.1.0"}) {
        ASSERT_EQ(Ctl({"versions", "create", "platform", "webwaka-platform", version}).exit_code,
                  0);
        const auto bundle = MakeBundle(world_.Dir() / "ctl-bundles", "platform", "webwaka-platform",
                                       version, Bundle(version));
        const auto signature = bundle.string() + ".signed";
        std::ofstream(signature) << release::EncodeSignedFile(
            world_.Publisher().SignFile("platform", "webwaka-platform", version, bundle));
        ASSERT_EQ(Ctl({"artifacts", "upload", "platform", "webwaka-platform", version,
                       bundle.string(), "--signature", signature})
                      .exit_code,
                  0);
    }
    AgentHandle& agent = world_.AddAgent("instance-prod-01");
    for (const auto& [id, version] : std::vector<std::pair<std::string, std::string>>{
             {"manifest-001", "2.0.0"}, {"manifest-002", "2.1.0"}}) {
        ASSERT_EQ(Ctl({"manifests", "create", "--id", id, "--instance", "instance-prod-01",
                       "--platform-version", version})
                      .exit_code,
                  0);
    }
    CtlRun first = Ctl({"deploy", "--manifest", "manifest-001", "--instance", "instance-prod-01",
                        "--wait", "--timeout", "90"});
    ASSERT_EQ(first.exit_code, 0) << first.output;

    // Approval: the requester may not approve; an approver token may.
    ASSERT_EQ(
        Ctl({"policies", "set", "--instance", "instance-prod-01", "--type", "manual_approval"})
            .exit_code,
        0);
    CtlRun pending =
        Ctl({"--json", "deploy", "--manifest", "manifest-002", "--instance", "instance-prod-01"});
    ASSERT_EQ(pending.exit_code, 0) << pending.output;
    const boost::json::value deployment = boost::json::parse(pending.output);
    EXPECT_EQ(deployment.at("status"), "awaiting_approval") << pending.output;
    const std::string deployment_id(deployment.at("id").as_string());
    CtlRun own = Ctl({"approve", deployment_id});
    EXPECT_EQ(own.exit_code, 1) << own.output;
    EXPECT_NE(own.output.find("error 403: "), std::string::npos) << own.output;
    CtlRun token = Ctl({"--json", "tokens", "create", "approver-1", "--role", "approver"});
    ASSERT_EQ(token.exit_code, 0) << token.output;
    const std::string approver(boost::json::parse(token.output).at("token").as_string());
    CtlRun approved = Ctl({"approve", deployment_id, "--comment", "change ticket 42"}, approver);
    EXPECT_EQ(approved.exit_code, 0) << approved.output;
    EXPECT_TRUE(approved.output.starts_with("deployment " + deployment_id)) << approved.output;
    CtlRun followed = Ctl({"deployments", "get", deployment_id, "--wait"});
    EXPECT_EQ(followed.exit_code, 0) << followed.output;
    EXPECT_EQ(CurrentVersion(agent, "platform", "webwaka-platform"), "2.1.0");

    // Reject: the comment is required by the server (its 422), then the deployment is rejected.
    CtlRun again =
        Ctl({"--json", "deploy", "--manifest", "manifest-001", "--instance", "instance-prod-01"});
    ASSERT_EQ(again.exit_code, 0) << again.output;
    const std::string again_id(boost::json::parse(again.output).at("id").as_string());
    CtlRun bare = Ctl({"reject", again_id}, approver);
    EXPECT_EQ(bare.exit_code, 1) << bare.output;
    EXPECT_NE(bare.output.find("error 422: "), std::string::npos) << bare.output;
    CtlRun rejected = Ctl({"reject", again_id, "--comment", "not this week"}, approver);
    EXPECT_EQ(rejected.exit_code, 0) << rejected.output;
    EXPECT_NE(rejected.output.find(" rejected"), std::string::npos) << rejected.output;

    // Rollback to the manifest before the current one, followed to the end.
    CtlRun rollback = Ctl({"rollback", "--instance", "instance-prod-01", "--reason",
                           "performance degradation", "--wait", "--timeout", "90"});
    EXPECT_EQ(rollback.exit_code, 0) << rollback.output;
    EXPECT_NE(rollback.output.find("to manifest-001 created"), std::string::npos)
        << rollback.output;
    EXPECT_NE(rollback.output.find("rollback "), std::string::npos) << rollback.output;
    EXPECT_EQ(CurrentVersion(agent, "platform", "webwaka-platform"), "2.0.0");
    CtlRun rollbacks = Ctl({"rollbacks", "list", "--instance", "instance-prod-01"});
    EXPECT_TRUE(rollbacks.output.starts_with("ID")) << rollbacks.output;
    EXPECT_NE(rollbacks.output.find("completed"), std::string::npos) << rollbacks.output;
    CtlRun history = Ctl({"rollbacks", "history", "instance-prod-01"});
    EXPECT_EQ(history.exit_code, 0) << history.output;
    EXPECT_NE(history.output.find("successful_rollbacks: 1"), std::string::npos) << history.output;
    EXPECT_NE(history.output.find("manifest-002"), std::string::npos) << history.output;

    // The version the rollback removed is quarantined until an operator clears it.
    CtlRun quarantined = Ctl({"--json", "quarantine", "list", "instance-prod-01"});
    ASSERT_EQ(quarantined.exit_code, 0) << quarantined.output;
    const boost::json::value quarantine = boost::json::parse(quarantined.output);
    ASSERT_EQ(quarantine.as_array().size(), 1u) << quarantined.output;
    EXPECT_EQ(quarantine.as_array()[0].at("version"), "2.1.0");
    const std::string quarantine_id(quarantine.as_array()[0].at("id").as_string());
    CtlRun no_reason = Ctl({"quarantine", "clear", "instance-prod-01", quarantine_id});
    EXPECT_EQ(no_reason.exit_code, 1) << no_reason.output;
    EXPECT_NE(no_reason.output.find("error 422: "), std::string::npos) << no_reason.output;
    CtlRun cleared = Ctl({"quarantine", "clear", "instance-prod-01", quarantine_id, "--reason",
                          "2.1.0 fixed by configuration"});
    EXPECT_EQ(cleared.exit_code, 0) << cleared.output;
    CtlRun remaining = Ctl({"quarantine", "list", "instance-prod-01"});
    EXPECT_EQ(remaining.output.find(quarantine_id), std::string::npos) << remaining.output;

    // Pins: explain names the pin; compatibility and compile honour it.
    CtlRun pin = Ctl({"--json", "pin", "--instance", "instance-prod-01", "platform",
                      "webwaka-platform", "2.0.0", "--reason", "legacy ERP"});
    ASSERT_EQ(pin.exit_code, 0) << pin.output;
    const std::string pin_id(boost::json::parse(pin.output).at("id").as_string());
    CtlRun pins = Ctl({"pins", "instance-prod-01"});
    EXPECT_NE(pins.output.find(pin_id), std::string::npos) << pins.output;
    CtlRun explain = Ctl({"explain", "instance-prod-01", "platform:webwaka-platform"});
    EXPECT_EQ(explain.exit_code, 0) << explain.output;
    EXPECT_NE(explain.output.find("current_version: 2.0.0"), std::string::npos) << explain.output;
    EXPECT_NE(explain.output.find("legacy ERP"), std::string::npos) << explain.output;
    CtlRun fits = Ctl({"compatibility", "--platform-version", "2.0.0"});
    EXPECT_EQ(fits.exit_code, 0) << fits.output;
    EXPECT_TRUE(fits.output.starts_with("compatible")) << fits.output;
    CtlRun conflict =
        Ctl({"compatibility", "--platform-version", "2.1.0", "--instance", "instance-prod-01"});
    EXPECT_EQ(conflict.exit_code, 1) << conflict.output;
    EXPECT_TRUE(conflict.output.starts_with("not compatible")) << conflict.output;
    CtlRun compiled = Ctl({"manifests", "compile", "--instance", "instance-prod-01", "--dry-run"});
    EXPECT_EQ(compiled.exit_code, 0) << compiled.output;
    EXPECT_NE(compiled.output.find("2.0.0"), std::string::npos) << compiled.output;
    CtlRun unpinned = Ctl({"unpin", pin_id});
    EXPECT_EQ(unpinned.exit_code, 0) << unpinned.output;
    CtlRun unpin_again = Ctl({"unpin", pin_id});
    EXPECT_EQ(unpin_again.exit_code, 1) << unpin_again.output;
    EXPECT_NE(unpin_again.output.find("error 409: "), std::string::npos) << unpin_again.output;

    // A critical patch: registering it applies it now (enforcement, even under manual_approval);
    // wakactl follows that deployment, then apply answers "applied" and the reports agree.
    CtlRun registered = Ctl({"patches", "register", "patch-001", "--type", "platform", "--name",
                             "webwaka-platform", "--affected", "<2.1.0", "--patched", "2.1.0",
                             "--severity", "critical", "--cve", "CVE-2026-0001"});
    ASSERT_EQ(registered.exit_code, 0) << registered.output;
    CtlRun critical = Ctl({"patches", "list", "--critical"});
    EXPECT_NE(critical.output.find("patch-001"), std::string::npos) << critical.output;
    CtlRun shown = Ctl({"--json", "patches", "show", "patch-001"});
    ASSERT_EQ(shown.exit_code, 0) << shown.output;
    EXPECT_EQ(boost::json::parse(shown.output).at("severity"), "critical");
    const std::string patch_deployment = WaitForPatchDeployment("instance-prod-01");
    ASSERT_FALSE(patch_deployment.empty()) << "enforcement made no patch deployment";
    CtlRun patched = Ctl({"deployments", "get", patch_deployment, "--wait", "--timeout", "90"});
    EXPECT_EQ(patched.exit_code, 0) << patched.output;
    EXPECT_EQ(CurrentVersion(agent, "platform", "webwaka-platform"), "2.1.0");
    CtlRun reapplied = Ctl(
        {"--json", "patches", "apply", "patch-001", "--instance", "instance-prod-01", "--wait"});
    EXPECT_EQ(reapplied.exit_code, 0) << reapplied.output;
    EXPECT_EQ(boost::json::parse(reapplied.output).at("status"), "applied") << reapplied.output;
    CtlRun status = Ctl({"patches", "status", "instance-prod-01"});
    EXPECT_EQ(status.exit_code, 0) << status.output;
    EXPECT_NE(status.output.find("applied_patches: 1"), std::string::npos) << status.output;
    EXPECT_NE(status.output.find("PATCH_ID"), std::string::npos) << status.output;
    CtlRun compliance = Ctl({"--json", "patches", "compliance"});
    ASSERT_EQ(compliance.exit_code, 0) << compliance.output;
    EXPECT_EQ(boost::json::parse(compliance.output).at("compliant_patches"), 1)
        << compliance.output;
    CtlRun unknown = Ctl({"patches", "show", "patch-nope"});
    EXPECT_EQ(unknown.exit_code, 1);
    EXPECT_NE(unknown.output.find("error 404: Patch not found"), std::string::npos)
        << unknown.output;
}

// https:// through a TLS proxy whose certificate names localhost only: trusted with --ca (or
// WAKA_CA_FILE); refused without it (the system store does not know the test CA), with another CA,
// and by IP address (the name is checked, not only the chain). No request passes a refused
// handshake, so the token never leaves wakactl then.
TEST_F(WakactlTest, HttpsVerifiesTheServerCertificate) {
    const TestPki pki = MakeTestPki(world_.Dir() / "https-pki", {"localhost"}, {});
    const TestPki other = MakeTestPki(world_.Dir() / "other-pki");
    TlsProxy proxy(pki.server_cert, pki.server_key, static_cast<unsigned short>(world_.HttpPort()));
    const std::string url = "https://localhost:" + std::to_string(proxy.Port());

    CtlRun health = Ctl({"health", "--ca", pki.ca_cert.string()}, "", url);
    EXPECT_EQ(health.exit_code, 0) << health.output;
    EXPECT_NE(health.output.find("healthy"), std::string::npos) << health.output;
    CtlRun created = Ctl({"--ca", pki.ca_cert.string(), "instances", "create", "instance-tls-01"},
                         "", url + "/");
    EXPECT_EQ(created.exit_code, 0) << created.output;
    CtlRun from_env = Ctl({"instances", "get", "instance-tls-01"}, "", url,
                          {{"WAKA_CA_FILE", pki.ca_cert.string()}});
    EXPECT_EQ(from_env.exit_code, 0) << from_env.output;
    CtlRun missing = Ctl({"--ca", pki.ca_cert.string(), "instances", "get", "nope"}, "", url);
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.output.find("error 404: "), std::string::npos) << missing.output;

    CtlRun untrusted = Ctl({"instances", "list"}, "", url);
    EXPECT_EQ(untrusted.exit_code, 1) << untrusted.output;
    EXPECT_NE(untrusted.output.find("TLS handshake with localhost:" + std::to_string(proxy.Port()) +
                                    " failed: "),
              std::string::npos)
        << untrusted.output;
    EXPECT_NE(untrusted.output.find("certificate verify failed"), std::string::npos)
        << untrusted.output;
    CtlRun wrong_ca = Ctl({"--ca", other.ca_cert.string(), "instances", "list"}, "", url);
    EXPECT_EQ(wrong_ca.exit_code, 1) << wrong_ca.output;
    EXPECT_NE(wrong_ca.output.find("certificate verify failed"), std::string::npos)
        << wrong_ca.output;
    CtlRun by_ip = Ctl({"--ca", pki.ca_cert.string(), "instances", "list"}, "",
                       "https://127.0.0.1:" + std::to_string(proxy.Port()));
    EXPECT_EQ(by_ip.exit_code, 1) << by_ip.output;
    EXPECT_NE(by_ip.output.find("certificate verify failed"), std::string::npos) << by_ip.output;

    // Only the trusted runs reached the coordinator: one instance, one 404.
    CtlRun listed = Ctl({"--json", "instances", "list"});
    ASSERT_EQ(listed.exit_code, 0) << listed.output;
    EXPECT_EQ(boost::json::parse(listed.output).as_array().size(), 1u) << listed.output;
    CtlRun bad_url = Ctl({"health"}, "", "ftp://localhost");
    EXPECT_EQ(bad_url.exit_code, 1);
    EXPECT_NE(bad_url.output.find("must start with http:// or https://"), std::string::npos)
        << bad_url.output;
}

}  // namespace
}  // namespace waka::test
