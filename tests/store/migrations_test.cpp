#include "checkpoint/store/migrations.hpp"

#include <catch2/catch.hpp>
#include <vector>

#include "store_fixture.hpp"

using namespace checkpoint;
using namespace checkpoint::store;
using checkpoint::testing::TempDir;

namespace {

Connection OpenDb(const std::filesystem::path& p) {
  auto db = Connection::Open({.path = p});
  if (!db) FAIL(db.error().String());
  return std::move(db).value();
}

// The product's migrations plus two that a "newer firmware" would add.
std::vector<Migration> NewerFirmware() {
  std::vector<Migration> m(ProductMigrations().begin(), ProductMigrations().end());
  const int n = static_cast<int>(m.size());
  m.push_back({n + 1, "inspection_note",
               "ALTER TABLE inspections ADD COLUMN officer_note TEXT NOT NULL DEFAULT '';",
               "ALTER TABLE inspections DROP COLUMN officer_note;"});
  m.push_back({n + 2, "watchlist_meta",
               "CREATE TABLE watchlist_meta(list TEXT PRIMARY KEY, version INTEGER NOT NULL);",
               "DROP TABLE watchlist_meta;"});
  return m;
}

std::string Schema(Connection& db) {
  auto st = db.Prepare(
      "SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_schema "
      "WHERE name NOT IN ('schema_migrations') ORDER BY name");
  REQUIRE(st);
  std::string out;
  while (*st->Step()) out += st->Text(0) + "\n";
  return out;
}

bool HasColumn(Connection& db, const std::string& table, const std::string& column) {
  auto st = db.Prepare("SELECT count(*) FROM pragma_table_info(?) WHERE name = ?");
  REQUIRE(st);
  REQUIRE(st->BindAll(table, column));
  REQUIRE(*st->Step());
  return st->Int(0) == 1;
}

}  // namespace

TEST_CASE("a new database migrates to the newest version", "[store][migrations]") {
  TempDir tmp;
  auto db = OpenDb(tmp / "s.db");
  auto r = Migrate(db, ProductMigrations());
  REQUIRE(r);
  const int n = static_cast<int>(ProductMigrations().size());
  CHECK(r->from == 0);
  CHECK(r->to == n);
  CHECK(r->applied.size() == static_cast<size_t>(n));
  CHECK(*SchemaVersion(db) == n);
  CHECK(*db.QueryInt("PRAGMA user_version") == n);
  // Re-running is a no-op.
  auto again = Migrate(db, ProductMigrations());
  REQUIRE(again);
  CHECK(again->applied.empty());
  CHECK(again->rolled_back.empty());
}

TEST_CASE("every migration's rollback undoes it exactly", "[store][migrations]") {
  TempDir tmp;
  auto db = OpenDb(tmp / "s.db");
  auto all = NewerFirmware();
  std::vector<std::string> schema_at{Schema(db)};
  for (int v = 1; v <= static_cast<int>(all.size()); ++v) {
    REQUIRE(Migrate(db, all, v));
    schema_at.push_back(Schema(db));
  }
  for (int v = static_cast<int>(all.size()) - 1; v >= 0; --v) {
    auto r = Migrate(db, all, v);
    REQUIRE(r);
    CHECK(r->rolled_back == std::vector<int>{v + 1});
    CHECK(Schema(db) == schema_at[static_cast<size_t>(v)]);
  }
  CHECK(*SchemaVersion(db) == 0);
}

TEST_CASE("an older firmware opens a database a newer one migrated", "[store][migrations]") {
  TempDir tmp;
  const auto path = tmp / "s.db";
  const int n = static_cast<int>(ProductMigrations().size());
  std::string uuid;
  {
    // The newer firmware migrates and writes, using its new column.
    auto db = OpenDb(path);
    auto r = Migrate(db, NewerFirmware());
    REQUIRE(r);
    CHECK(r->to == n + 2);
    CHECK(HasColumn(db, "inspections", "officer_note"));
    auto rec = testing::SampleRecord();
    uuid = rec.uuid;
    REQUIRE(InspectionRepository(db).Insert(rec));
    REQUIRE(db.Exec("UPDATE inspections SET officer_note = 'ok'"));
  }
  {
    // A/B rollback: the older firmware knows only the product migrations. Store::Open
    // rolls back the two unknown versions with the SQL stored in the database.
    auto st = testing::OpenStore(path);
    CHECK(st.migration().from == n + 2);
    CHECK(st.migration().to == n);
    CHECK(st.migration().rolled_back == std::vector<int>{n + 2, n + 1});
    CHECK_FALSE(HasColumn(st.db(), "inspections", "officer_note"));
    auto found = st.inspections().FindByUuid(uuid);
    REQUIRE(found);
    REQUIRE(found->has_value());  // data in surviving columns is kept
    auto more = testing::SampleRecord();
    REQUIRE(st.RecordInspection(more, testing::SampleAudit(more.uuid), Lane::kRecords));
  }
  {
    // And the newer firmware, reinstalled, migrates forward again.
    auto db = OpenDb(path);
    auto r = Migrate(db, NewerFirmware());
    REQUIRE(r);
    CHECK(r->applied == std::vector<int>{n + 1, n + 2});
    CHECK(*db.QueryInt("SELECT count(*) FROM inspections") == 2);
  }
}

TEST_CASE("an edited released migration is refused", "[store][migrations]") {
  TempDir tmp;
  auto db = OpenDb(tmp / "s.db");
  auto all = NewerFirmware();
  REQUIRE(Migrate(db, all));
  all[all.size() - 1].up = "CREATE TABLE watchlist_meta(list TEXT PRIMARY KEY);";
  auto r = Migrate(db, all);
  REQUIRE_FALSE(r);
  CHECK(r.error().Is(StoreErrc::kMigration));
  CHECK(r.error().message().find("must never be edited") != std::string::npos);
}

TEST_CASE("a failing migration leaves the previous version intact", "[store][migrations]") {
  TempDir tmp;
  auto db = OpenDb(tmp / "s.db");
  auto all = NewerFirmware();
  const int n = static_cast<int>(ProductMigrations().size());
  all[static_cast<size_t>(n)].up = "ALTER TABLE no_such_table ADD COLUMN x;";
  auto r = Migrate(db, all);
  REQUIRE_FALSE(r);
  CHECK(r.error().message().find("applying migration " + std::to_string(n + 1)) !=
        std::string::npos);
  CHECK(*SchemaVersion(db) == n);
  CHECK(*db.QueryInt("PRAGMA user_version") == n);
}

TEST_CASE("malformed migration lists are refused", "[store][migrations]") {
  TempDir tmp;
  auto db = OpenDb(tmp / "s.db");
  const Migration gap[] = {{1, "a", "CREATE TABLE a(x);", "DROP TABLE a;"},
                           {3, "c", "CREATE TABLE c(x);", "DROP TABLE c;"}};
  auto r = Migrate(db, gap);
  REQUIRE_FALSE(r);
  CHECK(r.error().Is(StoreErrc::kMisuse));
  const Migration no_down[] = {{1, "a", "CREATE TABLE a(x);", "  \n"}};
  auto r2 = Migrate(db, no_down);
  REQUIRE_FALSE(r2);
  CHECK(r2.error().message().find("no rollback SQL") != std::string::npos);
  auto r3 = Migrate(db, ProductMigrations(), 99);
  REQUIRE_FALSE(r3);
}

TEST_CASE("a read-only open refuses a schema of another version", "[store][migrations]") {
  TempDir tmp;
  {
    auto db = OpenDb(tmp / "s.db");
    REQUIRE(Migrate(db, NewerFirmware()));
  }
  auto st = Store::Open({.path = tmp / "s.db", .device_id = "CP-T1", .read_only = true});
  REQUIRE_FALSE(st);
  CHECK(st.error().Is(StoreErrc::kMigration));
}
