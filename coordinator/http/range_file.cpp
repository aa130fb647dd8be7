#include "coordinator/http/range_file.hpp"

#include <algorithm>

namespace waka::coordinator::http {

namespace beast = boost::beast;

void RangeFile::open(char const* path, beast::file_mode mode, beast::error_code& ec) {
    file_.open(path, mode, ec);
    base_ = 0;
    consumed_ = 0;
    length_ = ec ? 0 : file_.size(ec);
}

void RangeFile::Restrict(std::uint64_t offset, std::uint64_t length, beast::error_code& ec) {
    const std::uint64_t file_size = file_.size(ec);
    if (ec) {
        return;
    }
    if (offset > file_size || length > file_size - offset) {
        ec = make_error_code(boost::system::errc::invalid_argument);
        return;
    }
    base_ = offset;
    length_ = length;
    seek(0, ec);
}

std::uint64_t RangeFile::size(beast::error_code& ec) const {
    ec = {};
    return length_;
}

std::uint64_t RangeFile::pos(beast::error_code& ec) const {
    ec = {};
    return consumed_;
}

void RangeFile::seek(std::uint64_t offset, beast::error_code& ec) {
    file_.seek(base_ + offset, ec);
    consumed_ = ec ? consumed_ : offset;
}

std::size_t RangeFile::read(void* buffer, std::size_t n, beast::error_code& ec) {
    ec = {};
    const std::uint64_t left = length_ - consumed_;
    const std::size_t wanted = static_cast<std::size_t>(std::min<std::uint64_t>(n, left));
    const std::size_t got = wanted == 0 ? 0 : file_.read(buffer, wanted, ec);
    consumed_ += got;
    return got;
}

std::size_t RangeFile::write(void const*, std::size_t, beast::error_code& ec) {
    ec = make_error_code(boost::system::errc::operation_not_supported);
    return 0;
}

}  // namespace waka::coordinator::http
