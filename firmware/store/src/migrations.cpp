#include "checkpoint/store/migrations.hpp"

#include <chrono>
#include <string>

#include "checkpoint/common/sha256.hpp"

namespace checkpoint::store {

namespace {

constexpr std::string_view kBootstrap = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version       INTEGER PRIMARY KEY,
  name          TEXT    NOT NULL,
  up_sha256     TEXT    NOT NULL,
  down_sql      TEXT    NOT NULL,
  applied_at_ms INTEGER NOT NULL
);
)sql";

std::string UpHash(const Migration& m) {
  return common::ToHex(common::Sha256::Of(m.up));
}

Status ValidateKnown(std::span<const Migration> known) {
  for (size_t i = 0; i < known.size(); ++i) {
    const Migration& m = known[i];
    if (m.version != static_cast<int>(i) + 1) {
      return MakeError(StoreErrc::kMisuse, "migrations must be numbered 1..N without gaps; found " +
                                               std::to_string(m.version) + " at position " +
                                               std::to_string(i + 1));
    }
    if (m.down.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      return MakeError(StoreErrc::kMisuse,
                       "migration " + std::to_string(m.version) + " has no rollback SQL");
    }
  }
  return {};
}

Expected<int> CurrentVersion(Connection& db) {
  auto v = db.QueryInt("SELECT coalesce(max(version), 0) FROM schema_migrations");
  if (!v) return std::move(v).error();
  return static_cast<int>(*v);
}

// Every applied migration this firmware also knows must be the one it knows.
Status CheckNotEdited(Connection& db, std::span<const Migration> known) {
  auto st = db.Prepare("SELECT version, name, up_sha256 FROM schema_migrations ORDER BY version");
  if (!st) return std::move(st).error();
  int expected_version = 1;
  for (;;) {
    auto row = st->Step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    int v = static_cast<int>(st->Int(0));
    if (v != expected_version) {
      return MakeError(StoreErrc::kMigration, "schema_migrations has a gap: expected version " +
                                                  std::to_string(expected_version) + ", found " +
                                                  std::to_string(v));
    }
    ++expected_version;
    if (v > static_cast<int>(known.size())) continue;  // newer firmware's; checked on rollback
    const Migration& m = known[static_cast<size_t>(v) - 1];
    if (st->Text(1) != m.name || st->Text(2) != UpHash(m)) {
      return MakeError(StoreErrc::kMigration,
                       "migration " + std::to_string(v) + " (" + std::string(m.name) +
                           ") differs from the one applied to this database: released "
                           "migrations must never be edited");
    }
  }
  return {};
}

Status ApplyUp(Connection& db, const Migration& m, std::int64_t now_ms) {
  if (auto s = db.Exec(m.up); !s) return s;
  auto ins = db.Prepare(
      "INSERT INTO schema_migrations(version, name, up_sha256, down_sql, applied_at_ms) "
      "VALUES (?, ?, ?, ?, ?)");
  if (!ins) return std::move(ins).error();
  if (auto s = ins->BindAll(std::int64_t{m.version}, m.name, UpHash(m), m.down, now_ms); !s) {
    return s;
  }
  if (auto s = ins->Run(); !s) return s;
  return db.Exec("PRAGMA user_version = " + std::to_string(m.version));
}

Status ApplyDown(Connection& db, int version) {
  std::string down;
  {  // the SELECT is finalized before the rollback DDL runs
    auto sel = db.Prepare("SELECT down_sql FROM schema_migrations WHERE version = ?");
    if (!sel) return std::move(sel).error();
    if (auto s = sel->Bind(1, std::int64_t{version}); !s) return s;
    auto row = sel->Step();
    if (!row) return std::move(row).error();
    if (!*row) {
      return MakeError(StoreErrc::kMigration,
                       "no rollback SQL stored for version " + std::to_string(version));
    }
    down = sel->Text(0);
  }
  if (auto s = db.Exec(down); !s) return s;
  auto del = db.Prepare("DELETE FROM schema_migrations WHERE version = ?");
  if (!del) return std::move(del).error();
  if (auto s = del->Bind(1, std::int64_t{version}); !s) return s;
  if (auto s = del->Run(); !s) return s;
  return db.Exec("PRAGMA user_version = " + std::to_string(version - 1));
}

}  // namespace

Expected<int> SchemaVersion(Connection& db) {
  auto exists = db.QueryInt("SELECT count(*) FROM sqlite_schema WHERE name = 'schema_migrations'");
  if (!exists) return std::move(exists).error();
  if (*exists == 0) return 0;
  return CurrentVersion(db);
}

Expected<MigrationReport> Migrate(Connection& db, std::span<const Migration> known,
                                  std::optional<int> target) {
  if (auto s = ValidateKnown(known); !s) return std::move(s).error();
  const int goal = target.value_or(static_cast<int>(known.size()));
  if (goal < 0 || goal > static_cast<int>(known.size())) {
    return MakeError(StoreErrc::kMisuse, "target version " + std::to_string(goal) +
                                             " is not between 0 and " +
                                             std::to_string(known.size()));
  }
  MigrationReport report;
  bool first = true;
  for (;;) {
    auto tx = Transaction::Begin(db);
    if (!tx) return std::move(tx).error().WithContext("while migrating the schema");
    if (auto s = db.Exec(kBootstrap); !s) return std::move(s).error();
    auto cur = CurrentVersion(db);
    if (!cur) return std::move(cur).error();
    if (first) {
      report.from = *cur;
      first = false;
      if (auto s = CheckNotEdited(db, known); !s) return std::move(s).error();
    }
    if (*cur == goal) {
      if (auto s = tx->Commit(); !s) return std::move(s).error();
      report.to = goal;
      return report;
    }
    const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
    Status step;
    int version = 0;
    if (*cur < goal) {
      version = *cur + 1;
      step = ApplyUp(db, known[static_cast<size_t>(version) - 1], now_ms);
      if (step) report.applied.push_back(version);
    } else {
      version = *cur;
      step = ApplyDown(db, version);
      if (step) report.rolled_back.push_back(version);
    }
    if (!step) {
      return std::move(step).error().WithContext(
          std::string(*cur < goal ? "applying" : "rolling back") + " migration " +
          std::to_string(version));
    }
    if (auto s = tx->Commit(); !s) return std::move(s).error();
  }
}

}  // namespace checkpoint::store
