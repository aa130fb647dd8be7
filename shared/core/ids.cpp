#include "shared/core/ids.hpp"

#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

namespace waka {

std::string NewId(std::string_view prefix) {
    // random_generator is seeded from the OS entropy source; one per thread avoids locking.
    thread_local boost::uuids::random_generator generator;
    return std::string(prefix) + "-" + boost::uuids::to_string(generator());
}

bool IsValidId(std::string_view id) {
    if (id.empty() || id.size() > 128) {
        return false;
    }
    auto alnum = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    };
    if (!alnum(id.front())) {
        return false;
    }
    for (char c : id) {
        if (!alnum(c) && c != '.' && c != '_' && c != '-') {
            return false;
        }
    }
    return true;
}

}  // namespace waka
