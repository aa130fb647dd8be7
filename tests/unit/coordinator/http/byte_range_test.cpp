#include "coordinator/http/byte_range.hpp"

#include <gtest/gtest.h>

namespace waka::coordinator::http {
namespace {

struct Case {
    const char* header;
    std::uint64_t size;
    RangeKind kind;
    std::uint64_t first;
    std::uint64_t last;
};

// The one Range rule of both listeners (ADR 0016): satisfiable single ranges are served, ranges
// outside the file are 416, anything else is ignored (the whole file).
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
        // The REST API's cases (tests/unit/coordinator/api/requests_test.cpp, versions_artifacts).
        {"bytes=0-9", 100, RangeKind::kSatisfiable, 0, 9},
        {"bytes=90-", 100, RangeKind::kSatisfiable, 90, 99},
        {"bytes=-30", 100, RangeKind::kSatisfiable, 70, 99},
        {"bytes=50-500", 100, RangeKind::kSatisfiable, 50, 99},
        {"bytes=2-5", 36, RangeKind::kSatisfiable, 2, 5},
        {"bytes=-3", 36, RangeKind::kSatisfiable, 33, 35},
        {"bytes=30-", 36, RangeKind::kSatisfiable, 30, 35},
        {"bytes=100-", 36, RangeKind::kUnsatisfiable, 0, 0},
        {"bytes=5-2", 100, RangeKind::kNone, 0, 0},
        // The agent's resume request, and suffixes of an empty file.
        {"bytes=100000-", 300000, RangeKind::kSatisfiable, 100000, 299999},
        {"bytes=300000-", 300000, RangeKind::kUnsatisfiable, 0, 0},
        {"bytes=-5", 0, RangeKind::kUnsatisfiable, 0, 0},
        {"bytes=-", 100, RangeKind::kNone, 0, 0},
        {" bytes=10-19 ", 100, RangeKind::kSatisfiable, 10, 19},
    };
    for (const auto& c : cases) {
        const ByteRange r = ParseByteRange(c.header, c.size);
        EXPECT_EQ(r.kind, c.kind) << c.header;
        if (c.kind == RangeKind::kSatisfiable) {
            EXPECT_EQ(r.first, c.first) << c.header;
            EXPECT_EQ(r.last, c.last) << c.header;
            EXPECT_EQ(r.Length(), c.last - c.first + 1) << c.header;
        }
    }
}

TEST(ParseByteRangeTest, ContentRangeHeaders) {
    EXPECT_EQ(ContentRange(ParseByteRange("bytes=2-5", 36), 36), "bytes 2-5/36");
    EXPECT_EQ(ContentRange(ParseByteRange("bytes=-3", 36), 36), "bytes 33-35/36");
    EXPECT_EQ(UnsatisfiedContentRange(36), "bytes */36");
}

}  // namespace
}  // namespace waka::coordinator::http
