#include "coordinator/domain/model.hpp"

#include <gtest/gtest.h>

namespace waka::coordinator::domain {
namespace {

TEST(Roles, NamesRoundTripAndUnknownNamesAreRefused) {
    for (const Role role :
         {Role::kViewer, Role::kOperator, Role::kApprover, Role::kAdmin, Role::kPublisher}) {
        EXPECT_EQ(ParseRole(RoleName(role)), role);
    }
    EXPECT_EQ(RoleName(Role::kApprover), "approver");
    EXPECT_EQ(RoleName(Role::kPublisher), "publisher");
    EXPECT_FALSE(ParseRole("root"));
    EXPECT_FALSE(ParseRole("Admin"));
    EXPECT_TRUE(IsTerminal(*ParseDeploymentStatus("rolled_back")));
    EXPECT_TRUE(IsTerminal(*ParseDeploymentStatus("cancelled")));
    EXPECT_FALSE(IsTerminal(*ParseDeploymentStatus("deploying")));
    EXPECT_FALSE(IsTerminal(*ParseDeploymentStatus("awaiting_approval")));
}

}  // namespace
}  // namespace waka::coordinator::domain
