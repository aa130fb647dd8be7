#pragma once

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <string>

#include "coordinator/deploy/dispatcher.hpp"
#include "coordinator/deploy/task_group.hpp"
#include "shared/core/clock.hpp"
#include "tests/support/fakes/fake_agent_channel.hpp"
#include "tests/support/fakes/fake_repositories.hpp"

// The dispatch and agent-result paths of the coordinator over fakes: no PostgreSQL, no TLS, no
// gateway. Coroutines run on one io_context, driven until they finish (never by a timer).
namespace waka::coordinator::deploy::testing {

class DeployTest : public ::testing::Test {
protected:
    // Runs the coroutine and every handler it posts until it finishes (bounded, never hangs).
    template <class T>
    T Run(boost::asio::awaitable<T> task) {
        auto future = boost::asio::co_spawn(io_, std::move(task), boost::asio::use_future);
        io_.restart();
        io_.run_for(std::chrono::seconds(10));
        EXPECT_EQ(future.wait_for(std::chrono::seconds(0)), std::future_status::ready);
        return future.get();
    }
    // Runs what is queued (background tasks) until nothing is left.
    void Drain() {
        io_.restart();
        io_.run_for(std::chrono::seconds(10));
    }

    // A deployment as stored: queued unless said otherwise, one platform change with an artifact.
    domain::Deployment Queued(const std::string& id, const std::string& instance_id = "instance-a",
                              domain::DeploymentStatus status = domain::DeploymentStatus::kQueued) {
        domain::Deployment d;
        d.id = id;
        d.kind = "deploy";
        d.status = status;
        d.instance_id = instance_id;
        d.manifest_id = "manifest-" + id;
        d.plan = {{"platform", "webwaka-platform", "2.0.0", "2.1.0", std::string(64, 'a'), 123}};
        return d;
    }

    FakeClock clock_{std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000))};
    boost::asio::io_context io_;
    fakes::FakeRepositories repositories_;
    fakes::FakeAgentChannel agents_;
    TaskGroup background_{io_.get_executor()};
    Dispatcher dispatcher_{repositories_.deployments, agents_, clock_};
};

}  // namespace waka::coordinator::deploy::testing
