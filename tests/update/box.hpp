#pragma once
// A box for the updater's in-process tests: slots with a factory image in slot a
// (v1), a real store at this firmware's schema, pinned keys, a fake health check
// and a settable clock. The slots are directories (DirectorySlots, its simulated
// bootloader), or a GRUB board: GrubEnvSlots on a real grubenv file through the
// real grub-editenv, with grub.cfg's part of a start played by Boot() (count,
// fall back, then the kernel command line names the slot started).

#include "checkpoint/update/updater.hpp"
#include "update_fixture.hpp"

namespace checkpoint::update::testing {

class FakeHealth final : public HealthCheck {
 public:
  HealthReport::Verdict verdict = HealthReport::Verdict::kPassed;
  std::optional<std::int64_t> contact;
  int checks = 0;
  std::optional<std::int64_t> LastHqContactMs() override { return contact; }
  HealthReport Check(std::int64_t, std::optional<std::int64_t>) override {
    ++checks;
    if (verdict == HealthReport::Verdict::kPassed) return {verdict, {}};
    return {verdict, {"daemon not running (state unknown)"}};
  }
};

enum class Board { kDirectory, kGrub };

struct Box {
  checkpoint::testing::TempDir dir;
  Board board;
  TestKey key = MakeKey();
  std::unique_ptr<Slots> slots;
  FakeHealth health;
  std::int64_t now = 1'800'000'000'000;

  explicit Box(Board b = Board::kDirectory) : board(b) {
    if (board == Board::kDirectory) {
      slots = Must(DirectorySlots::Open(dir / "slots"));
    } else {
      slots = std::make_unique<GrubEnvSlots>(GrubEnvSlots::Options{.mount_a = dir / "slots" / "a",
                                                                   .mount_b = dir / "slots" / "b",
                                                                   .cmdline = dir / "cmdline",
                                                                   .grubenv = GrubEnv()});
      MakeGrubEnv(GrubEnv());
      WriteFile(dir / "cmdline", "BOOT_IMAGE=/slot-a/vmlinuz checkpoint.slot=a quiet\n");
      std::filesystem::create_directories(SlotDir(Slot::kA));
      std::filesystem::create_directories(SlotDir(Slot::kB));
    }
    WriteFile(SlotDir(Slot::kA) / "slot.json",
              R"({"version":1,"hardware":"factory","manifest_sha256":""})");
    WriteFile(dir / "keys.pem", key.public_pem);
    Must(store::Store::Open({.path = Db(), .device_id = "box-1"}));
  }
  std::filesystem::path GrubEnv() const { return dir / "boot" / "grub" / "grubenv"; }
  // Where slot `s`'s files are.
  std::filesystem::path SlotDir(Slot s) const {
    const auto d = dir / "slots" / std::string(SlotName(s));
    return board == Board::kDirectory ? d : d / "firmware";
  }
  // The bootloader's part of a start.
  void Boot() {
    if (board == Board::kDirectory) {
      Must(static_cast<DirectorySlots&>(*slots).SimulateBoot());
      return;
    }
    // grub.cfg (packaging/grub/checkpoint-ab.cfg): load_env, count a trial's start,
    // fall back past the limit, save_env, start the kernel of boot_slot.
    BootEnv env = Env();
    if (CountBoot(env)) Must(slots->WriteEnv(env));
    WriteFile(dir / "cmdline",
              "BOOT_IMAGE=/slot-" + std::string(SlotName(env.boot_slot)) +
                  "/vmlinuz checkpoint.slot=" + std::string(SlotName(env.boot_slot)) + " quiet\n");
  }
  std::filesystem::path Db() const { return dir / "checkpoint.db"; }
  UpdaterOptions Options() {
    return {.state_dir = dir / "update",
            .keys = dir / "keys.pem",
            .hardware = ThisHardware(),
            .database = Db(),
            .trial_timeout_ms = 60'000,
            .now_ms = [this] { return now; }};
  }
  Updater Open() { return Must(Updater::Open(*slots, health, Options())); }
  std::filesystem::path Image(std::int64_t version, bool allow_downgrade = false,
                              std::string hardware = ThisHardware()) {
    const auto p = dir / ("v" + std::to_string(version) + (allow_downgrade ? "-down" : "") + "-" +
                          hardware + ".img");
    WriteFile(p, MakeImage(key, version, hardware, allow_downgrade));
    return p;
  }
  BootEnv Env() { return Must(slots->ReadEnv()); }
  DirectorySlots& Directory() { return static_cast<DirectorySlots&>(*slots); }
  Slot Booted() { return Must(slots->Booted()); }
};

}  // namespace checkpoint::update::testing
