// The updater killed in every state: checkpointctl runs as a real child process and
// ends itself at a chosen point (CHECKPOINT_UPDATE_CRASH_AT, as SIGKILL would: no
// cleanup); the next start's `update trial-check` must resume or roll back, and the
// slots, the boot environment and the store must agree at the end.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "checkpoint/store/store.hpp"
#include "checkpoint/update/slots.hpp"
#include "support/subprocess.hpp"
#include "update_fixture.hpp"

namespace checkpoint::update {

using namespace testing;
using checkpoint::testing::RunCommand;

namespace {

constexpr int kCrashed = 86;  // src/crash_point.hpp

struct CliBox {
  checkpoint::testing::TempDir dir;
  TestKey key = MakeKey();
  std::filesystem::path data = dir / "data";
  std::filesystem::path image = dir / "v2.img";
  std::string crash_at;  // cleared once it fired
  int crashes = 0;

  CliBox() {
    std::filesystem::create_directories(data);
    Must(store::Store::Open({.path = Db(), .device_id = "box-1"}));
    auto slots = Must(DirectorySlots::Open(data / "update" / "slots"));
    WriteFile(data / "update" / "slots" / "a" / "slot.json",
              R"({"version":1,"hardware":"factory","manifest_sha256":""})");
    WriteFile(data / "firmware-signing-keys.pem", key.public_pem);
    WriteFile(image, MakeImage(key, 2));
  }
  std::filesystem::path Db() const { return data / "checkpoint.db"; }

  std::pair<int, std::string> Cli(std::vector<std::string> args, bool with_crash = true) {
    std::vector<std::string> argv = {CHECKPOINTCTL_PATH, "--data-dir", data.string(),
                                     "--json",           "update",     "--allow-offline"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::map<std::string, std::string> env;
    if (with_crash && !crash_at.empty()) env["CHECKPOINT_UPDATE_CRASH_AT"] = crash_at;
    return RunCommand(argv, env);
  }

  nlohmann::json Record() { return nlohmann::json::parse(ReadAll(data / "update" / "state.json")); }

  // Runs a step. If it crashed at the point, checks that the crash left `state`
  // persisted, and runs the next start's `trial-check` in its place, which must
  // exit with `resumed_rc`; otherwise the step must exit with `rc`.
  void Step(std::vector<std::string> args, int rc, int resumed_rc, const std::string& state) {
    auto [code, out] = Cli(args);
    if (code == kCrashed) {
      ++crashes;
      INFO("crashed at " << crash_at);
      CHECK(Record()["state"] == state);
      crash_at.clear();
      std::tie(code, out) = Cli({"trial-check"});
      rc = resumed_rc;
    }
    INFO(out);
    REQUIRE(code == rc);
  }

  // The new slot's firmware opens the store: its newer migration runs.
  void NewFirmwareStarts() { MigrateForward(Db()); }
};

std::string SlotName(const std::filesystem::path& root) {
  return std::filesystem::read_symlink(root / "current").string();
}

}  // namespace

TEST_CASE("killed in every state of an update that commits: resumed to the same end",
          "[update][kill]") {
  const int old_schema = static_cast<int>(store::ProductMigrations().size());
  const std::string point = GENERATE(as<std::string>{}, "verifying", "installing", "slot-write",
                                     "installed", "trial", "committed");
  INFO("crash at " << point);
  CliBox box;
  box.crash_at = point;
  const std::string install_state = point == "slot-write" ? "installing" : point;
  // Install: a crash is resumed by the next start, which finds the slot armed.
  box.Step({"install", box.image.string()}, 0, 3, install_state);
  REQUIRE(box.Record()["state"] == "installed");
  REQUIRE(box.Cli({"simulate-boot"}, false).first == 0);
  box.NewFirmwareStarts();
  // The first check of the trial: the daemon has not reported yet.
  box.Step({"trial-check"}, 3, 3, point);
  REQUIRE(box.Record()["state"] == "trial");
  ReportDaemonUp(box.Db());
  box.Step({"trial-check"}, 0, 0, point);

  CHECK(box.crashes == 1);  // the point was reached, and only once
  const auto rec = box.Record();
  CHECK(rec["state"] == "committed");
  CHECK(rec["pending_action"] == "none");
  CHECK(rec["floor"] == 2);
  const auto root = box.data / "update" / "slots";
  CHECK(ReadAll(root / "bootenv") ==
        "boot_slot=b\nupgrade_available=0\nbootcount=0\nbootlimit=3\n");
  CHECK(SlotName(root) == "b");
  for (const auto& [name, bytes] : SampleFiles(2)) CHECK(ReadAll(root / "b" / name) == bytes);
  CHECK_FALSE(std::filesystem::exists(root / ".b.new"));
  CHECK(SchemaOf(box.Db()) == old_schema + 1);  // the new firmware keeps its schema
}

TEST_CASE("killed in every state of a rollback: the store and the boot selector go back",
          "[update][kill]") {
  const int old_schema = static_cast<int>(store::ProductMigrations().size());
  const std::string point =
      GENERATE(as<std::string>{}, "rolling-back", "store-rolled-back", "rolled-back");
  INFO("crash at " << point);
  CliBox box;
  box.Step({"install", box.image.string()}, 0, 0, "");
  REQUIRE(box.Cli({"simulate-boot"}, false).first == 0);
  box.NewFirmwareStarts();
  box.Step({"trial-check"}, 3, 3, "");
  REQUIRE(HasTable(box.Db(), "firmware_v2_feature"));
  box.crash_at = point;
  const std::string state = point == "store-rolled-back" ? "rolling-back" : point;
  box.Step({"rollback"}, 0, 4, state);
  CHECK(box.crashes == 1);

  CHECK(box.Record()["state"] == "rolled-back");
  CHECK(SchemaOf(box.Db()) == old_schema);
  CHECK_FALSE(HasTable(box.Db(), "firmware_v2_feature"));
  const auto root = box.data / "update" / "slots";
  CHECK(ReadAll(root / "bootenv") ==
        "boot_slot=a\nupgrade_available=0\nbootcount=0\nbootlimit=3\n");
  auto [rc, out] = box.Cli({"status"}, false);
  REQUIRE(rc == 0);
  CHECK(nlohmann::json::parse(out)["reboot_required"] == true);
  REQUIRE(box.Cli({"simulate-boot"}, false).first == 0);
  CHECK(SlotName(root) == "a");
  // The old firmware opens the store at the schema it knows.
  Must(store::Store::Open({.path = box.Db(), .device_id = "box-1", .read_only = true}));
}

TEST_CASE("killed after refusing an image: failed stays failed, nothing armed, the next works",
          "[update][kill]") {
  CliBox box;
  WriteFile(box.dir / "v1.img", MakeImage(box.key, 1));  // not above the running v1
  box.crash_at = "failed";
  box.Step({"install", (box.dir / "v1.img").string()}, 1, 0, "failed");
  CHECK(box.crashes == 1);
  CHECK(box.Record()["state"] == "failed");
  CHECK_THAT(box.Record()["error"].get<std::string>(), Catch::Contains("downgrade"));
  CHECK(ReadAll(box.data / "update" / "slots" / "bootenv") ==
        "boot_slot=a\nupgrade_available=0\nbootcount=0\nbootlimit=3\n");
  box.Step({"install", box.image.string()}, 0, 0, "");
  CHECK(box.Record()["state"] == "installed");
}

TEST_CASE("a crash loop through the CLI: bootloader fallback, rollback at the next start",
          "[update][kill]") {
  CliBox box;
  box.Step({"install", box.image.string()}, 0, 0, "");
  for (int boot = 0; boot < 4; ++boot) {
    REQUIRE(box.Cli({"simulate-boot"}, false).first == 0);
    if (boot == 0) box.NewFirmwareStarts();  // and crashes before any check
  }
  auto [rc, out] = box.Cli({"trial-check"});
  INFO(out);
  CHECK(rc == 4);
  const auto j = nlohmann::json::parse(out);
  CHECK(j["state"] == "rolled-back");
  CHECK(j["booted_slot"] == "a");
  CHECK(j["reboot_required"] == false);
  CHECK(SchemaOf(box.Db()) == static_cast<int>(store::ProductMigrations().size()));
}

TEST_CASE("checkpointctl update: status as JSON, refusals and usage", "[update]") {
  CliBox box;
  auto [rc, out] = box.Cli({"status"});
  REQUIRE(rc == 0);
  auto j = nlohmann::json::parse(out);
  CHECK(j["state"] == "idle");
  CHECK(j["booted_slot"] == "a");
  CHECK(j["slots"]["a"]["version"] == 1);
  CHECK(j["boot_env"]["bootlimit"] == 3);
  std::tie(rc, out) = box.Cli({"commit"});
  CHECK(rc == 1);
  CHECK_THAT(out, Catch::Contains("not allowed in idle"));
  WriteFile(box.dir / "v1.img", MakeImage(box.key, 1));
  std::tie(rc, out) = box.Cli({"install", (box.dir / "v1.img").string()});
  CHECK(rc == 1);
  CHECK_THAT(out, Catch::Contains("not signed as a downgrade"));
  std::tie(rc, out) = box.Cli({"install"});
  CHECK(rc == 2);
  std::tie(rc, out) = box.Cli({"frobnicate"});
  CHECK(rc == 2);
}

}  // namespace checkpoint::update
