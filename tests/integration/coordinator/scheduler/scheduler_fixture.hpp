#pragma once

#include <date/date.h>

#include "coordinator/deploy/scheduler.hpp"
#include "tests/integration/coordinator/api/api_fixture.hpp"

// The API fixture plus a scheduler that is never started: tests run its passes one at a time
// with RunOnce() after moving the injected clock, so nothing waits on real time.
namespace waka::coordinator::api::testing {

// Monday 2030-01-07 in UTC; windows in these tests open on Mondays at 10:00 UTC for an hour.
inline TimePoint At(int hour, int minute = 0, int day_offset = 0) {
    using namespace date;
    return sys_days{2030_y / January / 7} + date::days{day_offset} + std::chrono::hours(hour) +
           std::chrono::minutes(minute);
}

inline constexpr const char* kMondayWindow =
    R"([{"days":["mon"],"start":"10:00","duration_minutes":60,"timezone":"UTC"}])";

class SchedulerTest : public ApiTest {
protected:
    void SetUp() override;
    void TearDown() override;

    // instance-prod-01 (no policy yet), platform 2.0.0 with an artifact, manifest-001.
    void SeedCatalog();
    void SetPolicy(const std::string& json_members);  // members besides instance_id
    // POST /api/v1/deployments of manifest-001 as `client`; answers the body.
    boost::json::object Deploy(test::HttpClient& client);
    boost::json::object GetDeployment(const std::string& id);
    std::string StatusOf(const std::string& id);
    deploy::PassReport Pass(deploy::Scheduler& scheduler);
    deploy::PassReport Pass() { return Pass(*scheduler_); }
    void Sql(const std::string& statement);

    std::unique_ptr<deploy::Scheduler> scheduler_;
    std::unique_ptr<test::HttpClient> ops_;    // operator "token:ops"
    std::unique_ptr<test::HttpClient> alice_;  // approver "token:alice"
    std::unique_ptr<test::HttpClient> bob_;    // approver "token:bob"
};

}  // namespace waka::coordinator::api::testing
