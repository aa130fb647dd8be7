#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <boost/json.hpp>
#include <map>
#include <string>
#include <vector>

#include "tests/e2e/deploy/e2e_fixture.hpp"
#include "tests/support/bundle/bundle.hpp"

// The built wakactl binary against a real coordinator and agent (the e2e world).
namespace waka::test {

struct CtlRun {
    int exit_code = -1;
    std::string output;  // stdout and stderr
};

class WakactlTest : public ::testing::Test {
protected:
    CtlRun Ctl(std::vector<std::string> args, std::string token = "", std::string url = "",
               std::map<std::string, std::string> env = {}) {
        const auto log = world_.Dir() / ("wakactl-" + std::to_string(++runs_) + ".out");
        env["WAKA_URL"] =
            url.empty() ? "http://127.0.0.1:" + std::to_string(world_.HttpPort()) : url;
        env["WAKA_TOKEN"] = token.empty() ? world_.AdminToken() : token;
        Process process(WAKACTL_BIN, std::move(args), std::move(env), log);
        auto status = process.Wait(std::chrono::seconds(120));
        CtlRun run;
        run.output = ReadFile(log);
        EXPECT_TRUE(status.has_value()) << "wakactl did not finish: " << run.output;
        if (status && WIFEXITED(*status)) {
            run.exit_code = WEXITSTATUS(*status);
        }
        return run;
    }

    // The id of the instance's patch deployment once enforcement has made one ("" after 30 s).
    std::string WaitForPatchDeployment(const std::string& instance) {
        std::string id;
        WaitFor(
            [&] {
                CtlRun listed = Ctl({"--json", "deployments", "list", "--instance", instance});
                if (listed.exit_code != 0) {
                    return false;
                }
                const boost::json::value deployments = boost::json::parse(listed.output);
                for (const auto& d : deployments.as_array()) {
                    if (d.at("kind") == "patch") {
                        id = std::string(d.at("id").as_string());
                    }
                }
                return !id.empty();
            },
            std::chrono::seconds(30));
        return id;
    }

    E2eWorld world_;
    int runs_ = 0;
};

inline std::map<std::string, BundleFile> Bundle(const std::string& version) {
    return {{"app/VERSION", {version + "\n", 0644}},
            {"hooks/health-check", {"#!/bin/sh\ntrue\n", 0755}}};
}

}  // namespace waka::test
