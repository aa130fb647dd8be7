#pragma once

#include <span>
#include <string_view>

// The SQL migrations compiled into the binary (generated from coordinator/db/migrations/NNN_*.sql
// by embed_migrations.cmake). Internal to coordinator/db and its tests.
namespace waka::coordinator::db {

struct Migration {
    int version = 0;        // NNN of the file name
    std::string_view name;  // the rest of the file name, without ".sql"
    std::string_view sql;   // the whole file
};

// In increasing version order, without gaps checked (numbers only need to increase).
[[nodiscard]] std::span<const Migration> CompiledMigrations();

}  // namespace waka::coordinator::db
