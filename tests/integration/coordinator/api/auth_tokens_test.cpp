#include "tests/integration/coordinator/api/api_fixture.hpp"

namespace waka::coordinator::api::testing {
namespace {

TEST_F(ApiTest, HealthAndRootAreOpen) {
    auto anonymous = ClientWith("");
    auto health = anonymous.Get("/health");
    EXPECT_EQ(health.status, 200u);
    EXPECT_EQ(Str(Object(health), "status"), "healthy");
    auto root = anonymous.Get("/");
    ASSERT_EQ(root.status, 200u) << root.body;
    auto body = Object(root);
    EXPECT_EQ(Str(body, "name"), "Waka Deploy");
    EXPECT_EQ(Str(body, "version"), "9.9.9-test");
    EXPECT_EQ(Str(body, "docs"), "/docs");
    EXPECT_EQ(Str(body, "openapi"), "/openapi.json");
}

TEST_F(ApiTest, MissingOrUnknownTokenIs401WithChallenge) {
    auto missing = ClientWith("").Get("/api/v1/versions");
    EXPECT_EQ(missing.status, 401u);
    EXPECT_EQ(missing.Header("WWW-Authenticate"), "Bearer");
    EXPECT_EQ(Str(Object(missing), "code"), "unauthenticated");
    auto unknown = ClientWith("waka_not-a-real-token").Get("/api/v1/versions");
    EXPECT_EQ(unknown.status, 401u);
    EXPECT_NE(unknown.Header("WWW-Authenticate").find("Bearer"), std::string::npos);
    auto basic =
        ClientWith("").Get("/api/v1/versions", {{"Authorization", "Basic YWRtaW46YWRtaW4="}});
    EXPECT_EQ(basic.status, 401u);
}

TEST_F(ApiTest, ViewerCannotCreateAVersionAndNothingIsStored) {
    auto viewer = ClientWith(MakeToken("dashboard", "viewer"));
    long long releases = Count("releases");
    long long audit = Count("audit_log");
    auto refused =
        viewer.Post("/api/v1/versions",
                    R"({"component_type":"suite","component_name":"commerce","version":"1.0.0"})");
    EXPECT_EQ(refused.status, 403u) << refused.body;
    auto body = Object(refused);
    EXPECT_EQ(Str(body, "code"), "forbidden");
    EXPECT_NE(Str(body, "detail").find("publisher"), std::string::npos) << Str(body, "detail");
    EXPECT_EQ(Count("releases"), releases);
    EXPECT_EQ(Count("audit_log"), audit);
    EXPECT_EQ(viewer.Get("/api/v1/versions").status, 200u);
    EXPECT_EQ(viewer.Get("/api/v1/tokens").status, 403u);
}

TEST_F(ApiTest, TokenCreateListRevoke) {
    auto created = client_->Post("/api/v1/tokens", R"({"name":"ci-pipeline","role":"operator"})");
    ASSERT_EQ(created.status, 201u) << created.body;
    auto token = Object(created);
    std::string secret = Str(token, "token");
    std::string id = Str(token, "id");
    EXPECT_EQ(Str(token, "role"), "operator");
    EXPECT_EQ(Str(token, "name"), "ci-pipeline");
    EXPECT_EQ(Str(token, "created_at").back(), 'Z');
    EXPECT_GT(secret.size(), 20u);
    EXPECT_EQ(created.Header("Cache-Control"), "no-store");  // the answer carries a secret

    auto listed = client_->Get("/api/v1/tokens");
    ASSERT_EQ(listed.status, 200u);
    EXPECT_EQ(listed.body.find(secret), std::string::npos) << "a secret was listed";
    EXPECT_NE(listed.body.find(id), std::string::npos);
    EXPECT_EQ(listed.body.find("\"token\""), std::string::npos);
    EXPECT_EQ(SqlValue("SELECT count(*) FROM api_tokens WHERE token_hash = '" + secret + "'"), "0");

    auto operator_client = ClientWith(secret);
    EXPECT_EQ(operator_client.Get("/api/v1/versions").status, 200u);
    EXPECT_EQ(client_->Delete("/api/v1/tokens/" + id).status, 204u);
    EXPECT_EQ(operator_client.Get("/api/v1/versions").status, 401u);
    EXPECT_EQ(client_->Delete("/api/v1/tokens/token-unknown").status, 404u);
}

TEST_F(ApiTest, TokenBodyIsValidated) {
    auto refused = client_->Post("/api/v1/tokens", R"({"name":"x","role":"superuser"})");
    EXPECT_EQ(refused.status, 422u);
    EXPECT_EQ(Str(Object(refused).at("errors").as_array().at(0).as_object(), "field"), "role");
}

TEST_F(ApiTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
    auto missing = client_->Get("/api/v1/nothing-here");
    EXPECT_EQ(missing.status, 404u);
    EXPECT_EQ(Str(Object(missing), "code"), "not_found");
    auto wrong = client_->Delete("/api/v1/versions");
    EXPECT_EQ(wrong.status, 405u);
    EXPECT_EQ(wrong.Header("Allow"), "GET, POST");
    EXPECT_EQ(Str(Object(wrong), "code"), "method_not_allowed");
}

TEST_F(ApiTest, MalformedJsonIs400AndStoresNothing) {
    long long releases = Count("releases");
    auto result = client_->Post("/api/v1/versions", R"({"component_type": "suite", )");
    EXPECT_EQ(result.status, 400u);
    auto body = Object(result);
    EXPECT_EQ(Str(body, "code"), "malformed_request");
    EXPECT_NE(Str(body, "detail").find("JSON"), std::string::npos);
    EXPECT_EQ(Count("releases"), releases);
}

TEST_F(ApiTest, UnknownFieldIs422NamingItAndStoresNothing) {
    long long releases = Count("releases");
    auto result = client_->Post(
        "/api/v1/versions",
        R"({"component_type":"suite","component_name":"commerce","version":"1.0.0","colour":"red"})");
    EXPECT_EQ(result.status, 422u);
    auto body = Object(result);
    EXPECT_EQ(Str(body, "code"), "validation_failed");
    EXPECT_EQ(Str(body.at("errors").as_array().at(0).as_object(), "field"), "colour");
    EXPECT_EQ(Count("releases"), releases);
}

TEST_F(ApiTest, OversizeBodyIs413) {
    std::string big =
        R"({"component_type":"suite","component_name":"c","version":"1.0.0","changelog":")" +
        std::string(kMaxBodyBytes + 10, 'x') + R"("})";
    long long releases = Count("releases");
    auto result = client_->Post("/api/v1/versions", big);
    EXPECT_EQ(result.status, 413u) << result.error;
    EXPECT_EQ(Count("releases"), releases);
}

// An expiring token authenticates until its time, then like a revoked one no more (issue 13).
TEST_F(ApiTest, TokenExpiresAtItsTime) {
    const std::string expires = FormatRfc3339(clock_.Now() + std::chrono::hours(1));
    auto created = client_->Post("/api/v1/tokens", R"({"name":"temp-contractor","role":"viewer",)"
                                                   R"("expires_at":")" +
                                                       expires + R"("})");
    ASSERT_EQ(created.status, 201u) << created.body;
    EXPECT_NE(Str(Object(created), "expires_at"), "<null>");
    auto holder = ClientWith(Str(Object(created), "token"));
    EXPECT_EQ(holder.Get("/api/v1/versions").status, 200u);
    clock_.Advance(std::chrono::hours(2));
    EXPECT_EQ(holder.Get("/api/v1/versions").status, 401u);

    auto past = client_->Post("/api/v1/tokens", R"({"name":"too-late","role":"viewer",)"
                                                R"("expires_at":"2020-01-01T00:00:00Z"})");
    EXPECT_EQ(past.status, 422u) << past.body;
    EXPECT_NE(past.body.find("expires_at"), std::string::npos);
    auto garbled = client_->Post("/api/v1/tokens",
                                 R"({"name":"garbled","role":"viewer","expires_at":"soon"})");
    EXPECT_EQ(garbled.status, 422u) << garbled.body;
    EXPECT_EQ(SqlValue("SELECT count(*) FROM api_tokens WHERE name IN ('too-late', 'garbled')"),
              "0");
}

// Rotation answers the new secret once; the old one stops at once or after the overlap (ADR 0029).
TEST_F(ApiTest, TokenRotateAnswersTheNewSecretOnceAndRefusesRevokedAndUnknown) {
    auto created = client_->Post("/api/v1/tokens", R"({"name":"nightly","role":"operator"})");
    ASSERT_EQ(created.status, 201u) << created.body;
    const std::string id = Str(Object(created), "id");
    auto old_holder = ClientWith(Str(Object(created), "token"));

    auto rotated = client_->Post("/api/v1/tokens/" + id + "/rotate", R"({"overlap_seconds":60})");
    ASSERT_EQ(rotated.status, 200u) << rotated.body;
    EXPECT_EQ(rotated.Header("Cache-Control"), "no-store");
    auto body = Object(rotated);
    EXPECT_EQ(Str(body, "id"), id);
    EXPECT_EQ(Str(body, "name"), "nightly");
    EXPECT_EQ(Str(body, "role"), "operator");
    EXPECT_NE(Str(body, "rotated_at"), "<null>");
    EXPECT_NE(Str(body, "previous_token_valid_until"), "<null>");
    auto new_holder = ClientWith(Str(body, "token"));
    EXPECT_EQ(new_holder.Get("/api/v1/versions").status, 200u);
    EXPECT_EQ(old_holder.Get("/api/v1/versions").status, 200u) << "inside the overlap";
    clock_.Advance(std::chrono::seconds(61));
    EXPECT_EQ(old_holder.Get("/api/v1/versions").status, 401u) << "past the overlap";
    EXPECT_EQ(new_holder.Get("/api/v1/versions").status, 200u);
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action = 'token.rotate' AND "
                       "target_id = '" +
                       id + "'"),
              "1");

    auto at_once = client_->Post("/api/v1/tokens/" + id + "/rotate", "");
    ASSERT_EQ(at_once.status, 200u) << at_once.body;
    EXPECT_EQ(Str(Object(at_once), "previous_token_valid_until"), "<null>");
    EXPECT_EQ(new_holder.Get("/api/v1/versions").status, 401u) << "no overlap asked: stops now";

    auto unknown = client_->Post("/api/v1/tokens/token-unknown/rotate", "");
    EXPECT_EQ(unknown.status, 404u);
    EXPECT_NE(Str(Object(unknown), "detail").find("token-unknown"), std::string::npos);
    ASSERT_EQ(client_->Delete("/api/v1/tokens/" + id).status, 204u);
    auto revoked = client_->Post("/api/v1/tokens/" + id + "/rotate", "");
    EXPECT_EQ(revoked.status, 409u);
    EXPECT_NE(Str(Object(revoked), "detail").find("revoked"), std::string::npos);
    auto too_long =
        client_->Post("/api/v1/tokens/" + id + "/rotate", R"({"overlap_seconds":86401})");
    EXPECT_EQ(too_long.status, 422u) << too_long.body;
    EXPECT_EQ(ClientWith(MakeToken("auditor", "operator"))
                  .Post("/api/v1/tokens/" + id + "/rotate", "")
                  .status,
              403u);
}

}  // namespace
}  // namespace waka::coordinator::api::testing
