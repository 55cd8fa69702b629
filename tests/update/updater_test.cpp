// The update state machine in process: the table, the record, and every way a trial
// ends (commit, failed check, missed deadline, crash loop, technician), with the
// store's schema following the slot on a real SQLite file; each on directory slots
// and on a GRUB board (a real grubenv through the real grub-editenv).
#include <catch2/catch.hpp>
#include <set>

#include "box.hpp"
#include "checkpoint/update/errors.hpp"

namespace checkpoint::update {

using namespace testing;
using V = HealthReport::Verdict;

TEST_CASE("the table: one row per (state, event), every state reachable", "[update]") {
  std::set<std::pair<State, Event>> seen;
  std::set<State> reached = {State::kIdle};
  for (const auto& t : Transitions()) {
    INFO(StateName(t.from) << " × " << EventName(t.event));
    CHECK(seen.insert({t.from, t.event}).second);
    reached.insert(t.to);
    CHECK(Find(t.from, t.event)->to == t.to);
  }
  for (int s = 0; s <= static_cast<int>(State::kFailed); ++s) {
    INFO(StateName(static_cast<State>(s)));
    CHECK(reached.count(static_cast<State>(s)) == 1);
    CHECK(ParseState(StateName(static_cast<State>(s))) == static_cast<State>(s));
  }
  // Nothing in progress is ever abandoned for a new image.
  for (State busy : {State::kVerifying, State::kInstalling, State::kInstalled, State::kTrial,
                     State::kRollingBack}) {
    CHECK_FALSE(Find(busy, Event::kInstall));
  }
  // A rollback always ends in rolled-back, whatever the cause.
  for (const auto& t : Transitions()) {
    if (t.to == State::kRollingBack) CHECK(t.action == Action::kRollback);
  }
}

TEST_CASE("the record is versioned JSON; another format is refused", "[update]") {
  UpdateRecord r;
  r.state = State::kTrial;
  r.pending = Action::kStartTrial;
  r.target = Slot::kB;
  r.target_version = 4;
  r.previous_schema = 6;
  r.hq_contact_at_start = 123;
  r.findings = {"x"};
  auto back = Must(ParseRecord(RecordJson(r)));
  CHECK(back.state == State::kTrial);
  CHECK(back.pending == Action::kStartTrial);
  CHECK(back.target == Slot::kB);
  CHECK(back.target_version == 4);
  CHECK(back.previous_schema == 6);
  CHECK(back.hq_contact_at_start == 123);
  CHECK(back.findings == std::vector<std::string>{"x"});
  std::string newer = RecordJson(r);
  newer.replace(newer.find("\"format\": 1"), 11, "\"format\": 2");
  auto refused = ParseRecord(newer);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().Is(UpdateErrc::kState));
  CHECK_FALSE(ParseRecord("{"));
  CHECK_FALSE(ParseRecord(R"({"format":1,"state":"trial"})"));
  std::string no_target = RecordJson(r);
  no_target.replace(no_target.find("\"b\""), 3, "null");
  CHECK_FALSE(ParseRecord(no_target));
}

TEST_CASE("install, reboot into the trial, a passing check commits", "[update]") {
  Box box(GENERATE(Board::kDirectory, Board::kGrub));
  auto u = box.Open();
  Must(u.Install(box.Image(2)));
  CHECK(u.record().state == State::kInstalled);
  CHECK(u.record().target == Slot::kB);
  CHECK(u.record().previous_version == 1);
  CHECK(u.record().previous_schema == static_cast<int>(store::ProductMigrations().size()));
  CHECK(box.Env().boot_slot == Slot::kB);
  CHECK(box.Env().upgrade_available);
  CHECK(box.Booted() == Slot::kA);
  // Before the reboot a check changes nothing and asks no health.
  Must(u.TrialCheck());
  CHECK(u.record().state == State::kInstalled);
  CHECK(box.health.checks == 0);

  box.Boot();
  box.health.contact = 500;
  Must(u.TrialCheck());
  CHECK(u.record().state == State::kCommitted);
  CHECK(u.record().trial_started_ms == box.now);
  CHECK(u.record().hq_contact_at_start == 500);
  CHECK(u.record().floor == 2);
  CHECK(box.Env().boot_slot == Slot::kB);
  CHECK_FALSE(box.Env().upgrade_available);
  CHECK_FALSE(std::filesystem::exists(u.record().image));
  // The next update goes to the other slot, now the inactive one.
  Must(u.Install(box.Image(3)));
  CHECK(u.record().target == Slot::kA);
  CHECK(u.record().previous_version == 2);
}

TEST_CASE("a trial that is not healthy before its deadline rolls back, store schema too",
          "[update]") {
  Box box(GENERATE(Board::kDirectory, Board::kGrub));
  const int old_schema = SchemaOf(box.Db());
  auto u = box.Open();
  Must(u.Install(box.Image(2)));
  box.Boot();
  MigrateForward(box.Db());  // the new slot's firmware opens the store
  REQUIRE(SchemaOf(box.Db()) == old_schema + 1);
  box.health.verdict = V::kPending;
  Must(u.TrialCheck());
  CHECK(u.record().state == State::kTrial);
  CHECK(u.record().findings.size() == 1);
  box.now += 60'000;  // at the deadline: still waiting
  Must(u.TrialCheck());
  CHECK(u.record().state == State::kTrial);
  box.now += 1;
  Must(u.TrialCheck());
  CHECK(u.record().state == State::kRolledBack);
  CHECK_THAT(u.record().error, Catch::Contains("deadline"));
  CHECK(SchemaOf(box.Db()) == old_schema);
  CHECK_FALSE(HasTable(box.Db(), "firmware_v2_feature"));
  CHECK(box.Env().boot_slot == Slot::kA);
  CHECK_FALSE(box.Env().upgrade_available);
  // The old firmware opens its store as it knows it.
  Must(store::Store::Open({.path = box.Db(), .device_id = "box-1", .read_only = true}));
  box.Boot();
  CHECK(box.Booted() == Slot::kA);
  CHECK(u.record().floor == 0);  // never committed
}

TEST_CASE("a failed health check rolls back at once", "[update]") {
  Box box(GENERATE(Board::kDirectory, Board::kGrub));
  auto u = box.Open();
  Must(u.Install(box.Image(2)));
  box.Boot();
  box.health.verdict = V::kFailed;
  Must(u.TrialCheck());
  CHECK(u.record().state == State::kRolledBack);
  CHECK_THAT(u.record().error, Catch::Contains("health check failed"));
  CHECK(box.Env().boot_slot == Slot::kA);
}

TEST_CASE("a crash loop: the bootloader falls back past bootlimit and the updater rolls back",
          "[update]") {
  Box box(GENERATE(Board::kDirectory, Board::kGrub));
  const int old_schema = SchemaOf(box.Db());
  auto u = box.Open();
  Must(u.Install(box.Image(2)));
  SECTION("the new slot never got as far as its first check") {
    for (int i = 0; i < 4; ++i) {
      box.Boot();
      if (i == 0) MigrateForward(box.Db());
    }
  }
  SECTION("the trial started, then the new firmware kept crashing") {
    box.Boot();
    MigrateForward(box.Db());
    box.health.verdict = V::kPending;
    Must(u.TrialCheck());
    REQUIRE(u.record().state == State::kTrial);
    for (int i = 0; i < 3; ++i) box.Boot();
  }
  REQUIRE(box.Booted() == Slot::kA);  // the bootloader's fallback
  Must(u.TrialCheck());               // the old slot's updater, at its start
  CHECK(u.record().state == State::kRolledBack);
  CHECK_THAT(u.record().error, Catch::Contains("fell back"));
  CHECK(SchemaOf(box.Db()) == old_schema);
  CHECK(box.Env().boot_slot == Slot::kA);
}

TEST_CASE("a trial past bootlimit is rolled back even if the bootloader did not fall back",
          "[update]") {
  Box box(GENERATE(Board::kDirectory, Board::kGrub));
  auto u = box.Open();
  Must(u.Install(box.Image(2)));
  box.Boot();
  box.health.verdict = V::kPending;
  Must(u.TrialCheck());
  // A bootloader that counts but never falls back (a broken altbootcmd).
  auto env = box.Env();
  env.bootcount = env.bootlimit + 1;
  Must(box.slots->WriteEnv(env));
  Must(u.TrialCheck());
  CHECK(u.record().state == State::kRolledBack);
  CHECK_THAT(u.record().error, Catch::Contains("bootlimit"));
}

TEST_CASE("downgrades are refused unless signed as such; nothing is armed", "[update]") {
  Box box(GENERATE(Board::kDirectory, Board::kGrub));
  auto u = box.Open();
  Must(u.Install(box.Image(3)));
  box.Boot();
  Must(u.TrialCheck());
  REQUIRE(u.record().state == State::kCommitted);
  const BootEnv before = box.Env();
  for (std::int64_t v : {2, 3}) {
    auto r = u.Install(box.Image(v));
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message(), Catch::Contains("not signed as a downgrade"));
    CHECK(u.record().state == State::kFailed);
    CHECK(BootEnvText(box.Env()) == BootEnvText(before));
    CHECK(Must(box.slots->Info(Slot::kA)).version == 1);  // inactive slot untouched
  }
  // After a cancelled install the floor still says 3.
  Must(u.Install(box.Image(4)));
  Must(u.Rollback());
  CHECK(u.record().state == State::kRolledBack);
  CHECK_FALSE(u.Install(box.Image(3)));
  Must(u.Install(box.Image(2, true)));
  CHECK(u.record().state == State::kInstalled);
  CHECK(u.record().target_version == 2);
}

TEST_CASE("foreign, unpinned and wrong-hardware images are refused", "[update]") {
  Box box;
  auto u = box.Open();
  auto r = u.Install(box.Image(2, false, "board-x"));
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message(), Catch::Contains("is for board-x"));
  const TestKey other = MakeKey();
  WriteFile(box.dir / "foreign.img", MakeImage(other, 2));
  r = u.Install(box.dir / "foreign.img");
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message(), Catch::Contains("not pinned"));
  WriteFile(box.dir / "keys.pem", "not a key");
  r = u.Install(box.Image(2));
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message(), Catch::Contains("firmware-signing key"));
  CHECK_FALSE(box.Env().upgrade_available);
  CHECK(Must(box.slots->Info(Slot::kB)).version == 0);
  // Rotation: a list with the new key added takes both.
  WriteFile(box.dir / "keys.pem", box.key.public_pem + other.public_pem);
  Must(u.Install(box.dir / "foreign.img"));
}

TEST_CASE("events outside the table are refused; one updater at a time", "[update]") {
  Box box(GENERATE(Board::kDirectory, Board::kGrub));
  auto u = box.Open();
  auto r = u.Commit();
  REQUIRE_FALSE(r);
  CHECK(r.error().Is(UpdateErrc::kNotAllowed));
  CHECK_FALSE(u.Rollback());
  auto second = Updater::Open(*box.slots, box.health, box.Options());
  REQUIRE_FALSE(second);
  CHECK(second.error().Is(UpdateErrc::kNotAllowed));
  Must(u.Install(box.Image(2)));
  r = u.Install(box.Image(3));
  REQUIRE_FALSE(r);
  CHECK(r.error().Is(UpdateErrc::kNotAllowed));
  CHECK_FALSE(u.Commit());  // not before the reboot into the trial
  box.Boot();
  box.health.verdict = V::kPending;
  Must(u.TrialCheck());
  Must(u.Commit());  // the technician's override of a pending check
  CHECK(u.record().state == State::kCommitted);
  Must(u.Rollback());  // and back, the old slot still being there
  CHECK(u.record().state == State::kRolledBack);
  CHECK(box.Env().boot_slot == Slot::kA);
}

}  // namespace checkpoint::update
