// The automatic install of a staged firmware bundle: the policy (on/off, the
// maintenance window), the choice of the newest staged image, one decision per
// image (installed, ignored, refused; never retried in a loop), in process on a
// box's slots, then through the real checkpointctl with a real configuration.
#include "checkpoint/update/auto_install.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "box.hpp"
#include "checkpoint/update/errors.hpp"
#include "support/subprocess.hpp"

namespace checkpoint::update {

using namespace testing;
using V = HealthReport::Verdict;

namespace {

constexpr std::int64_t kMinute = 60'000;
// 2027-01-15 00:00 UTC, a midnight.
constexpr std::int64_t kMidnight = 1'799'971'200'000;

struct AutoBox : Box {
  using Box::Box;
  std::filesystem::path staged = dir / "data" / "bundles" / "firmware";
  AutoInstallPolicy policy{.enabled = true, .window_start_min = {}, .window_end_min = {}};

  // checkpoint-sync's part: the payload lands whole (written, then renamed).
  std::filesystem::path Stage(std::int64_t bundle_version, const std::string& bytes) {
    std::filesystem::create_directories(staged);
    const auto p = staged / (std::to_string(bundle_version) + ".bin");
    WriteFile(p, bytes);
    return p;
  }
  AutoResult Run(Updater& u) { return Must(AutoInstall(u, policy, staged, now)); }
  AutoRecord Decided() { return *Must(ReadAutoRecord(dir / "update")); }
};

}  // namespace

TEST_CASE("auto-install: the maintenance window, in UTC, wrapping midnight", "[update][auto]") {
  AutoInstallPolicy p{.enabled = true, .window_start_min = {}, .window_end_min = {}};
  CHECK(InMaintenanceWindow(p, kMidnight + 13 * 60 * kMinute));  // no window: any time
  p.window_start_min = 2 * 60;
  p.window_end_min = 4 * 60;
  CHECK_FALSE(InMaintenanceWindow(p, kMidnight + 119 * kMinute));
  CHECK(InMaintenanceWindow(p, kMidnight + 120 * kMinute));
  CHECK(InMaintenanceWindow(p, kMidnight + 239 * kMinute));
  CHECK_FALSE(InMaintenanceWindow(p, kMidnight + 240 * kMinute));
  p.window_start_min = 23 * 60;  // 23:00-01:00
  p.window_end_min = 60;
  CHECK(InMaintenanceWindow(p, kMidnight - 30 * kMinute));
  CHECK(InMaintenanceWindow(p, kMidnight + 59 * kMinute));
  CHECK_FALSE(InMaintenanceWindow(p, kMidnight + 60 * kMinute));
  CHECK_FALSE(InMaintenanceWindow(p, kMidnight + 12 * 60 * kMinute));
}

TEST_CASE("auto-install: the newest <version>.bin is the candidate; other names are not",
          "[update][auto]") {
  AutoBox box;
  CHECK_FALSE(Must(NewestStaged(box.staged)));  // no directory yet
  box.Stage(9, "x");
  box.Stage(10, "y");
  for (const char* junk :
       {"11.bin.part", "011.bin", "12a.bin", ".bin", "installed.json", "9999999999999999.bin"}) {
    WriteFile(box.staged / junk, "z");
  }
  std::filesystem::create_directories(box.staged / "13.bin");  // a directory
  const auto s = Must(NewestStaged(box.staged));
  REQUIRE(s);
  CHECK(s->bundle_version == 10);
  CHECK(s->path == box.staged / "10.bin");
  CHECK(s->size == 1);
}

TEST_CASE("auto-install: a newer staged image is installed once, checked by the updater",
          "[update][auto]") {
  AutoBox box(GENERATE(Board::kDirectory, Board::kGrub));
  auto u = box.Open();
  box.policy.enabled = false;
  box.Stage(7, MakeImage(box.key, 2));
  CHECK(box.Run(u).outcome == AutoOutcome::kDisabled);
  CHECK_FALSE(box.Env().upgrade_available);

  box.policy = {.enabled = true, .window_start_min = 2 * 60, .window_end_min = 4 * 60};
  box.now = kMidnight + 60 * kMinute;
  CHECK(box.Run(u).outcome == AutoOutcome::kOutsideWindow);
  CHECK_FALSE(Must(ReadAutoRecord(box.dir / "update")));  // nothing decided yet
  box.now = kMidnight + 150 * kMinute;
  auto r = box.Run(u);
  CHECK(r.outcome == AutoOutcome::kInstalled);
  CHECK_THAT(r.detail, Catch::Contains("v2 into slot b"));
  CHECK(u.record().state == State::kInstalled);
  CHECK(box.Env().boot_slot == Slot::kB);
  CHECK(box.Env().upgrade_available);
  CHECK(box.Decided().outcome == "installed");
  CHECK(box.Decided().bundle_version == 7);
  // While the update runs, nothing else is picked up.
  box.Stage(8, MakeImage(box.key, 3));
  CHECK(box.Run(u).outcome == AutoOutcome::kBusy);

  SECTION("the trial commits: the same bundle is not installed again") {
    std::filesystem::remove(box.staged / "8.bin");
    box.Boot();
    Must(u.TrialCheck());
    REQUIRE(u.record().state == State::kCommitted);
    CHECK(box.Run(u).outcome == AutoOutcome::kNothing);
    // A copy of the same version under a new file is not newer: ignored, recorded.
    box.Stage(9, MakeImage(box.key, 2));
    r = box.Run(u);
    CHECK(r.outcome == AutoOutcome::kIgnored);
    CHECK_THAT(r.detail, Catch::Contains("is not above v2"));
    CHECK(box.Decided().outcome == "ignored");
    CHECK(u.record().state == State::kCommitted);  // no failed install in the record
    CHECK(box.Run(u).outcome == AutoOutcome::kNothing);
  }
  SECTION("the trial rolls back: the bundle is not installed again, in a loop") {
    box.Boot();
    box.health.verdict = V::kFailed;
    Must(u.TrialCheck());
    REQUIRE(u.record().state == State::kRolledBack);
    std::filesystem::remove(box.staged / "8.bin");
    for (int tick = 0; tick < 3; ++tick) {
      CHECK(box.Run(u).outcome == AutoOutcome::kNothing);
      CHECK(u.record().state == State::kRolledBack);
      CHECK_FALSE(box.Env().upgrade_available);
    }
    // A newer bundle is a new decision.
    box.Stage(8, MakeImage(box.key, 3));
    CHECK(box.Run(u).outcome == AutoOutcome::kInstalled);
    CHECK(u.record().target_version == 3);
  }
}

TEST_CASE("auto-install: a bad image is refused once and reported, not retried", "[update][auto]") {
  AutoBox box;
  auto u = box.Open();
  const TestKey stranger = MakeKey();
  std::string tampered = MakeImage(box.key, 2);
  tampered.back() = static_cast<char>(tampered.back() ^ 1);
  const std::string which =
      GENERATE(as<std::string>{}, "foreign key", "tampered", "garbage", "other hardware");
  INFO(which);
  if (which == "foreign key") box.Stage(5, MakeImage(stranger, 2));
  if (which == "tampered") box.Stage(5, tampered);
  if (which == "garbage") box.Stage(5, std::string(3000, 'g'));
  if (which == "other hardware") box.Stage(5, MakeImage(box.key, 2, "board-x"));
  auto r = box.Run(u);
  CHECK(r.outcome == AutoOutcome::kRefused);
  CHECK_FALSE(r.detail.empty());
  CHECK(box.Decided().outcome == "refused");
  CHECK(box.Decided().detail == r.detail);
  CHECK(u.record().state == State::kIdle);  // never got as far as an install
  CHECK_FALSE(box.Env().upgrade_available);
  CHECK(Must(box.slots->Info(Slot::kB)).version == 0);
  CHECK(box.Run(u).outcome == AutoOutcome::kNothing);  // not retried
  // The agent replacing the file (a new bundle) is a new decision.
  std::filesystem::remove(box.staged / "5.bin");
  box.Stage(6, MakeImage(box.key, 2));
  // Not the image's fault: the pinned keys cannot be read. Nothing is decided, and
  // once they are back the bundle is installed.
  std::filesystem::rename(box.dir / "keys.pem", box.dir / "keys.away");
  auto undecided = AutoInstall(u, box.policy, box.staged, box.now);
  REQUIRE_FALSE(undecided);
  CHECK_THAT(undecided.error().message(), Catch::Contains("bundle 6 undecided"));
  CHECK(box.Decided().bundle_version == 5);
  std::filesystem::rename(box.dir / "keys.away", box.dir / "keys.pem");
  CHECK(box.Run(u).outcome == AutoOutcome::kInstalled);
}

TEST_CASE("auto-install: its record is strictly parsed", "[update][auto]") {
  const AutoRecord r{.bundle_version = 4,
                     .size = 10,
                     .mtime_ns = 5,
                     .outcome = "refused",
                     .detail = "x",
                     .at_ms = 1};
  const auto back = Must(ParseAutoRecord(AutoRecordJson(r)));
  CHECK(back.bundle_version == 4);
  CHECK(back.outcome == "refused");
  std::string other = AutoRecordJson(r);
  other.replace(other.find("\"refused\""), 9, "\"retry\"");
  for (const std::string& bad :
       {std::string("{"), std::string("[]"), std::string(R"({"format":2})"), other,
        std::string(R"({"format":1,"bundle_version":"4","size":1,"mtime_ns":1,"outcome":)"
                    R"("refused","detail":"","at_ms":1})"),
        std::string(R"({"format":1,"bundle_version":4,"size":-1,"mtime_ns":1,"outcome":)"
                    R"("refused","detail":"","at_ms":1})")}) {
    INFO(bad);
    auto p = ParseAutoRecord(bad);
    REQUIRE_FALSE(p);
    CHECK(p.error().Is(UpdateErrc::kState));
  }
}

// ---------------------------------------------------------------- checkpointctl

namespace {

struct CtlBox {
  checkpoint::testing::TempDir dir;
  TestKey key = MakeKey();
  std::filesystem::path data = dir / "data";
  std::filesystem::path config = dir / "etc" / "checkpoint.toml";

  explicit CtlBox(const std::string& update_section) {
    std::filesystem::create_directories(data);
    std::filesystem::create_directories(dir / "etc");
    Must(store::Store::Open({.path = data / "checkpoint.db", .device_id = "box-1"}));
    Must(DirectorySlots::Open(data / "update" / "slots"));
    WriteFile(data / "update" / "slots" / "a" / "slot.json",
              R"({"version":1,"hardware":"factory","manifest_sha256":""})");
    WriteFile(dir / "etc" / "firmware-signing-keys.pem", key.public_pem);
    WriteFile(config, "[device]\nid = \"box-1\"\nsite = \"S1\"\n[paths]\ndata_dir = \"" +
                          data.string() + "\"\n[update]\n" + update_section);
  }
  void Stage(std::int64_t v, const std::string& bytes) {
    std::filesystem::create_directories(data / "bundles" / "firmware");
    WriteFile(data / "bundles" / "firmware" / (std::to_string(v) + ".bin"), bytes);
  }
  std::pair<int, std::string> Ctl(std::vector<std::string> args) {
    std::vector<std::string> argv = {CHECKPOINTCTL_PATH, "--config", config.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return checkpoint::testing::RunCommand(argv, {});
  }
};

}  // namespace

TEST_CASE("checkpointctl update auto: installs a staged bundle (exit 5), then the trial",
          "[update][auto]") {
  CtlBox box("auto_install = true\n");
  // Nothing staged: nothing to do.
  auto [rc, out] = box.Ctl({"update", "--allow-offline", "auto"});
  INFO(out);
  CHECK(rc == 0);
  box.Stage(12, MakeImage(box.key, 2));
  std::tie(rc, out) = box.Ctl({"--json", "update", "--allow-offline", "auto"});
  REQUIRE(rc == 5);  // installed: the unit asks systemd for the restart
  auto j = nlohmann::json::parse(out);
  CHECK(j["state"] == "installed");
  CHECK(j["auto_install"]["outcome"] == "installed");
  CHECK(j["auto_install"]["bundle_version"] == 12);
  // Before the restart: the trial waits (3), nothing is installed twice.
  std::tie(rc, out) = box.Ctl({"update", "--allow-offline", "auto"});
  CHECK(rc == 3);
  std::tie(rc, out) = box.Ctl({"update", "simulate-boot"});
  REQUIRE(rc == 0);
  std::tie(rc, out) = box.Ctl({"update", "--allow-offline", "auto"});
  CHECK(rc == 3);  // the trial began; the daemon has not reported yet
  ReportDaemonUp(box.data / "checkpoint.db");
  std::tie(rc, out) = box.Ctl({"update", "--allow-offline", "auto"});
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("state       committed"));
  CHECK_THAT(out, Catch::Contains("auto        bundle 12 installed: v2 into slot b"));
  std::tie(rc, out) = box.Ctl({"update", "--allow-offline", "auto"});
  CHECK(rc == 0);
  CHECK(nlohmann::json::parse(ReadAll(box.data / "update" / "state.json"))["state"] == "committed");
}

TEST_CASE("checkpointctl update auto: a refused bundle fails once, then shows in status",
          "[update][auto]") {
  CtlBox box("auto_install = true\nmaintenance_window = \"\"\n");
  box.Stage(3, MakeImage(MakeKey(), 2));  // signed by a key that is not pinned
  auto [rc, out] = box.Ctl({"update", "auto"});
  INFO(out);
  CHECK(rc == 1);
  CHECK_THAT(out, Catch::Contains("staged firmware refused"));
  std::tie(rc, out) = box.Ctl({"update", "auto"});
  CHECK(rc == 0);  // decided: not retried every minute
  std::tie(rc, out) = box.Ctl({"status"});
  CHECK(rc == 1);
  CHECK_THAT(out, Catch::Contains("firmware update: bundle 3 REFUSED: "));
  CHECK_THAT(out, Catch::Contains("not pinned"));
  // auto_install off: a staged bundle is left alone.
  CtlBox off("auto_install = false\n");
  off.Stage(3, MakeImage(off.key, 2));
  std::tie(rc, out) = off.Ctl({"update", "auto"});
  CHECK(rc == 0);
  CHECK_FALSE(std::filesystem::exists(off.data / "update" / "auto.json"));
  CHECK_FALSE(std::filesystem::exists(off.data / "update" / "state.json"));
}

}  // namespace checkpoint::update
