// The one-transaction guarantee of Store::RecordInspection, on real SQLite files.
#include <catch2/catch.hpp>

#include "store_fixture.hpp"

using namespace checkpoint;
using namespace checkpoint::store;
using checkpoint::testing::OpenStore;
using checkpoint::testing::SampleAudit;
using checkpoint::testing::SampleRecord;
using checkpoint::testing::TempDir;

namespace {
std::int64_t Count(Store& s, const char* table) {
  return *s.db().QueryInt(std::string("SELECT count(*) FROM ") + table);
}
}  // namespace

TEST_CASE("a record, its audit entry and its outbox entry are written together",
          "[store][record]") {
  TempDir tmp;
  auto st = OpenStore(tmp / "s.db");
  auto rec = SampleRecord();
  auto stored = st.RecordInspection(rec, SampleAudit(rec.uuid), Lane::kRecords);
  REQUIRE(stored);
  CHECK(stored->seq == 1);
  CHECK(stored->audit_id == 1);

  auto found = st.inspections().FindByUuid(rec.uuid);
  REQUIRE(found);
  REQUIRE(found->has_value());
  CHECK((*found)->payload_json == rec.payload_json);
  auto entry = st.outbox().Find(stored->seq);
  REQUIRE(entry);
  REQUIRE(entry->has_value());
  CHECK((*entry)->record_uuid == rec.uuid);
  CHECK((*entry)->payload == rec.payload_json);
  CHECK((*entry)->lane == Lane::kRecords);
  CHECK((*entry)->device_id == "CP-T1");
  auto v = st.audit().Verify();
  REQUIRE(v);
  CHECK(v->ok);
  CHECK(v->entries == 1);
}

TEST_CASE("a failure at any step writes none of the three", "[store][record]") {
  TempDir tmp;
  auto st = OpenStore(tmp / "s.db");
  auto first = SampleRecord();
  REQUIRE(st.RecordInspection(first, SampleAudit(first.uuid), Lane::kRecords));

  // Make each of the three writes fail in turn, the way a real fault would surface
  // (a constraint, a full disk): a trigger aborts that table's insert.
  const char* tables[] = {"inspections", "audit_log", "outbox"};
  for (const char* table : tables) {
    DYNAMIC_SECTION("failing insert into " << table) {
      REQUIRE(st.db().Exec(std::string("CREATE TEMP TRIGGER fail BEFORE INSERT ON main.") + table +
                           " BEGIN SELECT RAISE(ABORT, 'injected fault'); END;"));
      auto rec = SampleRecord();
      auto r = st.RecordInspection(rec, SampleAudit(rec.uuid), Lane::kPriority);
      REQUIRE_FALSE(r);
      CHECK(r.error().message().find("injected fault") != std::string::npos);
      CHECK(Count(st, "inspections") == 1);
      CHECK(Count(st, "audit_log") == 1);
      CHECK(Count(st, "outbox") == 1);
      CHECK_FALSE(st.db().InTransaction());
      REQUIRE(st.db().Exec("DROP TRIGGER temp.fail"));

      // The sequence number was not consumed and the chain is intact.
      auto next = SampleRecord();
      auto ok = st.RecordInspection(next, SampleAudit(next.uuid), Lane::kRecords);
      REQUIRE(ok);
      CHECK(ok->seq == 2);
      CHECK(ok->audit_id == 2);
      CHECK(st.audit().Verify()->ok);
    }
  }
}

TEST_CASE("invalid records are refused whole", "[store][record]") {
  TempDir tmp;
  auto st = OpenStore(tmp / "s.db");
  auto rec = SampleRecord();
  rec.payload_json = "{not json";
  auto r = st.RecordInspection(rec, SampleAudit(rec.uuid), Lane::kRecords);
  REQUIRE_FALSE(r);
  CHECK(r.error().Is(StoreErrc::kConstraint));
  auto dup = SampleRecord();
  REQUIRE(st.RecordInspection(dup, SampleAudit(dup.uuid), Lane::kRecords));
  auto r2 = st.RecordInspection(dup, SampleAudit(dup.uuid), Lane::kRecords);  // same uuid
  REQUIRE_FALSE(r2);
  CHECK(Count(st, "inspections") == 1);
  CHECK(Count(st, "outbox") == 1);
  CHECK(Count(st, "audit_log") == 1);
}

TEST_CASE("writing through a read-only store is a clear error", "[store][record]") {
  TempDir tmp;
  { auto st = OpenStore(tmp / "s.db"); }
  auto ro = Store::Open({.path = tmp / "s.db", .device_id = "CP-T1", .read_only = true});
  REQUIRE(ro);
  auto rec = SampleRecord();
  auto r = ro->RecordInspection(rec, SampleAudit(rec.uuid), Lane::kRecords);
  REQUIRE_FALSE(r);
  CHECK(r.error().Is(StoreErrc::kReadOnly));
  CHECK(*ro->inspections().Count() == 0);
}

TEST_CASE("device state keeps key/value pairs", "[store][state]") {
  TempDir tmp;
  auto st = OpenStore(tmp / "s.db");
  auto state = st.state();
  REQUIRE(state.Set("daemon.version", "0.1.0", 1));
  REQUIRE(state.Set("daemon.version", "0.2.0", 2));
  REQUIRE(state.Set("sync.cursor", "42", 3));
  CHECK(**state.Get("daemon.version") == "0.2.0");
  CHECK_FALSE(state.Get("missing")->has_value());
  REQUIRE(state.Remove("sync.cursor"));
  CHECK(state.All()->size() == 1);
}
