#include <gtest/gtest.h>
#include <sys/wait.h>

#include <boost/json.hpp>

#include "tests/e2e/deploy/e2e_fixture.hpp"

// GET /docs in a headless Chromium: the page loads /openapi.json from the coordinator itself and
// renders one entry per operation, with its method and path template.
namespace waka::test {
namespace {

TEST(DocsPageTest, HeadlessChromiumListsEveryOperation) {
    const std::string chromium_bin = WAKA_CHROMIUM_BIN;
    ASSERT_FALSE(chromium_bin.empty())
        << "chromium is not installed (scripts/test installs the Debian package chromium)";
    E2eWorld world;
    auto document = world.Api().Get("/openapi.json");
    ASSERT_EQ(document.status, 200u);
    const boost::json::object paths = boost::json::parse(document.body).at("paths").as_object();

    const auto dom = world.Dir() / "docs.html";
    Process chromium(
        chromium_bin,
        {"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--user-data-dir=" + (world.Dir() / "chromium").string(), "--virtual-time-budget=10000",
         "--dump-dom", "http://127.0.0.1:" + std::to_string(world.HttpPort()) + "/docs"},
        {{"HOME", world.Dir().string()}}, dom);
    auto status = chromium.Wait(std::chrono::seconds(90));
    ASSERT_TRUE(status.has_value()) << "chromium did not finish";
    const std::string html = ReadFile(dom);
    EXPECT_NE(html.find("data-loaded=\"true\""), std::string::npos) << html;

    std::size_t operations = 0;
    for (const auto& [path, item] : paths) {
        for (const auto& [method, operation] : item.as_object()) {
            std::string upper(method);
            for (char& c : upper) {
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            }
            const std::string entry =
                "data-method=\"" + upper + "\" data-path=\"" + std::string(path) + "\"";
            EXPECT_NE(html.find(entry), std::string::npos) << entry << " not rendered";
            ++operations;
        }
    }
    EXPECT_GT(operations, 20u);
    std::size_t rendered = 0;
    for (auto at = html.find("data-path=\""); at != std::string::npos;
         at = html.find("data-path=\"", at + 1)) {
        ++rendered;
    }
    EXPECT_EQ(rendered, operations);
}

}  // namespace
}  // namespace waka::test
