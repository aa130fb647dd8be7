#pragma once

#include <string>

// PostgreSQL for integration tests. scripts/test starts a throwaway cluster and exports
// WAKA_TEST_PG_URL, an admin URL to it ("postgresql://postgres@127.0.0.1:<port>/postgres").
namespace waka::test {

// Creates a new, empty, uniquely named database ("t_<random hex>") in the test cluster and answers
// its URL. Nothing drops it: the cluster is thrown away after the run.
// When WAKA_TEST_PG_URL is unset or the cluster is unreachable, the current test FAILS (an
// ADD_FAILURE plus a std::runtime_error that GoogleTest reports): database tests never skip.
[[nodiscard]] std::string FreshDatabaseUrl();

// Replaces the database name of a postgresql:// URL, keeping credentials, host and parameters.
[[nodiscard]] std::string WithDatabaseName(const std::string& url, const std::string& name);

}  // namespace waka::test
