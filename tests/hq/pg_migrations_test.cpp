// HQ's PostgreSQL schema: numbered migrations, each a transaction under an advisory
// lock, down and up again, instances starting together; connection failures and
// connection strings in errors and logs.
#include <catch2/catch.hpp>
#include <latch>
#include <thread>
#include <vector>

#include "checkpoint/hq/query.hpp"
#include "hq_fixture.hpp"

using namespace checkpoint;
using namespace checkpoint::testing;

TEST_CASE("PostgreSQL: HQ's migrations from empty, down to 1 and up again", "[hq][pg]") {
  PgTestDatabase pg;
  const int newest = static_cast<int>(hq::HqPostgresMigrations().size());
  CHECK(newest == static_cast<int>(hq::HqMigrations().size()));  // the same versions
  {
    auto c = Must(hq::OpenPostgres(pg.conninfo()));
    CHECK(Must(hq::SchemaVersion(*c)) == 0);
  }
  auto db = Must(hq::HqDatabase::OpenPostgres(pg.conninfo()));
  CHECK(Must(hq::SchemaVersion(db.db())) == newest);
  Must(db.AddToken("tok", "CP-M", 1, 1'000, "UA-KRK"));
  Must(hq::AddApiToken(db.db(), "api", "analyst", 1, 1'000));
  CHECK(Must(hq::MigrateSchema(db.db(), 1)) == 1);
  CHECK(Must(db.ConsumeToken("tok", "CP-M", 2)));  // version 1's tables still work
  CHECK(Must(db.db().QueryInt("SELECT count(*) FROM schema_migrations")) == 1);
  auto again = Must(hq::HqDatabase::OpenPostgres(pg.conninfo()));
  CHECK(Must(hq::SchemaVersion(again.db())) == newest);
  CHECK_FALSE(Must(hq::CheckApiToken(again.db(), "api", 2)).has_value());  // dropped with v2
  CHECK_FALSE(Must(again.ConsumeToken("tok", "CP-M", 3)));                 // still used

  // A released migration edited afterwards is refused, not run over.
  Must(again.db().Exec("UPDATE schema_migrations SET up_sha256 = 'edited' WHERE version = 2"));
  auto refused = hq::HqDatabase::OpenPostgres(pg.conninfo());
  REQUIRE_FALSE(refused);
  CHECK(refused.error().Is(store::StoreErrc::kMigration));
}

TEST_CASE("PostgreSQL: HQ instances starting together migrate once", "[hq][pg]") {
  PgTestDatabase pg;
  constexpr int kInstances = 4;
  std::latch start(kInstances);
  std::vector<std::optional<Error>> errors(kInstances);
  std::vector<std::thread> threads;
  for (int i = 0; i < kInstances; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      auto db = hq::HqDatabase::OpenPostgres(pg.conninfo());
      if (!db) errors[static_cast<std::size_t>(i)] = db.error();
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& e : errors) CHECK(!e.has_value());
  auto db = Must(hq::HqDatabase::OpenPostgres(pg.conninfo()));
  CHECK(Must(db.db().QueryInt("SELECT count(*) FROM schema_migrations")) ==
        static_cast<std::int64_t>(hq::HqPostgresMigrations().size()));
}

TEST_CASE("PostgreSQL: an unreachable server is kUnavailable, and no password is shown",
          "[hq][pg]") {
  // Port 1 on 127.0.0.1: nothing listens there.
  auto c = hq::OpenPostgres("host=127.0.0.1 port=1 user=hq password=s3cret dbname=hq");
  REQUIRE_FALSE(c);
  CHECK(c.error().Is(CommonErrc::kUnavailable));
  CHECK(c.error().String().find("s3cret") == std::string::npos);
  auto url = hq::HqDatabase::OpenSpec("postgresql://hq:s3cret@127.0.0.1:1/hq", "/nonexistent");
  REQUIRE_FALSE(url);
  CHECK(url.error().String().find("s3cret") == std::string::npos);
  CHECK(hq::HqDatabase::Describe("postgresql://hq:s3cret@db.example:5433/hq", "/d") ==
        "postgresql://hq@db.example:5433/hq");
  CHECK(hq::HqDatabase::Describe("host=db password=s3cret dbname=hq user=u", "/d") ==
        "postgresql://u@db/hq");
  CHECK(hq::HqDatabase::Describe("", "/d") == "sqlite:/d/hq.db");
  auto junk = hq::OpenPostgres("host=db nonsense=s3cret");
  REQUIRE_FALSE(junk);
  CHECK(junk.error().Is(CommonErrc::kInvalidArgument));
  CHECK(junk.error().String().find("s3cret") == std::string::npos);
}
