#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/core/file.hpp>
#include <cstdint>

// The one file reader for byte-range answers of both listeners (the REST API and the agent
// gateway): basic_file_body in Beast 1.81 always sends a whole file from its current position, so
// ranges need a File that reports a smaller size.
namespace waka::coordinator::http {

// A beast File (is_file) reading [offset, offset + length) of a file: open() it, then Restrict()
// it. Read-only: write() fails. Not thread-safe (one per response).
class RangeFile {
public:
    [[nodiscard]] bool is_open() const { return file_.is_open(); }
    void close(boost::beast::error_code& ec) { file_.close(ec); }
    // Opens the whole file; size() is its size until Restrict().
    void open(char const* path, boost::beast::file_mode mode, boost::beast::error_code& ec);
    // Limits reads to [offset, offset + length); invalid_argument when that is not inside the file.
    void Restrict(std::uint64_t offset, std::uint64_t length, boost::beast::error_code& ec);
    std::uint64_t size(boost::beast::error_code& ec) const;
    std::uint64_t pos(boost::beast::error_code& ec) const;
    void seek(std::uint64_t offset, boost::beast::error_code& ec);
    std::size_t read(void* buffer, std::size_t n, boost::beast::error_code& ec);
    std::size_t write(void const* buffer, std::size_t n, boost::beast::error_code& ec);

private:
    boost::beast::file file_;
    std::uint64_t base_ = 0;
    std::uint64_t length_ = 0;
    std::uint64_t consumed_ = 0;
};

}  // namespace waka::coordinator::http
