#include "tests/support/pg/migrated_database.hpp"

#include <gtest/gtest.h>

#include "tests/support/pg/fresh_database.hpp"

namespace waka::test {

std::unique_ptr<coordinator::db::Database> OpenMigratedDatabase(std::size_t pool_size) {
    auto database =
        coordinator::db::Database::Open({.url = FreshDatabaseUrl(), .pool_size = pool_size});
    if (!database) {
        ADD_FAILURE() << database.error().message;
        throw std::runtime_error(database.error().message);
    }
    auto version = (*database)->Migrate();
    if (!version) {
        ADD_FAILURE() << version.error().message;
        throw std::runtime_error(version.error().message);
    }
    return std::move(*database);
}

}  // namespace waka::test
