#include "coordinator/gateway/artifact_range.hpp"

#include <gtest/gtest.h>

namespace waka::coordinator::gateway {
namespace {

struct Case {
    const char* header;
    std::uint64_t size;
    RangeKind kind;
    std::uint64_t first;
    std::uint64_t last;
};

TEST(ParseByteRangeTest, Table) {
    const Case cases[] = {
        {"", 100, RangeKind::kNone, 0, 0},
        {"bytes=0-", 100, RangeKind::kSatisfiable, 0, 99},
        {"bytes=40-", 100, RangeKind::kSatisfiable, 40, 99},
        {"bytes=10-19", 100, RangeKind::kSatisfiable, 10, 19},
        {"bytes=90-500", 100, RangeKind::kSatisfiable, 90, 99},
        {"bytes=-10", 100, RangeKind::kSatisfiable, 90, 99},
        {"bytes=-500", 100, RangeKind::kSatisfiable, 0, 99},
        {"bytes=100-", 100, RangeKind::kUnsatisfiable, 0, 0},
        {"bytes=150-160", 100, RangeKind::kUnsatisfiable, 0, 0},
        {"bytes=-0", 100, RangeKind::kUnsatisfiable, 0, 0},
        {"bytes=0-", 0, RangeKind::kUnsatisfiable, 0, 0},
        {"bytes=20-10", 100, RangeKind::kNone, 0, 0},
        {"bytes=0-1,5-6", 100, RangeKind::kNone, 0, 0},
        {"items=0-1", 100, RangeKind::kNone, 0, 0},
        {"bytes=x-", 100, RangeKind::kNone, 0, 0},
        {"bytes=5", 100, RangeKind::kNone, 0, 0},
    };
    for (const auto& c : cases) {
        const ByteRange r = ParseByteRange(c.header, c.size);
        EXPECT_EQ(r.kind, c.kind) << c.header;
        if (c.kind == RangeKind::kSatisfiable) {
            EXPECT_EQ(r.first, c.first) << c.header;
            EXPECT_EQ(r.last, c.last) << c.header;
        }
    }
}

}  // namespace
}  // namespace waka::coordinator::gateway
