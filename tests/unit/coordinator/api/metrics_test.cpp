#include "coordinator/api/metrics.hpp"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <pqxx/pqxx>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "coordinator/api/api.hpp"
#include "coordinator/app/core.hpp"
#include "coordinator/db/database.hpp"
#include "tests/support/fakes/fake_agent_channel.hpp"
#include "tests/support/pg/migrated_database.hpp"

// GET /metrics: read by a strict parser of the Prometheus text format 0.0.4, and its numbers
// follow the requests and deployments that happen.
namespace waka::coordinator::api {
namespace {

// One parsed exposition: series "name{k="v",...}" as written -> value, and each family's type.
struct Exposition {
    std::map<std::string, double> samples;
    std::map<std::string, std::string> types;

    double Value(const std::string& series) const {
        auto found = samples.find(series);
        return found == samples.end() ? -1 : found->second;
    }
};

bool IsName(const std::string& name) {
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) != 0) {
        return false;
    }
    for (char c : name) {
        if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_' && c != ':') {
            return false;
        }
    }
    return true;
}

// The family a sample belongs to: histogram samples carry a _bucket/_sum/_count suffix.
std::string FamilyOf(const std::string& name, const std::map<std::string, std::string>& types) {
    for (std::string suffix : {"_bucket", "_sum", "_count"}) {
        if (name.size() > suffix.size() && name.ends_with(suffix)) {
            auto found = types.find(name.substr(0, name.size() - suffix.size()));
            if (found != types.end() && found->second == "histogram") {
                return found->first;
            }
        }
    }
    return name;
}

// Parses `{k="v",...}` at text[pos]; answers false on any deviation from the format.
bool ParseLabels(const std::string& text, std::size_t& pos, std::set<std::string>& names) {
    ++pos;  // '{'
    while (pos < text.size() && text[pos] != '}') {
        const std::size_t eq = text.find('=', pos);
        if (eq == std::string::npos || !IsName(text.substr(pos, eq - pos)) ||
            !names.insert(text.substr(pos, eq - pos)).second || eq + 1 >= text.size() ||
            text[eq + 1] != '"') {
            return false;
        }
        pos = eq + 2;
        for (; pos < text.size() && text[pos] != '"'; ++pos) {
            if (text[pos] == '\\') {
                if (pos + 1 >= text.size() ||
                    std::string("\\\"n").find(text[pos + 1]) == std::string::npos) {
                    return false;
                }
                ++pos;
            } else if (text[pos] == '\n') {
                return false;
            }
        }
        if (pos >= text.size()) {
            return false;
        }
        ++pos;  // closing quote
        if (pos < text.size() && text[pos] == ',') {
            ++pos;
        }
    }
    if (pos >= text.size()) {
        return false;
    }
    ++pos;  // '}'
    return true;
}

// Strict: every line is a HELP, a TYPE or a sample; one TYPE per family, before its samples;
// names, labels and values well formed; no series twice; histogram buckets cumulative and ending
// with le="+Inf" equal to _count. Adds a test failure naming the line for each violation.
void ParseInto(const std::string& text, Exposition& out) {
    EXPECT_TRUE(!text.empty() && text.back() == '\n') << "the exposition must end with a newline";
    std::istringstream lines(text);
    std::string line;
    int number = 0;
    std::set<std::string> seen_families;
    while (std::getline(lines, line)) {
        ++number;
        const std::string where = "line " + std::to_string(number) + ": " + line;
        if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
            const std::string rest = line.substr(7);
            const std::size_t space = rest.find(' ');
            ASSERT_NE(space, std::string::npos) << where;
            const std::string name = rest.substr(0, space);
            EXPECT_TRUE(IsName(name)) << where;
            if (line.starts_with("# TYPE ")) {
                static const std::set<std::string> kTypes = {"counter", "gauge", "histogram",
                                                             "summary", "untyped"};
                EXPECT_TRUE(kTypes.contains(rest.substr(space + 1))) << where;
                EXPECT_FALSE(out.types.contains(name)) << "second TYPE: " << where;
                EXPECT_FALSE(seen_families.contains(name)) << "TYPE after samples: " << where;
                out.types[name] = rest.substr(space + 1);
            }
            continue;
        }
        ASSERT_FALSE(line.empty() || line[0] == '#' || line[0] == ' ') << where;
        std::size_t pos = 0;
        while (pos < line.size() && line[pos] != '{' && line[pos] != ' ') {
            ++pos;
        }
        const std::string name = line.substr(0, pos);
        ASSERT_TRUE(IsName(name)) << where;
        std::set<std::string> label_names;
        if (pos < line.size() && line[pos] == '{') {
            ASSERT_TRUE(ParseLabels(line, pos, label_names)) << where;
        }
        ASSERT_TRUE(pos < line.size() && line[pos] == ' ') << where;
        const std::string value = line.substr(pos + 1);
        char* end = nullptr;
        const double number_value = std::strtod(value.c_str(), &end);
        ASSERT_TRUE(!value.empty() && end == value.c_str() + value.size()) << where;
        const std::string family = FamilyOf(name, out.types);
        EXPECT_TRUE(out.types.contains(family)) << "no TYPE before: " << where;
        seen_families.insert(family);
        if (name.ends_with("_bucket") && family != name) {
            EXPECT_TRUE(label_names.contains("le")) << where;
        }
        EXPECT_TRUE(out.samples.emplace(line.substr(0, pos), number_value).second)
            << "series twice: " << where;
    }
    // Histograms: buckets never decrease and +Inf equals _count.
    for (const auto& [series, value] : out.samples) {
        const std::size_t le = series.find(",le=\"+Inf\"}");
        if (le == std::string::npos) {
            continue;
        }
        const std::string base = series.substr(0, series.find("_bucket{"));
        const std::string labels = series.substr(series.find('{'), le - series.find('{')) + "}";
        EXPECT_EQ(out.Value(base + "_count" + labels), value) << series;
        for (const auto& [other, count] : out.samples) {
            if (other.starts_with(base + "_bucket" + labels.substr(0, labels.size() - 1) +
                                  ",le=")) {
                EXPECT_LE(count, value) << other;
            }
        }
    }
}

Exposition Parse(const std::string& text) {
    Exposition out;
    ParseInto(text, out);
    return out;
}

TEST(MetricsParserTest, RefusesMalformedExpositions) {
    for (const std::string bad :
         {"x 1", "# TYPE x counter\nx{a=\"1\"} one\n", "# TYPE x counter\nx{a=1} 1\n",
          "# TYPE x counter\nx 1\nx 2\n", "# TYPE x counter\nx{a=\"1\",a=\"2\"} 1\n",
          "# TYPE x nonsense\nx 1\n", "y 1\n", "# TYPE x counter\nx{a=\"\\q\"} 1\n"}) {
        ::testing::TestPartResultArray failures;
        {
            ::testing::ScopedFakeTestPartResultReporter reporter(
                ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD,
                &failures);
            Parse(bad);
        }
        EXPECT_GT(failures.size(), 0) << "accepted: " << bad;
    }
}

TEST(HttpMetricsTest, CountsAndBucketsByRouteTemplate) {
    HttpMetrics metrics;
    metrics.Observe("GET", "/api/v1/deployments/{id}", 200, 0.003);
    metrics.Observe("GET", "/api/v1/deployments/{id}", 200, 0.2);
    metrics.Observe("GET", "/api/v1/deployments/{id}", 404, 20);
    metrics.Observe("GET", "a\"b\\c\nd", 200, 0.001);
    const std::string text = metrics.Render();
    const Exposition parsed = Parse(text);
    const std::string labels = "method=\"GET\",route=\"/api/v1/deployments/{id}\"";
    EXPECT_EQ(parsed.Value("waka_http_requests_total{" + labels + ",status=\"200\"}"), 2);
    EXPECT_EQ(parsed.Value("waka_http_requests_total{" + labels + ",status=\"404\"}"), 1);
    EXPECT_EQ(
        parsed.Value("waka_http_request_duration_seconds_bucket{" + labels + ",le=\"0.005\"}"), 1);
    EXPECT_EQ(parsed.Value("waka_http_request_duration_seconds_bucket{" + labels + ",le=\"0.25\"}"),
              2);
    EXPECT_EQ(parsed.Value("waka_http_request_duration_seconds_bucket{" + labels + ",le=\"10\"}"),
              2);
    EXPECT_EQ(parsed.Value("waka_http_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"}"),
              3);
    EXPECT_DOUBLE_EQ(parsed.Value("waka_http_request_duration_seconds_sum{" + labels + "}"),
                     20.203);
    EXPECT_EQ(
        parsed.Value(
            "waka_http_requests_total{method=\"GET\",route=\"a\\\"b\\\\c\\nd\",status=\"200\"}"),
        1);
}

constexpr const char* kScrapeSecret = "scrape-secret-for-tests-0123456789";

class MetricsScrapeTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ =
            std::filesystem::temp_directory_path() / ("waka-metrics-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
        database_ = test::OpenMigratedDatabase(2);
        core_ = std::make_unique<app::CoordinatorCore>(*database_, clock_, dir_ / "artifacts",
                                                       channel_, io_.get_executor());
        context_ = std::make_unique<ApiContext>(core_->ApiContext("9.9.9"));
        context_->is_connected = nullptr;  // the stored connection state answers
        context_->connected_agents = [this] { return connected_; };
        context_->metrics_cache_seconds = 0;  // every scrape reads the database
        auto scraper = test::RunSync(core_->Repositories().tokens.EnsureBootstrapToken(
            "prometheus", kScrapeSecret, domain::Role::kViewer));
        ASSERT_TRUE(scraper) << scraper.error().message;
        handler_ = MakeApiHandler(*context_);
    }
    void TearDown() override {
        handler_ = nullptr;
        context_.reset();
        core_.reset();
        database_.reset();
        std::filesystem::remove_all(dir_);
    }

    http::Response Get(const std::string& path, const std::string& token = "") {
        http::Request request;
        request.method = "GET";
        request.target = path;
        request.path = path;
        if (!token.empty()) {
            request.headers.emplace_back("authorization", "Bearer " + token);
        }
        return test::RunSync(handler_(request));
    }

    Exposition Scrape() {
        http::Response response = Get("/metrics", kScrapeSecret);
        EXPECT_EQ(response.status, 200u) << response.body;
        EXPECT_EQ(response.content_type, "text/plain; version=0.0.4; charset=utf-8");
        return Parse(response.body);
    }

    void Sql(const std::string& statement) {
        auto done = database_->WithConnection([&](pqxx::connection& c) -> Expected<void> {
            pqxx::work tx(c);
            tx.exec(statement);
            tx.commit();
            return {};
        });
        ASSERT_TRUE(done) << done.error().message;
    }

    std::filesystem::path dir_;
    SystemClock clock_;
    std::unique_ptr<db::Database> database_;
    boost::asio::io_context io_;  // background work is never run here
    fakes::FakeAgentChannel channel_;
    std::unique_ptr<app::CoordinatorCore> core_;
    std::unique_ptr<ApiContext> context_;
    http::Handler handler_;
    std::size_t connected_ = 0;
};

TEST_F(MetricsScrapeTest, NeedsAToken) {
    EXPECT_EQ(Get("/metrics").status, 401u);
    EXPECT_EQ(Get("/metrics", "waka_not-a-real-token").status, 401u);
    EXPECT_EQ(Get("/metrics", kScrapeSecret).status, 200u);
}

TEST_F(MetricsScrapeTest, RequestsAgentsDeploymentsAndPoolAreReported) {
    Exposition before = Scrape();
    EXPECT_EQ(before.Value("waka_build_info{version=\"9.9.9\"}"), 1);
    EXPECT_EQ(before.Value("waka_agents_connected"), 0);
    EXPECT_EQ(before.Value("waka_deployments{status=\"queued\"}"), 0);
    EXPECT_EQ(before.Value("waka_deployment_outcomes_total{outcome=\"deployed\"}"), 0);
    EXPECT_EQ(before.Value("waka_db_pool_connections"), 2);
    EXPECT_GE(before.Value("waka_db_pool_in_use"), 0);
    EXPECT_EQ(before.types.at("waka_http_requests_total"), "counter");
    EXPECT_EQ(before.types.at("waka_http_request_duration_seconds"), "histogram");

    EXPECT_EQ(Get("/health").status, 200u);
    EXPECT_EQ(Get("/health").status, 200u);
    EXPECT_EQ(Get("/api/v1/deployments/deploy-1").status, 401u);
    EXPECT_EQ(Get("/no/such/path").status, 404u);
    connected_ = 3;
    Sql("INSERT INTO instances (id, created_at) VALUES ('i-1', now())");
    Sql("INSERT INTO manifests (id, platform_version, content_hash, created_by, created_at) "
        "VALUES ('m-1', '1.0.0', 'h', 'test', now())");
    for (const char* row : {"('d-1', 'queued', 'deploy')", "('d-2', 'deployed', 'deploy')",
                            "('d-3', 'deployed', 'rollback')", "('d-4', 'failed', 'deploy')"}) {
        Sql(std::string("INSERT INTO deployments (id, status, kind, instance_id, manifest_id, "
                        "requested_by, created_at, updated_at) SELECT v.id, v.status, v.kind, "
                        "'i-1', 'm-1', 'test', now(), now() FROM (VALUES ") +
            row + ") AS v(id, status, kind)");
    }

    Exposition after = Scrape();
    EXPECT_EQ(
        after.Value("waka_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"}"),
        2);
    EXPECT_EQ(after.Value("waka_http_requests_total{method=\"GET\",route=\"/api/v1/deployments/"
                          "{id}\",status=\"401\"}"),
              1);
    EXPECT_EQ(after.Value(
                  "waka_http_requests_total{method=\"other\",route=\"unmatched\",status=\"404\"}"),
              1);
    EXPECT_EQ(
        after.Value("waka_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"200\"}"),
        1);
    EXPECT_EQ(
        after.Value("waka_http_request_duration_seconds_count{method=\"GET\",route=\"/health\"}"),
        2);
    EXPECT_EQ(after.Value("waka_agents_connected"), 3);
    EXPECT_EQ(after.Value("waka_deployments{status=\"queued\"}"), 1);
    EXPECT_EQ(after.Value("waka_deployments{status=\"deployed\"}"), 2);
    EXPECT_EQ(after.Value("waka_deployment_outcomes_total{outcome=\"deployed\"}"), 2);
    EXPECT_EQ(after.Value("waka_deployment_outcomes_total{outcome=\"failed\"}"), 1);
    EXPECT_EQ(after.Value("waka_deployment_outcomes_total{outcome=\"rolled_back\"}"), 0);
    EXPECT_EQ(after.Value("waka_rollback_outcomes_total{outcome=\"deployed\"}"), 1);
    EXPECT_EQ(after.Value("waka_rollback_outcomes_total{outcome=\"failed\"}"), 0);
    EXPECT_EQ(after.types.at("waka_policy_decisions_total"), "counter");
    EXPECT_EQ(after.Value("waka_policy_decisions_total{kind=\"rollback\",verdict=\"allow_now\"}"),
              0);
    EXPECT_EQ(after.Value("waka_patches_noncompliant{severity=\"critical\"}"), 0);
    EXPECT_EQ(after.types.at("waka_patch_instances"), "gauge");
}

}  // namespace
}  // namespace waka::coordinator::api
