#include "shared/core/error.hpp"

#include <stdexcept>

namespace waka {
namespace {

class WakaErrorCategory final : public std::error_category {
public:
    const char* name() const noexcept override { return "waka"; }
    std::string message(int value) const override {
        switch (static_cast<Errc>(value)) {
            case Errc::kOk:
                return "ok";
            case Errc::kInvalidArgument:
                return "invalid argument";
            case Errc::kNotFound:
                return "not found";
            case Errc::kConflict:
                return "conflict";
            case Errc::kUnauthenticated:
                return "unauthenticated";
            case Errc::kPermissionDenied:
                return "permission denied";
            case Errc::kTooLarge:
                return "too large";
            case Errc::kIo:
                return "i/o error";
            case Errc::kDatabase:
                return "database error";
            case Errc::kNetwork:
                return "network error";
            case Errc::kProtocol:
                return "protocol error";
            case Errc::kTimeout:
                return "timeout";
            case Errc::kUnsafe:
                return "refused as unsafe";
            case Errc::kBusy:
                return "busy";
            case Errc::kTooComplex:
                return "too complex";
            case Errc::kInternal:
                return "internal error";
        }
        return "unknown error";
    }
};

}  // namespace

const std::error_category& WakaCategory() noexcept {
    static const WakaErrorCategory category;
    return category;
}

std::error_code make_error_code(Errc e) noexcept { return {static_cast<int>(e), WakaCategory()}; }

Error Error::WithContext(std::string_view context) const {
    return Error{code, std::string(context) + ": " + message};
}

Error MakeError(Errc code, std::string message) {
    return Error{make_error_code(code), std::move(message)};
}

void throw_exception_from_error(const Error& e, const boost::source_location&) {
    throw std::runtime_error(e.message);
}

}  // namespace waka
