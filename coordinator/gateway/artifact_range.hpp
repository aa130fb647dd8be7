#pragma once

#include <boost/beast/core/file.hpp>
#include <cstdint>
#include <string_view>

// Byte ranges for resumable artifact downloads (RFC 9110 §14): parsing a single-range Range header
// and a Beast File that exposes only a window of an open file, so that http::basic_file_body can
// send a 206 body.
namespace waka::coordinator::gateway {

enum class RangeKind {
    kNone,            // no usable Range header: send the whole file (200)
    kSatisfiable,     // send [first, last] (206)
    kUnsatisfiable,   // 416 with "Content-Range: bytes */size"
};

struct ByteRange {
    RangeKind kind = RangeKind::kNone;
    std::uint64_t first = 0;
    std::uint64_t last = 0;  // inclusive
};

// Understands "bytes=N-", "bytes=N-M" and "bytes=-K". Malformed, multi-range or other units are
// ignored (kNone), as RFC 9110 allows; a start at or beyond the end is unsatisfiable.
[[nodiscard]] ByteRange ParseByteRange(std::string_view header, std::uint64_t size);

// A beast File (is_file) reading [offset, offset + length) of an already open file. Read-only;
// open() and write() fail. Not thread-safe (one per response).
class RangeFile {
public:
    RangeFile() = default;
    // Seeks file to offset; ec reports a failed seek.
    RangeFile(boost::beast::file file, std::uint64_t offset, std::uint64_t length,
              boost::beast::error_code& ec);

    [[nodiscard]] bool is_open() const { return file_.is_open(); }
    void close(boost::beast::error_code& ec) { file_.close(ec); }
    void open(char const* path, boost::beast::file_mode mode, boost::beast::error_code& ec);
    std::uint64_t size(boost::beast::error_code& ec) const;
    std::uint64_t pos(boost::beast::error_code& ec) const;
    void seek(std::uint64_t offset, boost::beast::error_code& ec);
    std::size_t read(void* buffer, std::size_t n, boost::beast::error_code& ec);
    std::size_t write(void const* buffer, std::size_t n, boost::beast::error_code& ec);

private:
    boost::beast::file file_;
    std::uint64_t offset_ = 0;
    std::uint64_t length_ = 0;
    std::uint64_t done_ = 0;
};

}  // namespace waka::coordinator::gateway
