#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "coordinator/api/api.hpp"
#include "coordinator/api/routes.hpp"
#include "coordinator/app/core.hpp"
#include "coordinator/db/database.hpp"
#include "tests/support/fakes/fake_agent_channel.hpp"
#include "tests/support/pg/migrated_database.hpp"

// The OpenAPI document (coordinator/api/openapi/openapi.json) and the routes MakeApiHandler
// registers must name the same {method, path template} pairs, both ways. The routing table is
// built over a real database because the stores the handlers capture need one to exist.
namespace waka::coordinator::api {
namespace {

using RouteSet = std::set<std::pair<std::string, std::string>>;

const char* kMethods[] = {"get", "put", "post", "patch", "delete", "head", "options"};

std::string Upper(std::string text) {
    for (char& c : text) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return text;
}

class OpenApiTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ =
            std::filesystem::temp_directory_path() / ("waka-openapi-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
        database_ = test::OpenMigratedDatabase(1);
        core_ = std::make_unique<app::CoordinatorCore>(*database_, clock_, dir_ / "artifacts",
                                                       channel_, io_.get_executor());
        context_ = std::make_unique<ApiContext>(core_->ApiContext("test"));
        context_->is_connected = nullptr;  // the stored connection state answers
    }
    void TearDown() override {
        context_.reset();
        core_.reset();
        database_.reset();
        std::filesystem::remove_all(dir_);
    }

    http::Response Get(const http::Handler& handler, const std::string& path) {
        http::Request request;
        request.method = "GET";
        request.target = path;
        request.path = path;
        return test::RunSync(handler(request));
    }

    static boost::json::object Document() {
        return boost::json::parse(OpenApiDocument()).as_object();
    }

    static RouteSet DocumentedRoutes() {
        RouteSet routes;
        const boost::json::object document = Document();
        for (const auto& [path, item] : document.at("paths").as_object()) {
            for (const char* method : kMethods) {
                if (item.as_object().contains(method)) {
                    routes.emplace(Upper(method), std::string(path));
                }
            }
        }
        return routes;
    }

    std::filesystem::path dir_;
    SystemClock clock_;
    std::unique_ptr<db::Database> database_;
    boost::asio::io_context io_;  // background work is never run here
    fakes::FakeAgentChannel channel_;
    std::unique_ptr<app::CoordinatorCore> core_;
    std::unique_ptr<ApiContext> context_;
};

TEST_F(OpenApiTest, EveryRegisteredRouteIsDocumented) {
    const RouteSet documented = DocumentedRoutes();
    const auto registered = ListRoutes(*context_);
    ASSERT_FALSE(registered.empty());
    for (const auto& route : registered) {
        EXPECT_TRUE(documented.contains(route))
            << route.first << " " << route.second
            << " is served but missing from coordinator/api/openapi/openapi.json";
    }
}

TEST_F(OpenApiTest, EveryDocumentedRouteIsRegistered) {
    const auto list = ListRoutes(*context_);
    const RouteSet registered(list.begin(), list.end());
    EXPECT_EQ(registered.size(), list.size()) << "a route is registered twice";
    for (const auto& route : DocumentedRoutes()) {
        EXPECT_TRUE(registered.contains(route))
            << route.first << " " << route.second << " is documented but not served";
    }
}

TEST_F(OpenApiTest, EveryOperationHasSummaryResponsesAndResolvableSchemas) {
    const boost::json::object document = Document();
    EXPECT_TRUE(std::string(document.at("openapi").as_string()).starts_with("3."));
    const auto& schemas = document.at("components").as_object().at("schemas").as_object();
    // Every "$ref" anywhere names a schema that exists.
    std::function<void(const boost::json::value&)> check_refs = [&](const boost::json::value& v) {
        if (v.is_object()) {
            for (const auto& [key, child] : v.as_object()) {
                if (key == "$ref") {
                    std::string ref(child.as_string());
                    const std::string prefix = "#/components/schemas/";
                    ASSERT_TRUE(ref.starts_with(prefix)) << ref;
                    EXPECT_TRUE(schemas.contains(ref.substr(prefix.size()))) << ref;
                } else {
                    check_refs(child);
                }
            }
        } else if (v.is_array()) {
            for (const auto& child : v.as_array()) {
                check_refs(child);
            }
        }
    };
    check_refs(document);
    for (const auto& [path, item] : document.at("paths").as_object()) {
        for (const auto& [method, operation] : item.as_object()) {
            const auto& op = operation.as_object();
            EXPECT_TRUE(op.contains("summary")) << method << " " << path;
            ASSERT_TRUE(op.contains("responses")) << method << " " << path;
            EXPECT_FALSE(op.at("responses").as_object().empty()) << method << " " << path;
            // Every {param} of the template is declared as a path parameter.
            std::string rest(path);
            for (auto open = rest.find('{'); open != std::string::npos; open = rest.find('{')) {
                auto close = rest.find('}', open);
                const std::string name = rest.substr(open + 1, close - open - 1);
                rest.erase(0, close + 1);
                bool declared = false;
                if (op.contains("parameters")) {
                    for (const auto& p : op.at("parameters").as_array()) {
                        declared =
                            declared || (p.at("name") == name.c_str() && p.at("in") == "path");
                    }
                }
                EXPECT_TRUE(declared) << method << " " << path << ": {" << name << "}";
            }
        }
    }
}

TEST_F(OpenApiTest, DocumentAndDocsPageAreServedOpen) {
    const http::Handler handler = MakeApiHandler(*context_);
    http::Response document = Get(handler, "/openapi.json");
    EXPECT_EQ(document.status, 200u);
    EXPECT_EQ(document.content_type, "application/json");
    EXPECT_EQ(document.body, OpenApiDocument());
    EXPECT_TRUE(boost::json::parse(document.body).is_object());

    http::Response docs = Get(handler, "/docs");
    EXPECT_EQ(docs.status, 200u);
    EXPECT_TRUE(docs.content_type.starts_with("text/html")) << docs.content_type;
    EXPECT_NE(docs.body.find("fetch(\"/openapi.json\")"), std::string::npos);
    // Self-contained: no script, style or font from elsewhere.
    EXPECT_EQ(docs.body.find("http://"), std::string::npos);
    EXPECT_EQ(docs.body.find("https://"), std::string::npos);
    EXPECT_EQ(docs.body.find("src="), std::string::npos);
}

}  // namespace
}  // namespace waka::coordinator::api
