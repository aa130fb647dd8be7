#include <gtest/gtest.h>

#include <chrono>

#include "coordinator/domain/resolution_rules.hpp"

// The rules under deploy::ResolutionService: what a manifest, a new pin or a deployment under
// skip_validation is checked against, given a loaded context (no database).
namespace waka::coordinator::domain {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPlatform = "platform:webwaka-platform";
constexpr const char* kCommerce = "suite:commerce";
constexpr const char* kPayments = "capability:payments";

const TimePoint kNow = std::chrono::sys_days{std::chrono::year{2026} / 11 / 27} + 3h;

ResolutionContext Context(std::vector<domain::PinRecord> pins = {}) {
    resolver::Catalog catalog;
    catalog.components[kPlatform] = {{"2.0.3", true, {}}, {"2.2.0", true, {}}};
    catalog.components[kCommerce] = {{"1.5.0", true, {{kPlatform, ">=2.0.0 <3.0.0"}}},
                                     {"1.6.0", true, {{kPlatform, ">=2.1 <3"}}}};
    catalog.components[kPayments] = {{"1.1.0", true, {{kCommerce, ">=1.5"}}},
                                     {"2.0.0", true, {{kCommerce, ">=1.6"}}}};
    auto index = resolver::BuildIndex(catalog);
    EXPECT_TRUE(index) << index.error().message;
    ResolutionContext context;
    context.index = std::make_shared<const resolver::Index>(std::move(*index));
    context.instance_id = "instance-prod-01";
    context.now = kNow;
    for (auto& pin : pins) {
        if (!pin.expires_at || *pin.expires_at > kNow) {
            context.pins_in_force.push_back(
                {pin.id, pin.Component(), pin.pinned_version, pin.reason, pin.expires_at});
        }
    }
    context.pins = std::move(pins);
    return context;
}

domain::PinRecord Pin(std::string id, std::string type, std::string name, std::string version,
                      std::optional<TimePoint> expires_at = std::nullopt) {
    domain::PinRecord pin;
    pin.id = std::move(id);
    pin.instance_id = "instance-prod-01";
    pin.component_type = std::move(type);
    pin.component_name = std::move(name);
    pin.pinned_version = std::move(version);
    pin.reason = "legacy ERP";
    pin.expires_at = expires_at;
    return pin;
}

domain::Manifest Manifest(std::string platform, std::map<std::string, std::string> suites,
                          std::map<std::string, std::string> capabilities = {}) {
    domain::Manifest m;
    m.id = "manifest-001";
    m.platform_version = std::move(platform);
    m.suites = std::move(suites);
    m.capabilities = std::move(capabilities);
    return m;
}

TEST(ValidateManifest, AcceptsACompatibleSet) {
    EXPECT_TRUE(ValidateManifest(
        Context(), Manifest("2.2.0", {{"commerce", "1.6.0"}}, {{"payments", "2.0.0"}})));
}

TEST(ValidateManifest, RefusesABrokenDependencyWithTheChain) {
    auto result = ValidateManifest(Context(), Manifest("2.0.3", {{"commerce", "1.6.0"}}));
    ASSERT_FALSE(result);
    EXPECT_TRUE(result.error().Is(Errc::kConflict));
    EXPECT_NE(result.error().message.find("suite:commerce 1.6.0 needs platform:webwaka-platform"),
              std::string::npos)
        << result.error().message;
}

TEST(ValidateManifest, RefusesAMissingDependencyNamingWhoNeedsIt) {
    auto result = ValidateManifest(Context(), Manifest("2.2.0", {}, {{"payments", "2.0.0"}}));
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().message,
              "capability:payments 2.0.0 needs suite:commerce >=1.6, which the manifest does not "
              "include");
}

TEST(ValidateManifest, UnknownReleaseIsInvalidNotAConflict) {
    auto result = ValidateManifest(Context(), Manifest("9.9.9", {}));
    ASSERT_FALSE(result);
    EXPECT_TRUE(result.error().Is(Errc::kInvalidArgument)) << result.error().message;
}

TEST(ValidateManifest, PinInForceRefusesAndExpiredPinDoesNot) {
    const auto manifest = Manifest("2.2.0", {{"commerce", "1.6.0"}});
    auto pinned = ValidateManifest(Context({Pin("pin-s", "suite", "commerce", "1.5.0")}), manifest);
    ASSERT_FALSE(pinned);
    EXPECT_NE(pinned.error().message.find("suite:commerce is pinned to 1.5.0 (pin-s"),
              std::string::npos)
        << pinned.error().message;
    // Expiry is an instant: one that passed a second ago no longer applies.
    EXPECT_TRUE(ValidateManifest(Context({Pin("pin-s", "suite", "commerce", "1.5.0", kNow - 1s)}),
                                 manifest));
}

TEST(CheckPins, SkipValidationStillHonoursPins) {
    const auto manifest = Manifest("2.0.3", {{"commerce", "1.6.0"}});
    EXPECT_TRUE(CheckPins(Context(), manifest)) << "dependencies are not checked";
    auto pinned = CheckPins(Context({Pin("pin-s", "suite", "commerce", "~1.5.0")}), manifest);
    ASSERT_FALSE(pinned);
    EXPECT_NE(pinned.error().message.find("suite:commerce 1.6.0 breaks the pin"), std::string::npos)
        << pinned.error().message;
    EXPECT_TRUE(CheckPins(Context({Pin("pin-s", "suite", "commerce", "^1.5")}), manifest));
}

TEST(CheckPinAdmissible, ConflictingPinsAreRefusedWithTheChain) {
    auto context = Context({Pin("pin-s", "suite", "commerce", "1.5.0")});
    auto result = CheckPinAdmissible(context, Pin("pin-c", "capability", "payments", "2.0.0"));
    ASSERT_FALSE(result);
    EXPECT_TRUE(result.error().Is(Errc::kConflict));
    EXPECT_NE(result.error().message.find("capability:payments 2.0.0 needs suite:commerce >=1.6"),
              std::string::npos)
        << result.error().message;
    EXPECT_NE(result.error().message.find("suite:commerce is pinned to 1.5.0 (pin-s"),
              std::string::npos)
        << result.error().message;
}

TEST(CheckPinAdmissible, NewPinReplacesThePinOnItsComponent) {
    auto context = Context({Pin("pin-old", "capability", "payments", "2.0.0")});
    EXPECT_TRUE(CheckPinAdmissible(context, Pin("pin-s", "suite", "commerce", "1.6.0")));
    EXPECT_FALSE(CheckPinAdmissible(context, Pin("pin-s", "suite", "commerce", "1.5.0")));
    EXPECT_TRUE(CheckPinAdmissible(context, Pin("pin-new", "capability", "payments", "1.1.0")));
}

TEST(CheckPinAdmissible, ExpiredPinsDoNotConflict) {
    auto context = Context({Pin("pin-s", "suite", "commerce", "1.5.0", kNow - 1min)});
    EXPECT_TRUE(CheckPinAdmissible(context, Pin("pin-c", "capability", "payments", "2.0.0")));
}

TEST(CheckPinAdmissible, StateOfTheCurrentManifestMustStayResolvable) {
    auto context = Context();
    context.current = Manifest("2.2.0", {{"commerce", "1.6.0"}}, {{"payments", "2.0.0"}});
    // An older platform still leaves commerce 1.5.0 and payments 1.1.0: admissible.
    EXPECT_TRUE(CheckPinAdmissible(context, Pin("pin-p", "platform", "webwaka-platform", "2.0.3")));
    EXPECT_EQ(StateConstraints(context),
              (std::map<std::string, std::string>{
                  {kPlatform, "latest"}, {kCommerce, "latest"}, {kPayments, "latest"}}));
}

TEST(PinMatchesARelease, ExactAndRangesAgainstTheCatalog) {
    auto context = Context();
    EXPECT_TRUE(PinMatchesARelease(*context.index, kCommerce, "1.5.0"));
    EXPECT_TRUE(PinMatchesARelease(*context.index, kCommerce, "~1.6"));
    EXPECT_FALSE(PinMatchesARelease(*context.index, kCommerce, "1.5.1"));
    EXPECT_FALSE(PinMatchesARelease(*context.index, kCommerce, ">=2"));
    EXPECT_FALSE(PinMatchesARelease(*context.index, "suite:shipping", "1.0.0"));
}

}  // namespace
}  // namespace waka::coordinator::domain
