// The one-transaction guarantee under SIGKILL: a child process writes records and
// reports each one it was told is stored; we kill it at many points during writes
// and check, after every kill, that every reported record is present with its
// audit and outbox entries, that nothing partial exists, and that the database and
// the audit chain verify. (Power loss is the same contract one level down:
// WAL + synchronous=FULL make a returned COMMIT durable; see docs/adr/0003.)
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <random>
#include <set>
#include <sstream>

#include "store_fixture.hpp"
#include "support/subprocess.hpp"

using namespace checkpoint;
using namespace checkpoint::store;
using checkpoint::testing::Subprocess;
using checkpoint::testing::TempDir;
using namespace std::chrono_literals;

namespace {

int Rounds() {
  const char* env = std::getenv("CHECKPOINT_CRASH_ROUNDS");
  return env ? std::atoi(env) : 60;
}

std::int64_t Scalar(Connection& db, const std::string& sql) {
  auto v = db.QueryInt(sql);
  if (!v) FAIL(v.error().String());
  return *v;
}

}  // namespace

TEST_CASE("records survive SIGKILL at any point, whole or not at all", "[store][crash]") {
  TempDir tmp;
  const auto db_path = tmp / "crash.db";
  std::mt19937 rng(20261122);
  std::set<std::string> reported;
  std::int64_t kills_mid_write = 0;

  for (int round = 0; round < Rounds(); ++round) {
    INFO("round " << round);
    {
      Subprocess writer({CRASH_WRITER_PATH, db_path.string(), std::to_string(round)});
      // Let it store a random number of records, then kill it while it is writing
      // the next ones: after the k-th report it is already inside the next
      // transaction, and a random spin moves the kill to a different point of it.
      const int k = std::uniform_int_distribution<int>(1, 25)(rng);
      for (int i = 0; i < k; ++i) {
        auto line = writer.ReadLine(10s);
        REQUIRE(line);
        std::istringstream is(*line);
        std::string uuid;
        is >> uuid;
        reported.insert(uuid);
      }
      const int spin_us = std::uniform_int_distribution<int>(0, 3000)(rng);
      const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(spin_us);
      while (std::chrono::steady_clock::now() < until) {
      }
      writer.Kill(SIGKILL);
      auto status = writer.Wait(10s);
      REQUIRE(status);
      if (*status == 128 + SIGKILL) ++kills_mid_write;
      // Lines it wrote before dying were reported stored too.
      std::istringstream rest(writer.ReadAll(1s));
      std::string line;
      while (std::getline(rest, line)) {
        std::istringstream is(line);
        std::string uuid;
        if (is >> uuid && uuid.size() == 36) reported.insert(uuid);
      }
    }

    auto conn = Connection::Open({.path = db_path, .create = false});
    REQUIRE(conn);
    auto& db = *conn;
    auto ic = db.Prepare("PRAGMA integrity_check");
    REQUIRE(ic);
    REQUIRE(*ic->Step());
    CHECK(ic->Text(0) == "ok");

    // Every reported record is there with its audit and outbox entries.
    auto q = db.Prepare(
        "SELECT (SELECT count(*) FROM inspections WHERE record_uuid = ?1) + "
        "(SELECT count(*) FROM outbox WHERE record_uuid = ?1) + "
        "(SELECT count(*) FROM audit_log WHERE subject = ?1)");
    REQUIRE(q);
    std::int64_t missing = 0;
    for (const auto& uuid : reported) {
      REQUIRE(q->Reset());
      REQUIRE(q->Bind(1, uuid));
      REQUIRE(*q->Step());
      if (q->Int(0) != 3) ++missing;
    }
    CHECK(missing == 0);

    // Nothing partial: the three tables pair up one to one.
    const auto n = Scalar(db, "SELECT count(*) FROM inspections");
    CHECK(n >= static_cast<std::int64_t>(reported.size()));
    CHECK(Scalar(db, "SELECT count(*) FROM outbox") == n);
    CHECK(Scalar(db, "SELECT count(*) FROM audit_log") == n);
    CHECK(Scalar(db,
                 "SELECT count(*) FROM inspections i WHERE NOT EXISTS "
                 "(SELECT 1 FROM outbox o WHERE o.record_uuid = i.record_uuid) OR NOT EXISTS "
                 "(SELECT 1 FROM audit_log a WHERE a.subject = i.record_uuid)") == 0);
    // Sequence numbers have no gaps and were never consumed by a lost write.
    CHECK(Scalar(db, "SELECT coalesce(max(seq), 0) FROM outbox") == n);
    CHECK(Scalar(db, "SELECT coalesce(max(last_seq), 0) FROM outbox_sequence") == n);
    auto v = AuditChain(db).Verify();
    REQUIRE(v);
    CHECK(v->ok);
    CHECK(v->entries == n);
  }
  CHECK(kills_mid_write == Rounds());
  CHECK(reported.size() > 0);
}
