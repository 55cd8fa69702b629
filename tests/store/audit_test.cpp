// The audit chain detects an edited, inserted or removed entry.
#include <catch2/catch.hpp>

#include "store_fixture.hpp"

using namespace checkpoint;
using namespace checkpoint::store;
using checkpoint::testing::OpenStore;
using checkpoint::testing::TempDir;

namespace {
void AppendN(Store& st, int n) {
  for (int i = 1; i <= n; ++i) {
    AuditEvent e{1000 + i, "officer:17", "record.viewed", "rec-" + std::to_string(i),
                 R"({"booth":"B1"})"};
    REQUIRE(st.audit().Append(e));
  }
}

// Tampering means going around the append-only triggers, as an attacker would.
void DropGuards(Store& st) {
  REQUIRE(st.db().Exec("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"));
}

AuditVerification VerifyOf(Store& st) {
  auto v = st.audit().Verify();
  REQUIRE(v);
  return *v;
}
}  // namespace

TEST_CASE("an intact chain verifies", "[store][audit]") {
  TempDir tmp;
  auto st = OpenStore(tmp / "s.db");
  CHECK(VerifyOf(st).ok);  // empty
  AppendN(st, 10);
  auto v = VerifyOf(st);
  CHECK(v.ok);
  CHECK(v.entries == 10);
  CHECK(v.problem.empty());
}

TEST_CASE("the log refuses updates and deletes", "[store][audit]") {
  TempDir tmp;
  auto st = OpenStore(tmp / "s.db");
  AppendN(st, 2);
  auto upd = st.db().Exec("UPDATE audit_log SET actor = 'x' WHERE id = 1");
  REQUIRE_FALSE(upd);
  CHECK(upd.error().message().find("append-only") != std::string::npos);
  CHECK_FALSE(st.db().Exec("DELETE FROM audit_log WHERE id = 2"));
}

TEST_CASE("an edited entry is detected", "[store][audit]") {
  TempDir tmp;
  auto st = OpenStore(tmp / "s.db");
  AppendN(st, 10);
  DropGuards(st);
  SECTION("a field changed") {
    REQUIRE(st.db().Exec("UPDATE audit_log SET actor = 'officer:99' WHERE id = 4"));
    auto v = VerifyOf(st);
    CHECK_FALSE(v.ok);
    CHECK(v.first_bad_id == 4);
    CHECK(v.problem.find("modified") != std::string::npos);
  }
  SECTION("a field changed and its hash recomputed") {
    AuditEvent forged{1004, "officer:99", "record.viewed", "rec-4", R"({"booth":"B1"})"};
    auto row = st.db().Prepare("SELECT prev_hash FROM audit_log WHERE id = 4");
    REQUIRE(*row->Step());
    common::Digest256 prev{};
    auto bytes = row->BlobColumn(0);
    std::copy(bytes.begin(), bytes.end(), reinterpret_cast<char*>(prev.data()));
    auto h = AuditChain::ComputeHash(prev, 4, forged);
    auto upd = st.db().Prepare("UPDATE audit_log SET actor = 'officer:99', hash = ? WHERE id = 4");
    REQUIRE(upd->Bind(1, Blob{std::span<const std::uint8_t>(h)}));
    REQUIRE(upd->Run());
    auto v = VerifyOf(st);
    CHECK_FALSE(v.ok);
    CHECK(v.first_bad_id == 5);  // the next entry no longer chains
  }
  SECTION("the timestamp changed") {
    REQUIRE(st.db().Exec("UPDATE audit_log SET ts_ms = ts_ms + 1 WHERE id = 10"));
    CHECK(VerifyOf(st).first_bad_id == 10);
  }
}

TEST_CASE("a removed entry is detected", "[store][audit]") {
  TempDir tmp;
  auto st = OpenStore(tmp / "s.db");
  AppendN(st, 10);
  DropGuards(st);
  SECTION("from the middle") {
    REQUIRE(st.db().Exec("DELETE FROM audit_log WHERE id = 5"));
    auto v = VerifyOf(st);
    CHECK_FALSE(v.ok);
    CHECK(v.first_bad_id == 6);
    CHECK(v.problem.find("missing") != std::string::npos);
  }
  SECTION("from the middle, renumbering the rest") {
    REQUIRE(
        st.db().Exec("DELETE FROM audit_log WHERE id = 5; "
                     "UPDATE audit_log SET id = id - 1 WHERE id > 5;"));
    auto v = VerifyOf(st);
    CHECK_FALSE(v.ok);
    CHECK(v.first_bad_id == 5);
  }
  SECTION("from the end") {
    REQUIRE(st.db().Exec("DELETE FROM audit_log WHERE id >= 9"));
    auto v = VerifyOf(st);
    CHECK_FALSE(v.ok);
    CHECK(v.problem.find("head records entry 10") != std::string::npos);
  }
  SECTION("the first entry") {
    REQUIRE(st.db().Exec("DELETE FROM audit_log WHERE id = 1"));
    CHECK(VerifyOf(st).first_bad_id == 2);
  }
}

TEST_CASE("an inserted entry is detected", "[store][audit]") {
  TempDir tmp;
  auto st = OpenStore(tmp / "s.db");
  AppendN(st, 10);
  DropGuards(st);
  SECTION("in the middle, shifting ids") {
    REQUIRE(st.db().Exec(
        "UPDATE audit_log SET id = id + 100 WHERE id > 5; "
        "UPDATE audit_log SET id = id - 99 WHERE id > 100; "
        "INSERT INTO audit_log SELECT 6, ts_ms, actor, 'record.deleted', subject, details, "
        "prev_hash, hash FROM audit_log WHERE id = 5;"));
    auto v = VerifyOf(st);
    CHECK_FALSE(v.ok);
    CHECK(v.first_bad_id == 6);
  }
  SECTION("at the end") {
    REQUIRE(st.db().Exec(
        "INSERT INTO audit_log SELECT 11, ts_ms, actor, action, subject, details, hash, hash "
        "FROM audit_log WHERE id = 10;"));
    auto v = VerifyOf(st);
    CHECK_FALSE(v.ok);
    CHECK(v.first_bad_id == 11);
  }
}

TEST_CASE("appends continue the chain across reopen", "[store][audit]") {
  TempDir tmp;
  {
    auto st = OpenStore(tmp / "s.db");
    AppendN(st, 3);
  }
  auto st = OpenStore(tmp / "s.db");
  AppendN(st, 3);
  auto v = VerifyOf(st);
  CHECK(v.ok);
  CHECK(v.entries == 6);
}
