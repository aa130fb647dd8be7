#include "coordinator/api/problem.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace waka::coordinator::api {
namespace {

TEST(Problem, ErrcMapsToStatusInOnePlace) {
    struct Case {
        Errc errc;
        unsigned status;
    };
    for (auto [errc, status] :
         {Case{Errc::kInvalidArgument, 422}, Case{Errc::kNotFound, 404}, Case{Errc::kConflict, 409},
          Case{Errc::kUnauthenticated, 401}, Case{Errc::kPermissionDenied, 403},
          Case{Errc::kTooLarge, 413}, Case{Errc::kDatabase, 503}, Case{Errc::kInternal, 500}}) {
        EXPECT_EQ(FromError(MakeError(errc, "x")).status, status) << static_cast<int>(errc);
    }
}

TEST(Problem, ClientErrorsKeepTheSentenceServerErrorsHideIt) {
    EXPECT_EQ(FromError(MakeError(Errc::kNotFound, "Deployment not found")).detail,
              "Deployment not found");
    EXPECT_EQ(FromError(MakeError(Errc::kDatabase, "password=secret")).detail.find("secret"),
              std::string::npos);
}

TEST(Problem, RendersDetailCodeAndFieldErrors) {
    http::Response response = ToResponse(Invalid("version", "is not SemVer"));
    EXPECT_EQ(response.status, 422u);
    auto body = boost::json::parse(response.body).as_object();
    EXPECT_EQ(body.at("code").as_string(), "validation_failed");
    EXPECT_EQ(body.at("detail").as_string(), "version: is not SemVer");
    EXPECT_EQ(body.at("errors").as_array().at(0).as_object().at("field").as_string(), "version");
}

}  // namespace
}  // namespace waka::coordinator::api
