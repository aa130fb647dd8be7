#include "ctl/client.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "ctl/input.hpp"
#include "ctl/output.hpp"
#include "shared/core/crypto.hpp"

// wakactl's errors are values whose message is the line it prints; these pin the lines the
// integration and end-to-end tests (and scripts) read.
namespace waka::ctl {
namespace {

Answer Status(unsigned status, std::string body) {
    Answer answer;
    answer.status = status;
    answer.body = std::move(body);
    return answer;
}

TEST(CheckTest, TransportFailureIsTheErrorPrefixed) {
    Answer answer;
    answer.error = "cannot connect to 127.0.0.1:1: Connection refused";
    auto checked = Check(answer);
    ASSERT_FALSE(checked);
    EXPECT_EQ(checked.error().message,
              "wakactl: cannot connect to 127.0.0.1:1: Connection refused");
    EXPECT_TRUE(checked.error().Is(Errc::kNetwork));
}

TEST(CheckTest, ErrorStatusCarriesTheServersDetailAndFieldErrors) {
    auto missing = Check(Status(404, R"({"detail":"Deployment not found"})"));
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().message, "error 404: Deployment not found");
    EXPECT_TRUE(missing.error().Is(Errc::kNotFound));

    auto invalid = Check(Status(
        422, R"({"detail":"Invalid policy","errors":[{"field":"policy_type","message":"unknown"},)"
             R"({"field":"approval.timeout_hours","message":"too long"},"junk"]})"));
    ASSERT_FALSE(invalid);
    EXPECT_EQ(
        invalid.error().message,
        "error 422: Invalid policy\n  policy_type: unknown\n  approval.timeout_hours: too long");

    auto structured = Check(Status(409, R"({"detail":{"why":"busy"}})"));
    ASSERT_FALSE(structured);
    EXPECT_EQ(structured.error().message, R"(error 409: {"why":"busy"})");
    EXPECT_TRUE(structured.error().Is(Errc::kConflict));
}

TEST(CheckTest, ErrorStatusWithoutDetailShowsTheBodyAsItCame) {
    auto plain = Check(Status(502, "Bad Gateway"));
    ASSERT_FALSE(plain);
    EXPECT_EQ(plain.error().message, "error 502: Bad Gateway");
    auto empty = Check(Status(500, ""));
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().message, "error 500");
}

TEST(CheckTest, SuccessAnswersTheParsedBodyOrItsText) {
    auto object = Check(Status(200, R"({"id":"d-1"})"));
    ASSERT_TRUE(object);
    EXPECT_EQ(Field(*object, "id").value(), "d-1");
    auto text = Check(Status(200, "# TYPE x counter"));
    ASSERT_TRUE(text);
    EXPECT_EQ(text->as_string(), "# TYPE x counter");
    auto none = Check(Status(204, ""));
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->is_null());
}

TEST(FieldTest, MissingMemberOfAnAnswerIsAnErrorNamingIt) {
    auto missing = Field(boost::json::parse(R"({"status":"queued"})"), "id");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().message, "wakactl: the server's answer has no 'id'");
    EXPECT_FALSE(Field(boost::json::parse("[1]"), "id"));
}

TEST(InputTest, BadInputsAreErrorsNamingThem) {
    auto pairs = KeyValues({"a=1", "=2"}, "--label");
    ASSERT_FALSE(pairs);
    EXPECT_EQ(pairs.error().message, "wakactl: --label '=2' must be written name=value");
    auto parsed = KeyValues({"a=1", "b=x=y"}, "--label");
    ASSERT_TRUE(parsed);
    EXPECT_EQ(boost::json::serialize(*parsed), R"({"a":"1","b":"x=y"})");

    auto json = ParseJsonArg("[1]", "body.json");
    ASSERT_FALSE(json);
    EXPECT_EQ(json.error().message, "wakactl: body.json is not a JSON object");
    auto file = ReadInputFile("/nonexistent/body.json");
    ASSERT_FALSE(file);
    EXPECT_EQ(file.error().message, "wakactl: cannot read /nonexistent/body.json");
}

TEST(ClientTest, UnusableUrlIsAnErrorBeforeAnythingIsSent) {
    Globals globals;
    globals.url = "ftp://x";
    auto client = Client::Make(globals);
    ASSERT_FALSE(client);
    EXPECT_EQ(client.error().message,
              "wakactl: the URL must start with http:// or https:// (got 'ftp://x')");
}

TEST(TokenTest, LoopbackHostsAreThoseThatStayOnThisMachine) {
    for (const char* host : {"localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]"}) {
        EXPECT_TRUE(IsLoopbackHost(host)) << host;
    }
    for (const char* host : {"coordinator.internal", "10.0.0.1", "128.0.0.1", "localhost.evil"}) {
        EXPECT_FALSE(IsLoopbackHost(host)) << host;
    }
}

TEST(TokenTest, TokenFileIsReadWithoutItsNewlineAndWinsOverTheEnvironment) {
    const auto file = std::filesystem::temp_directory_path() / ("wakactl-token-" + RandomHex(6));
    std::ofstream(file) << "waka_file_token\n";
    Globals globals;
    globals.token = "from-env";
    globals.token_file = file.string();
    ASSERT_TRUE(ResolveToken(globals));
    EXPECT_EQ(globals.token, "waka_file_token");
    std::filesystem::remove(file);
    auto missing = ResolveToken(globals);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().message.find("waka_file_token"), std::string::npos);
}

}  // namespace
}  // namespace waka::ctl
