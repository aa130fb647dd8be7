#include "tests/support/pg/fresh_database.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <pqxx/pqxx>
#include <stdexcept>

#include "shared/core/crypto.hpp"

namespace waka::test {
namespace {

[[noreturn]] void FailTest(const std::string& message) {
    ADD_FAILURE() << message;
    throw std::runtime_error(message);
}

}  // namespace

std::string WithDatabaseName(const std::string& url, const std::string& name) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string::npos) {
        FailTest("WAKA_TEST_PG_URL must be a postgresql:// URL");
    }
    const auto authority_start = scheme_end + 3;
    const auto query_start = url.find('?', authority_start);
    const auto path_start = url.find('/', authority_start);
    const std::string query = query_start == std::string::npos ? "" : url.substr(query_start);
    const auto authority_end = (path_start != std::string::npos && path_start < query_start)
                                   ? path_start
                                   : (query_start == std::string::npos ? url.size() : query_start);
    return url.substr(0, authority_end) + "/" + name + query;
}

std::string FreshDatabaseUrl() {
    const char* admin_url = std::getenv("WAKA_TEST_PG_URL");
    if (admin_url == nullptr || *admin_url == '\0') {
        FailTest("WAKA_TEST_PG_URL is not set: run the tests through scripts/test");
    }
    const std::string name = "t_" + RandomHex(8);
    try {
        pqxx::connection admin(admin_url);
        // CREATE DATABASE refuses to run inside a transaction block.
        pqxx::nontransaction tx(admin);
        tx.exec0("CREATE DATABASE " + tx.quote_name(name));
    } catch (const std::exception& e) {
        FailTest(std::string("cannot create a test database through WAKA_TEST_PG_URL: ") +
                 e.what());
    }
    return WithDatabaseName(admin_url, name);
}

}  // namespace waka::test
