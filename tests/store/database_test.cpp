#include "checkpoint/store/database.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "support/temp_dir.hpp"

using namespace checkpoint;
using namespace checkpoint::store;
using checkpoint::testing::TempDir;

TEST_CASE("connections use WAL, synchronous=FULL and a 0600 file", "[store][db]") {
  TempDir tmp;
  auto db = Connection::Open({.path = tmp / "t.db"});
  REQUIRE(db);
  auto mode = db->Prepare("PRAGMA journal_mode");
  REQUIRE(mode);
  REQUIRE(*mode->Step());
  CHECK(mode->Text(0) == "wal");
  CHECK(*db->QueryInt("PRAGMA synchronous") == 2);  // FULL
  CHECK(*db->QueryInt("PRAGMA foreign_keys") == 1);
  REQUIRE(db->Exec("CREATE TABLE t(x)"));
  struct stat st {};
  REQUIRE(::stat((tmp / "t.db").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(::stat((tmp / "t.db-wal").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("a database shared through its group is 0660 whatever the umask", "[store][db]") {
  TempDir tmp;
  const mode_t old_umask = ::umask(0077);  // checkpointd's own umask
  auto db = Connection::Open({.path = tmp / "t.db", .mode = 0660});
  ::umask(old_umask);
  REQUIRE(db);
  REQUIRE(db->Exec("CREATE TABLE t(x)"));
  struct stat st {};
  REQUIRE(::stat((tmp / "t.db").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0660);
  REQUIRE(::stat((tmp / "t.db-wal").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0660);
  // An existing file keeps its mode: the mode is chosen once, at creation.
  REQUIRE(::chmod((tmp / "t.db").c_str(), 0600) == 0);
  auto again = Connection::Open({.path = tmp / "t.db", .mode = 0660});
  REQUIRE(again);
  REQUIRE(::stat((tmp / "t.db").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  // Nothing for others, ever.
  for (unsigned bad : {0644u, 0666u, 0640u, 0700u}) {
    auto refused = Connection::Open({.path = tmp / "other.db", .mode = bad});
    REQUIRE_FALSE(refused);
    CHECK(refused.error().Is(StoreErrc::kMisuse));
  }
  CHECK_FALSE(std::filesystem::exists(tmp / "other.db"));
}

TEST_CASE("statements bind, step and report errors as values", "[store][db]") {
  TempDir tmp;
  auto db = Connection::Open({.path = tmp / "t.db"});
  REQUIRE(db);
  REQUIRE(db->Exec("CREATE TABLE t(k TEXT PRIMARY KEY, n INTEGER, b BLOB, f REAL)"));
  auto ins = db->Prepare("INSERT INTO t VALUES (?, ?, ?, ?)");
  REQUIRE(ins);
  const std::uint8_t bytes[] = {0, 1, 2, 255};
  REQUIRE(ins->BindAll("a", std::int64_t{42}, Blob{bytes}, 2.5));
  REQUIRE(ins->Run());
  REQUIRE(ins->Reset());
  REQUIRE(ins->BindAll("a", std::int64_t{1}, std::nullopt, 0.0));
  auto dup = ins->Run();
  REQUIRE_FALSE(dup);
  CHECK(dup.error().Is(StoreErrc::kConstraint));

  auto sel = db->Prepare("SELECT k, n, b, f FROM t");
  REQUIRE(sel);
  REQUIRE(*sel->Step());
  CHECK(sel->Text(0) == "a");
  CHECK(sel->Int(1) == 42);
  CHECK(sel->BlobColumn(2) == std::string("\x00\x01\x02\xff", 4));
  CHECK(sel->Double(3) == 2.5);
  CHECK_FALSE(*sel->Step());

  auto bad = db->Prepare("SELEC nonsense");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message().find("syntax error") != std::string::npos);
}

TEST_CASE("a transaction rolls back unless committed", "[store][db]") {
  TempDir tmp;
  auto db = Connection::Open({.path = tmp / "t.db"});
  REQUIRE(db);
  REQUIRE(db->Exec("CREATE TABLE t(x)"));
  {
    auto tx = Transaction::Begin(*db);
    REQUIRE(tx);
    REQUIRE(db->Exec("INSERT INTO t VALUES (1)"));
    CHECK(db->InTransaction());
  }
  CHECK_FALSE(db->InTransaction());
  CHECK(*db->QueryInt("SELECT count(*) FROM t") == 0);
  {
    auto tx = Transaction::Begin(*db);
    REQUIRE(tx);
    REQUIRE(db->Exec("INSERT INTO t VALUES (1)"));
    REQUIRE(tx->Commit());
  }
  CHECK(*db->QueryInt("SELECT count(*) FROM t") == 1);
}

TEST_CASE("a file that is not a database is reported as corrupt", "[store][db]") {
  TempDir tmp;
  std::ofstream(tmp / "junk.db") << std::string(8192, 'J');
  auto db = Connection::Open({.path = tmp / "junk.db"});
  REQUIRE_FALSE(db);
  CHECK(db.error().Is(StoreErrc::kCorrupt));
}

TEST_CASE("a missing file is not created when create=false", "[store][db]") {
  TempDir tmp;
  auto db = Connection::Open({.path = tmp / "none.db", .create = false});
  REQUIRE_FALSE(db);
  CHECK(db.error().Is(StoreErrc::kOpen));
  CHECK_FALSE(std::filesystem::exists(tmp / "none.db"));
}
