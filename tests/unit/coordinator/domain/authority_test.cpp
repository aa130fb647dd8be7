#include "coordinator/domain/authority.hpp"

#include <gtest/gtest.h>

#include <array>

// Who may decide what (ADR 0023), as tables.
namespace waka::coordinator::domain {
namespace {

constexpr std::array<Role, 5> kRoles = {Role::kViewer, Role::kOperator, Role::kApprover,
                                        Role::kAdmin, Role::kPublisher};

// Row: the role held; columns: the role needed, in kRoles order.
TEST(Grants, TheLadderAndThePublisherBesideIt) {
    struct Case {
        Role held;
        std::array<bool, 5> grants;
    };
    const Case cases[] = {
        //                  viewer operator approver admin  publisher
        {Role::kViewer, {true, false, false, false, false}},
        {Role::kOperator, {true, true, false, false, false}},
        {Role::kApprover, {true, true, true, false, false}},
        {Role::kAdmin, {true, true, true, true, true}},
        {Role::kPublisher, {true, false, false, false, true}},
    };
    for (const auto& c : cases) {
        for (std::size_t i = 0; i < kRoles.size(); ++i) {
            EXPECT_EQ(Grants(c.held, kRoles[i]), c.grants[i])
                << RoleName(c.held) << " for " << RoleName(kRoles[i]);
        }
    }
}

TEST(RequirementText, NamesWhatTheCallerLacks) {
    EXPECT_EQ(RequirementText(Role::kOperator), "the operator role or higher");
    EXPECT_EQ(RequirementText(Role::kPublisher), "the publisher role (or admin)");
    EXPECT_EQ(RequirementText(Role::kAdmin), "the admin role");
}

TEST(CheckPolicyChange, OnlyAnAdminLoosensFourEyes) {
    using policy::PolicyType;
    for (const Role role : kRoles) {
        const Principal by{"token:x", role, "t"};
        EXPECT_FALSE(CheckPolicyChange(by, PolicyType::kAutoUpdate, "change")) << RoleName(role);
        for (const auto type : {PolicyType::kManualApproval, PolicyType::kFrozen}) {
            const auto refusal = CheckPolicyChange(by, type, "delete");
            EXPECT_EQ(refusal.has_value(), role != Role::kAdmin) << RoleName(role);
        }
    }
    const auto refusal = CheckPolicyChange({"token:ops", Role::kOperator, "t"},
                                           PolicyType::kManualApproval, "change");
    ASSERT_TRUE(refusal);
    EXPECT_NE(refusal->find("to change a manual_approval policy needs the admin role"),
              std::string::npos)
        << *refusal;
    EXPECT_NE(refusal->find("token:ops has the operator role"), std::string::npos) << *refusal;
}

}  // namespace
}  // namespace waka::coordinator::domain
