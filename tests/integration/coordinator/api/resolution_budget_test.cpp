#include "tests/integration/coordinator/api/resolution_api_fixture.hpp"

// The resolver's step budget through the API (ADR 0033): with a budget too small for the
// catalog, compile and compatibility answer 422 too_complex naming the budget, and store nothing.
namespace waka::coordinator::api::testing {
namespace {

constexpr std::size_t kTinyBudget = 3;  // the seeded catalog needs more steps than this

class ResolutionBudgetTest : public ResolutionApiTest {
protected:
    void AdjustCoreOptions(app::CoreOptions& options) override {
        options.resolution.max_steps = kTinyBudget;
    }

    void ExpectTooComplex(const test::HttpResult& result) {
        ASSERT_EQ(result.status, 422u) << result.body;
        auto body = Object(result);
        EXPECT_EQ(Str(body, "code"), "too_complex");
        const std::string detail = Str(body, "detail");
        EXPECT_NE(detail.find("too complex"), std::string::npos) << detail;
        EXPECT_NE(detail.find("resolver.max_steps"), std::string::npos) << detail;
        EXPECT_NE(detail.find("more than 3 solver steps"), std::string::npos) << detail;
    }
};

TEST_F(ResolutionBudgetTest, CompileAnswers422TooComplexAndStoresNoManifest) {
    SeedCatalog();
    const long long manifests = Count("manifests");
    ExpectTooComplex(CompileLatest(false));
    ExpectTooComplex(CompileLatest(true));
    EXPECT_EQ(Count("manifests"), manifests);
}

TEST_F(ResolutionBudgetTest, CompatibilityAnswers422TooComplex) {
    SeedCatalog();
    ExpectTooComplex(client_->Post("/api/v1/versions/compatibility", R"({"platform_version":"2.2.0",
        "suites":{"commerce":"1.6.0"},"capabilities":{"payments":"2.0.0"}})"));
}

// The budget is per resolution: a request too small to spend it is answered as usual.
TEST_F(ResolutionBudgetTest, ARequestWithinTheBudgetIsAnswered) {
    Release("platform", "webwaka-platform", "2.2.0");
    auto answer = client_->Post("/api/v1/versions/compatibility",
                                R"({"platform_version":"2.2.0","suites":{},"capabilities":{}})");
    ASSERT_EQ(answer.status, 200u) << answer.body;
    EXPECT_EQ(Str(Object(answer), "is_compatible"), "true");
}

}  // namespace
}  // namespace waka::coordinator::api::testing
