#include "coordinator/domain/manifest_hash.hpp"

#include <gtest/gtest.h>

#include "shared/core/crypto.hpp"

namespace waka::coordinator::domain {
namespace {

Manifest Sample(std::string configuration) {
    Manifest m;
    m.id = "manifest-001";
    m.platform_version = "2.0.0";
    m.suites = {{"commerce", "1.5.0"}, {"billing", "3.0.0"}};
    m.capabilities = {{"reporting", "1.0.0"}};
    m.configuration_json = std::move(configuration);
    return m;
}

TEST(ManifestContentHash, IgnoresKeyOrderIdsAndDates) {
    auto a = ManifestContentHash(Sample(R"({"b":1,"a":{"y":[1,{"q":2,"p":1}],"x":"s"}})"));
    Manifest other = Sample(R"({"a":{"x":"s","y":[1,{"p":1,"q":2}]},"b":1})");
    other.id = "manifest-002";
    other.created_by = "token:someone";
    auto b = ManifestContentHash(other);
    ASSERT_TRUE(a && b);
    EXPECT_TRUE(IsSha256Hex(*a));
    EXPECT_EQ(*a, *b);
}

TEST(ManifestContentHash, ChangesWithContent) {
    auto base = ManifestContentHash(Sample("{}"));
    Manifest bumped = Sample("{}");
    bumped.suites["commerce"] = "1.5.1";
    Manifest configured = Sample(R"({"a":1})");
    Manifest renamed = Sample("{}");
    renamed.platform_name = "other-platform";
    ASSERT_TRUE(base);
    EXPECT_NE(*base, *ManifestContentHash(bumped));
    EXPECT_NE(*base, *ManifestContentHash(configured));
    EXPECT_NE(*base, *ManifestContentHash(renamed));
    // Array order is content: it is kept.
    EXPECT_NE(*ManifestContentHash(Sample(R"({"l":[1,2]})")),
              *ManifestContentHash(Sample(R"({"l":[2,1]})")));
}

TEST(ManifestContentHash, RefusesANonObjectConfiguration) {
    EXPECT_FALSE(ManifestContentHash(Sample("[1]")));
    EXPECT_FALSE(ManifestContentHash(Sample("{not json")));
}

}  // namespace
}  // namespace waka::coordinator::domain
