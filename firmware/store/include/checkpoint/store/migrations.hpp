#pragma once
// Numbered schema migrations, never edited once released (aktualizr's rule).
//
// Each migration carries its forward SQL and its rollback SQL. Applying a migration
// stores its rollback SQL in the database (table schema_migrations), so that an
// older firmware — after an A/B rollback — can open a database that a newer
// firmware migrated: it runs the stored rollback SQL of every version it does not
// know, newest first, and carries on at its own version.
//
// The SHA-256 of each migration's forward SQL is stored too; opening a database
// whose applied migration differs from the firmware's migration of the same number
// fails, because that means a released migration was edited.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/store/database.hpp"

namespace checkpoint::store {

struct Migration {
  int version;            // 1, 2, 3 ... without gaps
  std::string_view name;  // short, stable
  std::string_view up;    // forward SQL
  std::string_view down;  // rollback SQL: must undo `up` exactly
};

// The migrations of this firmware, oldest first.
std::span<const Migration> ProductMigrations();

struct MigrationReport {
  int from = 0;
  int to = 0;
  std::vector<int> applied;      // versions migrated forward, in order
  std::vector<int> rolled_back;  // versions rolled back, in order
};

// Brings the schema to `target` (default: the newest of `known`), forward with
// `known`, backward with the rollback SQL stored in the database. Each step runs
// in its own IMMEDIATE transaction, so two processes opening the same database at
// once never apply a step twice. A failed step leaves the schema at the previous
// version.
Expected<MigrationReport> Migrate(Connection& db, std::span<const Migration> known,
                                  std::optional<int> target = std::nullopt);

// The version recorded in the database (0 for an empty one).
Expected<int> SchemaVersion(Connection& db);

}  // namespace checkpoint::store
