#include <catch2/catch.hpp>

#include "store_fixture.hpp"

using namespace checkpoint;
using namespace checkpoint::store;
using checkpoint::testing::OpenStore;
using checkpoint::testing::TempDir;

TEST_CASE("sequence numbers are per device, strictly increasing, never reused", "[store][outbox]") {
  TempDir tmp;
  auto st = OpenStore(tmp / "s.db", "CP-A");
  Outbox a = st.outbox();
  Outbox b(st.db(), "CP-B");
  CHECK(*a.Enqueue(Lane::kRecords, "t", "u1", "{}", 1) == 1);
  CHECK(*a.Enqueue(Lane::kRecords, "t", "u2", "{}", 1) == 2);
  CHECK(*b.Enqueue(Lane::kRecords, "t", "u3", "{}", 1) == 1);
  const std::int64_t both[] = {1, 2};
  CHECK(*a.MarkSynced(both, 100) == 2);
  CHECK(*a.PurgeSynced(101) == 2);
  CHECK_FALSE(a.Find(1)->has_value());
  // Purging the rows does not rewind the counter: HQ deduplicates by (device, seq).
  CHECK(*a.Enqueue(Lane::kRecords, "t", "u4", "{}", 1) == 3);
  CHECK(a.Stats()->last_seq == 3);
}

TEST_CASE("batches take the priority lane first, then by sequence", "[store][outbox]") {
  TempDir tmp;
  auto st = OpenStore(tmp / "s.db");
  Outbox o = st.outbox();
  for (int i = 0; i < 5; ++i) REQUIRE(o.Enqueue(Lane::kTelemetry, "hb", "t", "{}", i));
  for (int i = 0; i < 5; ++i) REQUIRE(o.Enqueue(Lane::kRecords, "rec", "r", "{}", i));
  REQUIRE(o.Enqueue(Lane::kPriority, "alert", "a", "{}", 9));  // seq 11, behind a backlog
  auto batch = o.PendingBatch(3, 1 << 20);
  REQUIRE(batch);
  REQUIRE(batch->size() == 3);
  CHECK((*batch)[0].seq == 11);
  CHECK((*batch)[0].lane == Lane::kPriority);
  CHECK((*batch)[1].seq == 6);
  CHECK((*batch)[2].seq == 7);
}

TEST_CASE("batches are bounded by bytes but never stall on a large entry", "[store][outbox]") {
  TempDir tmp;
  auto st = OpenStore(tmp / "s.db");
  Outbox o = st.outbox();
  REQUIRE(o.Enqueue(Lane::kRecords, "big", "b", std::string(5000, 'x'), 1));
  REQUIRE(o.Enqueue(Lane::kRecords, "small", "s1", std::string(100, 'y'), 1));
  REQUIRE(o.Enqueue(Lane::kRecords, "small", "s2", std::string(100, 'y'), 1));
  auto first = o.PendingBatch(10, 1000);
  REQUIRE(first);
  REQUIRE(first->size() == 1);  // the oversized entry goes alone
  CHECK((*first)[0].payload.size() == 5000);
  const std::int64_t one[] = {1};
  REQUIRE(o.MarkSynced(one, 5));
  auto second = o.PendingBatch(10, 150);
  REQUIRE(second);
  CHECK(second->size() == 1);
  auto third = o.PendingBatch(10, 200);
  CHECK(third->size() == 2);
}

TEST_CASE("marking synced is idempotent and stats follow", "[store][outbox]") {
  TempDir tmp;
  auto st = OpenStore(tmp / "s.db");
  Outbox o = st.outbox();
  REQUIRE(o.Enqueue(Lane::kPriority, "alert", "a", "12345", 1));
  REQUIRE(o.Enqueue(Lane::kRecords, "rec", "r", "123", 1));
  REQUIRE(o.Enqueue(Lane::kTelemetry, "hb", "t", "1", 1));
  auto s = o.Stats();
  REQUIRE(s);
  CHECK(s->pending[0] == 1);
  CHECK(s->pending[1] == 1);
  CHECK(s->pending[2] == 1);
  CHECK(s->pending_bytes == 9);
  const std::int64_t first[] = {1};
  CHECK(*o.MarkSynced(first, 10) == 1);
  CHECK(*o.MarkSynced(first, 20) == 0);  // a replayed acknowledgement changes nothing
  CHECK(*(*o.Find(1))->synced_at_ms == 10);
  CHECK((*o.Find(1))->attempts == 1);  // the attempt that synced it, counted once
  const std::int64_t all[] = {1, 2, 3};
  REQUIRE(o.RecordAttempt(all));
  CHECK((*o.Find(2))->attempts == 1);
  auto s2 = o.Stats();
  CHECK(s2->pending[0] == 0);
  CHECK(s2->synced == 1);
  CHECK(*o.PurgeSynced(10) == 0);  // synced at 10 is not before 10
  CHECK(*o.PurgeSynced(11) == 1);
}

TEST_CASE("a pending batch passes over the entries in flight", "[store][outbox]") {
  TempDir tmp;
  auto st = OpenStore(tmp / "s.db");
  Outbox o = st.outbox();
  for (int i = 0; i < 6; ++i) REQUIRE(o.Enqueue(Lane::kRecords, "rec", "r", "12", i));
  REQUIRE(o.Enqueue(Lane::kPriority, "alert", "a", "12", 9));  // seq 7
  const std::int64_t in_flight[] = {1, 2, 7};
  auto b = o.PendingBatch(3, 1000, in_flight);
  REQUIRE(b);
  REQUIRE(b->size() == 3);
  CHECK((*b)[0].seq == 3);
  CHECK((*b)[2].seq == 5);
  // The byte bound counts only what is returned.
  auto small = o.PendingBatch(10, 4, in_flight);
  REQUIRE(small);
  CHECK(small->size() == 2);
  const std::int64_t all[] = {1, 2, 3, 4, 5, 6, 7};
  auto none = o.PendingBatch(10, 1000, all);
  REQUIRE(none);
  CHECK(none->empty());
}

TEST_CASE("range reads entries in sequence order, synced or not", "[store][outbox]") {
  TempDir tmp;
  auto st = OpenStore(tmp / "s.db");
  Outbox o = st.outbox();
  REQUIRE(o.Enqueue(Lane::kTelemetry, "hb", "t", "1", 1));
  REQUIRE(o.Enqueue(Lane::kPriority, "alert", "a", "2", 2));
  REQUIRE(o.Enqueue(Lane::kRecords, "rec", "r", "3", 3));
  const std::int64_t two[] = {2};
  REQUIRE(o.MarkSynced(two, 10));
  auto r = o.Range(1, 10);
  REQUIRE(r);
  REQUIRE(r->size() == 2);
  CHECK((*r)[0].seq == 2);
  CHECK((*r)[0].synced_at_ms.has_value());
  CHECK((*r)[1].seq == 3);
  CHECK(o.Range(0, 1)->size() == 1);
  CHECK(o.Range(3, 10)->empty());
}

TEST_CASE("the oldest pending sequence number, whatever its lane", "[store][outbox]") {
  TempDir tmp;
  auto st = OpenStore(tmp / "s.db");
  Outbox o = st.outbox();
  CHECK_FALSE(o.OldestPending()->has_value());
  REQUIRE(o.Enqueue(Lane::kRecords, "rec", "r", "1", 1));
  REQUIRE(o.Enqueue(Lane::kTelemetry, "hb", "t", "2", 2));
  REQUIRE(o.Enqueue(Lane::kPriority, "alert", "a", "3", 3));
  CHECK(**o.OldestPending() == 1);
  const std::int64_t one[] = {1};
  REQUIRE(o.MarkSynced(one, 10));
  CHECK(**o.OldestPending() == 2);
  const std::int64_t rest[] = {2, 3};
  REQUIRE(o.MarkSynced(rest, 10));
  CHECK_FALSE(o.OldestPending()->has_value());
}
