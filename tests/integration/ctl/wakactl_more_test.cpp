#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/integration/ctl/wakactl_fixture.hpp"

// wakactl's help and completion, the floors a publisher signs offline (ADR 0022), and the
// coordinator's own HTTPS listener with its certificate reload (ADR 0027).
namespace waka::test {
namespace {

std::vector<std::string> ListedIds(const CtlRun& run) {
    std::vector<std::string> ids;
    const boost::json::value list = boost::json::parse(run.output);
    for (const auto& item : list.as_array()) {
        ids.emplace_back(item.as_object().at("id").as_string());
    }
    return ids;
}

TEST_F(WakactlTest, InstanceLabelsReplacedAndSelected) {
    ASSERT_EQ(Ctl({"instances", "create", "i-lagos", "--label", "env=prod"}).exit_code, 0);
    ASSERT_EQ(Ctl({"instances", "create", "i-abuja", "--label", "env=dev"}).exit_code, 0);
    CtlRun labelled = Ctl({"instances", "labels", "i-abuja", "env=prod", "region=abuja"});
    ASSERT_EQ(labelled.exit_code, 0) << labelled.output;
    EXPECT_NE(labelled.output.find("abuja"), std::string::npos) << labelled.output;

    CtlRun selected =
        Ctl({"--json", "instances", "list", "--selector", "env=prod,region in (abuja,kano)"});
    ASSERT_EQ(selected.exit_code, 0) << selected.output;
    EXPECT_EQ(ListedIds(selected), std::vector<std::string>{"i-abuja"});
    CtlRun both =
        Ctl({"--json", "instances", "list", "--label", "env=prod", "--selector", "!region"});
    ASSERT_EQ(both.exit_code, 0) << both.output;
    EXPECT_EQ(ListedIds(both), std::vector<std::string>{"i-lagos"});
    CtlRun bad = Ctl({"instances", "list", "--selector", "region in (abuja"});
    EXPECT_EQ(bad.exit_code, 1) << bad.output;
    EXPECT_NE(bad.output.find("missing ')'"), std::string::npos) << bad.output;

    CtlRun nothing = Ctl({"instances", "labels", "i-abuja"});
    EXPECT_NE(nothing.exit_code, 0) << nothing.output;
    EXPECT_NE(nothing.output.find("--clear"), std::string::npos) << nothing.output;
    ASSERT_EQ(Ctl({"instances", "labels", "i-abuja", "--clear"}).exit_code, 0);
    CtlRun bare = Ctl({"--json", "instances", "list", "--selector", "!env"});
    ASSERT_EQ(bare.exit_code, 0) << bare.output;
    EXPECT_EQ(ListedIds(bare), std::vector<std::string>{"i-abuja"});
}

TEST_F(WakactlTest, HelpEverywhereAndBashCompletion) {
    for (std::vector<std::string> args : {std::vector<std::string>{"--help"},
                                          {"deploy", "--help"},
                                          {"versions", "create", "--help"},
                                          {"api", "--help"},
                                          {"policies", "--help"},
                                          {"policies", "set", "--help"},
                                          {"policies", "update", "--help"},
                                          {"approve", "--help"},
                                          {"rollback", "--help"},
                                          {"rollbacks", "history", "--help"},
                                          {"pin", "--help"},
                                          {"explain", "--help"},
                                          {"compatibility", "--help"},
                                          {"manifests", "compile", "--help"},
                                          {"patches", "apply", "--help"},
                                          {"patches", "status", "--help"},
                                          {"patches", "compliance", "--help"},
                                          {"quarantine", "clear", "--help"},
                                          {"audit", "export", "--help"},
                                          {"tokens", "rotate", "--help"},
                                          {"instances", "labels", "--help"}}) {
        CtlRun help = Ctl(args);
        EXPECT_EQ(help.exit_code, 0) << help.output;
        EXPECT_NE(help.output.find("Usage:"), std::string::npos) << help.output;
    }
    CtlRun completion = Ctl({"completion", "bash"});
    EXPECT_EQ(completion.exit_code, 0);
    EXPECT_NE(completion.output.find("complete -o default -F _wakactl wakactl"), std::string::npos);
    EXPECT_NE(completion.output.find("\"versions\") options=\"create list get"), std::string::npos)
        << completion.output;
    EXPECT_NE(completion.output.find("\"policies\") options=\"set update list get delete"),
              std::string::npos)
        << completion.output;
    CtlRun version = Ctl({"--version"});
    EXPECT_EQ(version.exit_code, 0);
    EXPECT_TRUE(version.output.starts_with("wakactl ")) << version.output;
    CtlRun unknown = Ctl({"nonsense"});
    EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
    CtlRun missing_argument = Ctl({"deploy", "--instance", "instance-prod-01"});
    EXPECT_EQ(missing_argument.exit_code, 2) << missing_argument.output;
    EXPECT_NE(missing_argument.output.find("--manifest is required"), std::string::npos)
        << missing_argument.output;
}

// The publisher signs a floor offline, an operator hands it over; a lower one is refused.
TEST_F(WakactlTest, FloorSignedOfflineIsSetListedAndNeverLowered) {
    const auto key = world_.Dir() / "publisher.key";
    ASSERT_TRUE(world_.Publisher().Key().WritePemFile(key));
    const auto floor = world_.Dir() / "commerce.floor";
    CtlRun signed_floor =
        Ctl({"release", "floor", "--key", key.string(), "--type", "suite", "--name", "commerce",
             "--min-version", "1.5.0", "--reason", "CVE-2026-0002", "-o", floor.string()});
    ASSERT_EQ(signed_floor.exit_code, 0) << signed_floor.output;
    CtlRun set = Ctl({"floors", "set", floor.string()});
    EXPECT_EQ(set.exit_code, 0) << set.output;
    CtlRun listed = Ctl({"floors", "list"});
    EXPECT_EQ(listed.exit_code, 0) << listed.output;
    EXPECT_NE(listed.output.find("1.5.0"), std::string::npos) << listed.output;
    EXPECT_NE(listed.output.find("CVE-2026-0002"), std::string::npos) << listed.output;

    const auto lower = world_.Dir() / "lower.floor";
    ASSERT_EQ(Ctl({"release", "floor", "--key", key.string(), "--type", "suite", "--name",
                   "commerce", "--min-version", "1.4.0", "--reason", "oops", "-o", lower.string()})
                  .exit_code,
              0);
    CtlRun refused = Ctl({"floors", "set", lower.string()});
    EXPECT_EQ(refused.exit_code, 1) << refused.output;
    EXPECT_NE(refused.output.find("error 409: the floor of suite:commerce is 1.5.0 already"),
              std::string::npos)
        << refused.output;
}

// The token never comes from the command line; a file is fine.
TEST_F(WakactlTest, TokenFromAFileNeverFromAFlag) {
    CtlRun flag = Ctl({"--token", "waka_should_not_be_here", "health"}, "unused");
    EXPECT_EQ(flag.exit_code, 2) << flag.output;
    const auto file = world_.Dir() / "token";
    std::ofstream(file) << world_.AdminToken() << "\n";
    CtlRun from_file = Ctl({"--token-file", file.string(), "versions", "list"}, "not-a-token");
    EXPECT_EQ(from_file.exit_code, 0) << from_file.output;
    CtlRun from_env =
        Ctl({"versions", "list"}, "not-a-token", "", {{"WAKA_TOKEN_FILE", file.string()}});
    EXPECT_EQ(from_env.exit_code, 0) << from_env.output;
}

// The coordinator serving HTTPS itself: wakactl trusts it with --ca, plain http:// gets no answer.
// A new certificate and SIGHUP: new connections get the new one at once (the old CA is refused),
// with no restart.
TEST_F(WakactlTest, NativeHttpsAndCertificateReloadOnSighup) {
    const auto pki_dir = world_.Dir() / "api-pki";
    const TestPki first = MakeTestPki(pki_dir, {"localhost"}, {});
    const auto first_ca = world_.Dir() / "api-ca-first.pem";
    std::filesystem::copy_file(first.ca_cert, first_ca);
    world_.RestartCoordinator({"--http-tls-cert-file", first.server_cert.string(),
                               "--http-tls-key-file", first.server_key.string()});
    const std::string url = "https://localhost:" + std::to_string(world_.HttpPort());

    CtlRun trusted =
        Ctl({"--ca", first_ca.string(), "instances", "create", "instance-https"}, "", url);
    EXPECT_EQ(trusted.exit_code, 0) << trusted.output;
    CtlRun plain = Ctl({"instances", "list"});  // http:// to the HTTPS port
    EXPECT_EQ(plain.exit_code, 1) << plain.output;

    const TestPki renewed = MakeTestPki(pki_dir, {"localhost"}, {});  // a new CA, same files
    world_.SignalCoordinator(SIGHUP);
    ASSERT_TRUE(WaitFor(
        [&] {
            return world_.CoordinatorLog().find("TLS reloaded listener=http") != std::string::npos;
        },
        std::chrono::seconds(30)))
        << world_.CoordinatorLog();
    CtlRun after =
        Ctl({"--ca", renewed.ca_cert.string(), "instances", "get", "instance-https"}, "", url);
    EXPECT_EQ(after.exit_code, 0) << after.output;
    CtlRun old = Ctl({"--ca", first_ca.string(), "instances", "list"}, "", url);
    EXPECT_EQ(old.exit_code, 1) << old.output;
    EXPECT_NE(old.output.find("certificate verify failed"), std::string::npos) << old.output;
    EXPECT_EQ(world_.CoordinatorLog().find("TLS reload failed"), std::string::npos);
}

// `audit export` follows the pages and writes one NDJSON stream: entries, then the chain head.
TEST_F(WakactlTest, AuditExportWritesEveryEntryThenTheChainHead) {
    for (const std::string name : {"archiver-1", "archiver-2", "archiver-3"}) {
        ASSERT_EQ(Ctl({"tokens", "create", name, "--role", "viewer"}).exit_code, 0);
    }
    CtlRun listed = Ctl({"--json", "audit", "list", "--limit", "0"});
    ASSERT_EQ(listed.exit_code, 0) << listed.output;
    const auto entries = boost::json::parse(listed.output).as_array();
    ASSERT_GE(entries.size(), 4u);

    CtlRun exported = Ctl({"audit", "export", "--page-size", "2"});
    ASSERT_EQ(exported.exit_code, 0) << exported.output;
    std::vector<boost::json::object> lines;
    std::istringstream in(exported.output);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(boost::json::parse(line).as_object());
    }
    ASSERT_EQ(lines.size(), entries.size() + 1) << exported.output;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        EXPECT_EQ(lines[i].at("seq"), entries[i].at("seq"));
        EXPECT_EQ(lines[i].at("hash"), entries[i].at("hash"));
        EXPECT_FALSE(lines[i].at("key_id").as_string().empty()) << "the e2e coordinator has a key";
    }
    const auto& head = lines.back().at("chain_head").as_object();
    EXPECT_EQ(head.at("seq"), entries.back().at("seq"));
    EXPECT_EQ(head.at("hash"), entries.back().at("hash"));
    EXPECT_TRUE(lines.back().at("complete").as_bool());

    const std::string second_last =
        std::to_string(entries[entries.size() - 2].at("seq").as_int64());
    CtlRun tail = Ctl({"audit", "export", "--since-seq", second_last});
    ASSERT_EQ(tail.exit_code, 0) << tail.output;
    EXPECT_EQ(std::count(tail.output.begin(), tail.output.end(), '\n'), 2) << tail.output;
    EXPECT_EQ(Ctl({"audit", "export", "--since-seq", "-1"}).exit_code, 2);
}

// `tokens rotate` by name: the new secret once, the old one refused at once (ADR 0029).
TEST_F(WakactlTest, TokenRotateByNameOrIdWithTheServersDetailOnRefusal) {
    CtlRun created = Ctl({"--json", "tokens", "create", "nightly-job", "--role", "viewer"});
    ASSERT_EQ(created.exit_code, 0) << created.output;
    const auto token = boost::json::parse(created.output).as_object();
    const std::string old_secret(token.at("token").as_string());
    const std::string id(token.at("id").as_string());

    CtlRun rotated = Ctl({"--json", "tokens", "rotate", "nightly-job"});
    ASSERT_EQ(rotated.exit_code, 0) << rotated.output;
    const auto answer = boost::json::parse(rotated.output).as_object();
    EXPECT_EQ(answer.at("id").as_string(), id);
    const std::string new_secret(answer.at("token").as_string());
    EXPECT_NE(new_secret, old_secret);
    EXPECT_EQ(Ctl({"versions", "list"}, old_secret).exit_code, 1) << "the old secret still works";
    EXPECT_EQ(Ctl({"versions", "list"}, new_secret).exit_code, 0);

    CtlRun overlap = Ctl({"tokens", "rotate", id, "--overlap-seconds", "600"});
    ASSERT_EQ(overlap.exit_code, 0) << overlap.output;
    EXPECT_NE(overlap.output.find("previous_token_valid_until"), std::string::npos)
        << overlap.output;
    EXPECT_EQ(Ctl({"versions", "list"}, new_secret).exit_code, 0) << "inside the overlap";

    CtlRun unknown = Ctl({"tokens", "rotate", "no-such-token"});
    EXPECT_EQ(unknown.exit_code, 1);
    EXPECT_NE(unknown.output.find("error 404: "), std::string::npos) << unknown.output;
    ASSERT_EQ(Ctl({"tokens", "revoke", id}).exit_code, 0);
    CtlRun revoked = Ctl({"tokens", "rotate", "nightly-job"});
    EXPECT_EQ(revoked.exit_code, 1);
    EXPECT_NE(revoked.output.find("error 409: "), std::string::npos) << revoked.output;
    EXPECT_NE(revoked.output.find("revoked"), std::string::npos) << revoked.output;
    EXPECT_EQ(world_.CoordinatorLog().find(new_secret), std::string::npos) << "a secret was logged";
}

}  // namespace
}  // namespace waka::test
