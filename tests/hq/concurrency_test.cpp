// Two HQ instances on one database at once (two connections, two threads): the
// same device's overlapping batches are stored exactly once with the chain checked
// and the contiguous counter right; a token is consumed once; bundle versions stay
// unique and increasing. On PostgreSQL (several instances behind a load balancer)
// and, for the same contract, on SQLite (two processes on one file).
#include <catch2/catch.hpp>
#include <latch>
#include <set>
#include <thread>

#include "checkpoint/hq/bundles.hpp"
#include "hq_fixture.hpp"

using namespace checkpoint;
using namespace checkpoint::testing;

namespace {
// Runs a(db1) and b(db2) at the same moment on two threads; Catch's macros are not
// thread-safe, so the threads only collect errors.
template <typename A, typename B>
std::vector<std::string> Together(hq::HqDatabase& db1, hq::HqDatabase& db2, A&& a, B&& b) {
  std::latch start(2);
  std::string e1, e2;
  std::thread t1([&] {
    start.arrive_and_wait();
    e1 = a(db1);
  });
  std::thread t2([&] {
    start.arrive_and_wait();
    e2 = b(db2);
  });
  t1.join();
  t2.join();
  return {e1, e2};
}
}  // namespace

TEMPLATE_TEST_CASE("two HQ connections ingest one device's overlapping batches exactly once",
                   "[hq][db][pg][concurrency]", SqliteBackend, PostgresBackend) {
  TestType backend;
  auto db1 = backend.Open();
  auto db2 = backend.Open();
  constexpr int kRecords = 240;
  for (int round = 0; round < 3; ++round) {
    RecordChain chain("CP-R" + std::to_string(round), kRecords);
    Must(db1.PutDevice(chain.device, chain.key.Public(), "cert", 1));
    // One side in batches of 40 from the start, the other in batches of 30 from the
    // end backwards, overlapping: what a retry through another instance looks like.
    auto forward = [&](hq::HqDatabase& db) -> std::string {
      for (int first = 1; first <= kRecords; first += 40) {
        auto ack = db.Ingest(chain.device, chain.Items(first, first + 39), 2);
        if (!ack) return ack.error().String();
        if (!ack->rejected.empty()) return "rejected " + ack->rejected[0].reason;
      }
      return {};
    };
    auto backward = [&](hq::HqDatabase& db) -> std::string {
      for (int last = kRecords; last >= 1; last -= 30) {
        auto ack = db.Ingest(chain.device, chain.Items(std::max(1, last - 44), last), 3);
        if (!ack) return ack.error().String();
        if (!ack->rejected.empty()) return "rejected " + ack->rejected[0].reason;
      }
      return {};
    };
    const auto errors = Together(db1, db2, forward, backward);
    CHECK(errors[0] == "");
    CHECK(errors[1] == "");
    CHECK(Must(db1.RecordCount(chain.device)) == kRecords);
    CHECK(Must(db2.Contiguous(chain.device)) == kRecords);
    CHECK(Must(db1.Flags(chain.device)).empty());
    // Once more from either side: only duplicates, the same contiguous prefix.
    auto ack = Must(db2.Ingest(chain.device, chain.Items(1, kRecords), 4));
    CHECK(ack.duplicates == kRecords);
    CHECK(ack.contiguous == kRecords);
  }
}

TEMPLATE_TEST_CASE("two HQ connections: a token is consumed once, bundle versions stay unique",
                   "[hq][db][pg][concurrency]", SqliteBackend, PostgresBackend) {
  TestType backend;
  auto db1 = backend.Open();
  auto db2 = backend.Open();
  constexpr int kTokens = 40;
  for (int i = 0; i < kTokens; ++i) {
    Must(db1.AddToken("tok-" + std::to_string(i), "CP-T", 1, 1'000'000));
  }
  std::atomic<int> consumed{0};
  auto consume = [&](hq::HqDatabase& db) -> std::string {
    for (int i = 0; i < kTokens; ++i) {
      auto ok = db.ConsumeToken("tok-" + std::to_string(i), "CP-T", 5);
      if (!ok) return ok.error().String();
      if (*ok) ++consumed;
    }
    return {};
  };
  auto errors = Together(db1, db2, consume, consume);
  CHECK(errors[0] == "");
  CHECK(errors[1] == "");
  CHECK(consumed == kTokens);

  const auto key = Must(protocol::DeviceKey::Generate());
  std::mutex mu;
  std::vector<std::int64_t> versions;
  auto publish = [&](hq::HqDatabase& db) -> std::string {
    for (int i = 0; i < 10; ++i) {
      auto m = hq::PublishBundle(db.db(), key, {"rules", "r" + std::to_string(i), "r"}, 7);
      if (!m) return m.error().String();
      std::lock_guard lock(mu);
      versions.push_back(m->version);
    }
    return {};
  };
  errors = Together(db1, db2, publish, publish);
  CHECK(errors[0] == "");
  CHECK(errors[1] == "");
  CHECK(std::set<std::int64_t>(versions.begin(), versions.end()).size() == 20);
  CHECK(Must(db2.db().QueryInt("SELECT max(version) FROM bundles")) == 20);
}
