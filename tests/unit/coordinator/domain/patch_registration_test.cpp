#include "coordinator/domain/patch_registration.hpp"

#include <gtest/gtest.h>

// The registration rules of coordinator/domain/patch_registration.hpp (ADR 0019), as tables.
namespace waka::coordinator::domain {
namespace {

SecurityPatch Patch(std::string severity, std::string range, std::string patched) {
    SecurityPatch p;
    p.id = "patch-001";
    p.component_type = "suite";
    p.component_name = "commerce";
    p.severity = std::move(severity);
    p.affected_versions = std::move(range);
    p.patched_version = std::move(patched);
    return p;
}

TEST(CheckPatchedAboveAffected, Table) {
    struct Case {
        std::string severity, range, patched;
        bool allowed;
    };
    const Case cases[] = {
        {"critical", ">=1.5.0 <1.5.1", "1.5.1", true},
        {"critical", "<2.0.0", "2.0.0", true},
        {"critical", "<2.0.0", "1.2.0", false},  // the downgrade attack
        {"critical", "<2.0.0", "2.0.0-rc.1", false},
        {"critical", "<=2.0.0", "2.0.0", false},
        {"critical", "<=2.0.0", "2.0.1", true},
        {"critical", "1.5.0", "1.5.1", true},
        {"critical", "1.5.0", "1.4.9", false},
        {"critical", "1.5.x", "1.5.9", false},
        {"critical", "1.5.x", "1.6.0", true},
        {"critical", "~1.5.2", "1.6.0", true},
        {"critical", "^1.5", "1.9.9", false},
        {"critical", "^1.5", "2.0.0", true},
        {"critical", "1.0.0 - 1.4.0", "1.4.1", true},
        {"critical", "1.0.0 - 1.4.0", "0.9.0", false},
        {"critical", ">=1.3.0 <1.6.0", "1.2.0", false},   // below the whole range
        {"critical", "<1.5.1 <1.4.0", "1.4.0", true},     // the tighter bound counts
        {"critical", "<1.4.0 || 1.6.0", "1.5.0", false},  // every alternative must be below
        {"critical", "<1.4.0 || 1.6.0", "1.6.1", true},
        {"critical", ">=1.0.0", "9.9.9", false},  // no upper bound
        {"critical", "*", "9.9.9", false},
        {"critical", "<1.4.0 || >=2.0.0", "3.0.0", false},
        {"critical", ">1.4.0 <=1.4.0", "1.4.1", true},  // admits nothing, bounded anyway
        {"high", "<2.0.0", "1.2.0", false},
        {"high", ">=1.0.0", "9.9.9", false},
        {"high", "<2.0.0", "2.0.0", true},
        {"medium", "<2.0.0", "1.2.0", true},  // today's rule only: outside the range
        {"medium", ">=1.0.0", "0.9.0", true},
        {"low", "<2.0.0", "1.2.0", true},
    };
    for (const auto& c : cases) {
        auto refusal = CheckPatchedAboveAffected(Patch(c.severity, c.range, c.patched));
        EXPECT_EQ(!refusal.has_value(), c.allowed)
            << c.severity << " '" << c.range << "' " << c.patched << ": "
            << refusal.value_or("allowed");
    }
}

TEST(CheckPatchedAboveAffected, NamesTheCheckTheRangeAndAnUnboundedAlternative) {
    auto older = CheckPatchedAboveAffected(Patch("critical", "<2.0.0", "1.2.0"));
    ASSERT_TRUE(older);
    EXPECT_EQ(older->rfind("1.2.0 is not above every version the affected range <2.0.0 admits", 0),
              0u)
        << *older;
    auto unbounded = CheckPatchedAboveAffected(Patch("high", "<1.0.0 || >=1.5.0", "2.0.0"));
    ASSERT_TRUE(unbounded);
    EXPECT_NE(unbounded->find("(>=1.5.0 has no upper bound)"), std::string::npos) << *unbounded;
}

TEST(CheckPatchedAboveAffected, LeavesFieldsThatDoNotParseToTheFieldChecks) {
    EXPECT_FALSE(CheckPatchedAboveAffected(Patch("critical", ">=banana", "1.0.0")));
    EXPECT_FALSE(CheckPatchedAboveAffected(Patch("critical", "<2.0.0", "v1")));
}

TEST(RoleToRegister, Table) {
    struct Case {
        std::string severity;
        Role role;
    };
    const Case cases[] = {{"critical", Role::kAdmin},
                          {"high", Role::kPublisher},
                          {"medium", Role::kPublisher},
                          {"low", Role::kPublisher}};
    for (const auto& c : cases) {
        EXPECT_EQ(RoleToRegister(c.severity), c.role) << c.severity;
    }
}

TEST(CheckRegistrationRole, CriticalNeedsAdminOthersPublisher) {
    const Principal operator_token{"token:ops", Role::kOperator, "t1"};
    const Principal approver{"token:approver", Role::kApprover, "t2"};
    const Principal admin{"token:admin", Role::kAdmin, "t3"};
    const Principal publisher{"token:release", Role::kPublisher, "t4"};
    auto refused = CheckRegistrationRole("critical", publisher);
    ASSERT_TRUE(refused);
    EXPECT_NE(refused->find("registering a critical patch needs the admin role"), std::string::npos)
        << *refused;
    EXPECT_NE(refused->find("token:release has the publisher role"), std::string::npos) << *refused;
    EXPECT_TRUE(CheckRegistrationRole("critical", approver));
    EXPECT_TRUE(CheckRegistrationRole("critical", operator_token));
    EXPECT_FALSE(CheckRegistrationRole("critical", admin));
    EXPECT_FALSE(CheckRegistrationRole("high", publisher));
    EXPECT_FALSE(CheckRegistrationRole("low", publisher));
    EXPECT_FALSE(CheckRegistrationRole("low", admin));
    auto deployer = CheckRegistrationRole("low", operator_token);
    ASSERT_TRUE(deployer);
    EXPECT_NE(deployer->find("needs the publisher role (or admin)"), std::string::npos)
        << *deployer;
    EXPECT_TRUE(CheckRegistrationRole("high", approver));
}

}  // namespace
}  // namespace waka::coordinator::domain
