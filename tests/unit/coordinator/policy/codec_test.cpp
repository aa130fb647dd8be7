#include "coordinator/policy/codec.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace waka::coordinator::policy {
namespace {

std::vector<InvalidField> WindowErrors(std::string_view json) {
    std::vector<InvalidField> errors;
    EXPECT_FALSE(WindowsFromJson(boost::json::parse(json), "maintenance_windows", errors));
    return errors;
}

TEST(PolicyCodec, WindowsRoundTrip) {
    const auto json = boost::json::parse(
        R"([{"days":["Sat","sunday"],"start":"23:00","duration_minutes":120,"timezone":"Africa/Lagos"}])");
    std::vector<InvalidField> errors;
    const auto windows = WindowsFromJson(json, "maintenance_windows", errors);
    ASSERT_TRUE(windows.has_value());
    EXPECT_EQ(
        boost::json::serialize(WindowsToJson(*windows)),
        R"([{"days":["sat","sun"],"start":"23:00","duration_minutes":120,"timezone":"Africa/Lagos"}])");
}

TEST(PolicyCodec, WindowErrorsNameTheField) {
    EXPECT_EQ(WindowErrors(R"({})"),
              (std::vector<InvalidField>{{"maintenance_windows", "must be an array of windows"}}));
    auto errors = WindowErrors(
        R"([{"days":["mon"],"start":"02:00","duration_minutes":60,"timezone":"UTC"},
            {"days":["mon"],"start":"2am","duration_minutes":60,"timezone":"UTC"}])");
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_EQ(errors[0].field, "maintenance_windows[1].start");
    errors =
        WindowErrors(R"([{"days":"mon","start":"02:00","duration_minutes":60,"timezone":"UTC"}])");
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_EQ(errors[0].field, "maintenance_windows[0].days");
    errors = WindowErrors(
        R"([{"days":["mon"],"start":"02:00","duration_minutes":"60","timezone":"UTC"}])");
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_EQ(errors[0].field, "maintenance_windows[0].duration_minutes");
    errors = WindowErrors(
        R"([{"days":["mon"],"start":"02:00","duration_minutes":60,"timezone":"UTC","x":1}])");
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_EQ(errors[0].field, "maintenance_windows[0].x");
}

TEST(PolicyCodec, ApprovalDefaultsAndErrors) {
    std::vector<InvalidField> errors;
    const auto partial =
        ApprovalFromJson(boost::json::parse(R"({"required_approvals":2})"), "approval", errors);
    ASSERT_TRUE(partial.has_value());
    EXPECT_EQ(partial->required_approvals, 2);
    EXPECT_EQ(partial->timeout_hours, 72);
    EXPECT_EQ(partial->approver_roles, (std::vector<std::string>{"approver", "admin"}));
    EXPECT_EQ(
        boost::json::serialize(ApprovalToJson(*partial)),
        R"({"required_approvals":2,"approver_roles":["approver","admin"],"timeout_hours":72})");

    EXPECT_FALSE(ApprovalFromJson(
        boost::json::parse(
            R"({"required_approvals":-1,"approver_roles":["boss"],"timeout_hours":0})"),
        "approval", errors));
    ASSERT_EQ(errors.size(), 3U);
    EXPECT_EQ(errors[0].field, "approval.required_approvals");
    EXPECT_EQ(errors[1].field, "approval.timeout_hours");
    EXPECT_EQ(errors[2].field, "approval.approver_roles");
}

// Four-eyes (ADR 0023): a role that deploys or publishes never approves.
TEST(ApprovalCodec, OnlyApproverAndAdminMayBeApproverRoles) {
    for (const char* roles : {R"(["operator"])", R"(["viewer"])", R"(["publisher"])",
                              R"(["approver","operator"])", R"([])"}) {
        std::vector<InvalidField> errors;
        const auto text = std::string(R"({"approver_roles":)") + roles + "}";
        EXPECT_FALSE(ApprovalFromJson(boost::json::parse(text), "approval", errors)) << roles;
        ASSERT_EQ(errors.size(), 1U) << roles;
        EXPECT_EQ(errors[0].field, "approval.approver_roles");
    }
    for (const char* roles : {R"(["approver"])", R"(["admin"])", R"(["admin","approver"])"}) {
        std::vector<InvalidField> errors;
        const auto text = std::string(R"({"approver_roles":)") + roles + "}";
        EXPECT_TRUE(ApprovalFromJson(boost::json::parse(text), "approval", errors)) << roles;
    }
}

}  // namespace
}  // namespace waka::coordinator::policy
