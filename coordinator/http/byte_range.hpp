#pragma once

#include <cstdint>
#include <string>
#include <string_view>

// The one Range rule of the coordinator (RFC 9110 §14, ADR 0016), used by the REST API's artifact
// download and by the agent gateway's. Pure functions, thread-safe, free of Beast.
namespace waka::coordinator::http {

enum class RangeKind {
    kNone,           // no usable Range: send the whole file (200)
    kSatisfiable,    // send [first, last] (206)
    kUnsatisfiable,  // 416 with "Content-Range: bytes */size"
};

struct ByteRange {
    RangeKind kind = RangeKind::kNone;
    std::uint64_t first = 0;
    std::uint64_t last = 0;  // inclusive

    // Bytes in [first, last]; only meaningful when kind is kSatisfiable.
    [[nodiscard]] std::uint64_t Length() const { return last - first + 1; }
};

// Understands one range of "bytes=N-", "bytes=N-M" (M clipped to the end of the file) and
// "bytes=-K" (the last K bytes) of a file of `size` bytes. A start at or beyond the end, "bytes=-0"
// and any range of an empty file are unsatisfiable. Everything else is ignored (kNone), as RFC 9110
// allows: malformed values, M < N, several ranges, other units.
[[nodiscard]] ByteRange ParseByteRange(std::string_view header, std::uint64_t size);

// "bytes <first>-<last>/<size>" for a 206 answer.
[[nodiscard]] std::string ContentRange(const ByteRange& range, std::uint64_t size);
// "bytes */<size>" for a 416 answer.
[[nodiscard]] std::string UnsatisfiedContentRange(std::uint64_t size);

}  // namespace waka::coordinator::http
