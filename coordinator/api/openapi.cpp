#include <span>
#include <string>
#include <string_view>

#include "coordinator/api/routes.hpp"

// GET /openapi.json and GET /docs: both open, both served from text embedded at build time
// (coordinator/api/openapi/openapi.json and docs.html, see embed_assets.cmake).
namespace waka::coordinator::api {

std::span<const std::string_view> EmbeddedAssetChunks(std::string_view name);  // generated

namespace {

std::string Asset(std::string_view name) {
    std::string text;
    for (std::string_view chunk : EmbeddedAssetChunks(name)) {
        text += chunk;
    }
    return text;
}

http::Response Text(std::string content_type, const std::string& body) {
    http::Response response;
    response.status = 200;
    response.content_type = std::move(content_type);
    response.body = body;
    response.headers.emplace_back("Cache-Control", "no-cache");
    return response;
}

const std::string& DocsPage() {
    static const std::string page = Asset("docs_html");
    return page;
}

}  // namespace

const std::string& OpenApiDocument() {
    static const std::string document = Asset("openapi_json");
    return document;
}

void AddOpenApiRoutes(Router& router, Services&) {
    router.Add(
        {"GET", "/openapi.json", std::nullopt, [](Call&) -> boost::asio::awaitable<http::Response> {
             co_return Text("application/json", OpenApiDocument());
         }});
    router.Add({"GET", "/docs", std::nullopt, [](Call&) -> boost::asio::awaitable<http::Response> {
                    co_return Text("text/html; charset=utf-8", DocsPage());
                }});
}

}  // namespace waka::coordinator::api
