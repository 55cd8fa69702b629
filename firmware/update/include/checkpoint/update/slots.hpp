#pragma once
// The A/B slots and the boot selector, behind one interface (docs/update.md).
//
// The boot environment holds exactly the variables of U-Boot's A/B scheme with
// CONFIG_BOOTCOUNT_LIMIT, so DirectorySlots (tests, the demo) and a U-Boot or GRUB
// environment on real hardware (docs/update.md, "On real hardware") mean the same:
//   boot_slot          a | b: the slot the bootloader starts
//   upgrade_available  1 while a trial runs: the bootloader counts boots
//   bootcount          boots of the trial so far (the bootloader increments it)
//   bootlimit          above it the bootloader falls back to the other slot
//
// Thread-safety: none; one updater process at a time (the updater takes a lock).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "checkpoint/common/error.hpp"
#include "checkpoint/update/image.hpp"

namespace checkpoint::update {

enum class Slot { kA, kB };
std::string_view SlotName(Slot s) noexcept;
std::optional<Slot> ParseSlot(std::string_view name) noexcept;
constexpr Slot Other(Slot s) noexcept {
  return s == Slot::kA ? Slot::kB : Slot::kA;
}

struct BootEnv {
  Slot boot_slot = Slot::kA;
  bool upgrade_available = false;
  int bootcount = 0;
  int bootlimit = 3;
};
// "boot_slot=a\nupgrade_available=0\nbootcount=0\nbootlimit=3\n", as fw_printenv
// prints them; the parser takes exactly these four variables, each once.
std::string BootEnvText(const BootEnv& env);
Expected<BootEnv> ParseBootEnv(std::string_view text);

// What a slot holds, from its slot.json (written last when a slot is written).
struct SlotInfo {
  std::int64_t version = 0;  // 0: no slot.json (a factory image from before the updater)
  std::string hardware;
  std::string manifest_sha256;  // of the signed manifest text
};

class Slots {
 public:
  virtual ~Slots() = default;

  // The slot the running system was started from.
  virtual Expected<Slot> Booted() = 0;
  virtual Expected<BootEnv> ReadEnv() = 0;
  // Atomic: all four variables or none (a crash leaves the old environment).
  virtual Status WriteEnv(const BootEnv& env) = 0;
  virtual Expected<SlotInfo> Info(Slot s) = 0;
  // Writes the image's files into `s`, which must not be the booted slot, checking
  // each file's size and SHA-256 against `h` as it copies. The slot's old content
  // is replaced whole: a crash leaves no mix of old and new files.
  virtual Status Write(Slot s, const std::filesystem::path& image, const ImageHeader& h) = 0;

  // The operations of the update, on top of the environment:
  // the next start is a trial of `s`, counted by the bootloader;
  Status ArmTrial(Slot s);
  // `s` is the slot to start from now on, trial over;
  Status Commit(Slot s);
  // `bad` is not started again: back to the other slot, trial over.
  Status MarkBad(Slot bad);
};

// Slots as directories under `root`:
//   root/a/, root/b/   the slots' files and slot.json
//   root/current       symlink to a or b: the slot "booted" (swapped atomically)
//   root/bootenv       the boot environment (BootEnvText), written atomically
class DirectorySlots final : public Slots {
 public:
  // Opens `root`, creating an empty layout (slot a booted, no trial) if missing.
  static Expected<std::unique_ptr<DirectorySlots>> Open(const std::filesystem::path& root);

  Expected<Slot> Booted() override;
  Expected<BootEnv> ReadEnv() override;
  Status WriteEnv(const BootEnv& env) override;
  Expected<SlotInfo> Info(Slot s) override;
  Status Write(Slot s, const std::filesystem::path& image, const ImageHeader& h) override;

  // The bootloader's part, for tests and the demo (U-Boot's bootcount and
  // altbootcmd): during a trial the boot is counted, and past bootlimit the
  // environment falls back to the other slot; then `current` points at boot_slot.
  Status SimulateBoot();

  const std::filesystem::path& root() const noexcept { return root_; }

 private:
  explicit DirectorySlots(std::filesystem::path root) : root_(std::move(root)) {}
  std::filesystem::path root_;
};

// Slots on a board with U-Boot (docs/update.md, "On real hardware: U-Boot"): the
// boot environment through libubootenv's fw_printenv and fw_setenv (all four
// variables in one `fw_setenv -s` write), the booted slot from the kernel command
// line (`checkpoint.slot=a|b`, set by the board's boot script), and each slot's
// files in `<mount>/firmware` on its partition, mounted read-write for the update.
// A variable missing from the environment is an error: the board is provisioned
// with all four.
class UBootEnvSlots final : public Slots {
 public:
  struct Options {
    std::filesystem::path mount_a;  // where slot a's partition is mounted
    std::filesystem::path mount_b;
    std::filesystem::path cmdline = "/proc/cmdline";
    std::string fw_printenv = "fw_printenv";  // looked up in PATH unless a path
    std::string fw_setenv = "fw_setenv";
  };
  explicit UBootEnvSlots(Options o) : o_(std::move(o)) {}

  Expected<Slot> Booted() override;
  Expected<BootEnv> ReadEnv() override;
  Status WriteEnv(const BootEnv& env) override;
  Expected<SlotInfo> Info(Slot s) override;
  Status Write(Slot s, const std::filesystem::path& image, const ImageHeader& h) override;

 private:
  const std::filesystem::path& Mount(Slot s) const {
    return s == Slot::kA ? o_.mount_a : o_.mount_b;
  }
  Options o_;
};

}  // namespace checkpoint::update
