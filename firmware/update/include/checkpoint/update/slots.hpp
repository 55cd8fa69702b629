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
#include <utility>
#include <vector>

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

// The bootloader's part of a start (U-Boot's bootcount limit and altbootcmd, the
// counting chain in grub.cfg): during a trial the start is counted, and past
// bootlimit the environment falls back to the other slot, trial over. Returns
// whether `env` changed (and is to be saved).
bool CountBoot(BootEnv& env);

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

// Slots on partitions of a real board, with the boot environment kept by the
// bootloader's own tool (U-Boot's or GRUB's, below): the booted slot comes from the
// kernel command line (`checkpoint.slot=a|b`, set by the boot script), and each
// slot's files live in `<mount>/firmware` on its partition, mounted read-write for
// the update, written with the same swap as DirectorySlots.
class PartitionSlots : public Slots {
 public:
  Expected<Slot> Booted() override;
  Expected<SlotInfo> Info(Slot s) override;
  Status Write(Slot s, const std::filesystem::path& image, const ImageHeader& h) override;

 protected:
  PartitionSlots(std::filesystem::path mount_a, std::filesystem::path mount_b,
                 std::filesystem::path cmdline)
      : mount_a_(std::move(mount_a)), mount_b_(std::move(mount_b)), cmdline_(std::move(cmdline)) {}

 private:
  const std::filesystem::path& Mount(Slot s) const { return s == Slot::kA ? mount_a_ : mount_b_; }
  std::filesystem::path mount_a_, mount_b_, cmdline_;
};

// A board with U-Boot (docs/update.md, "On real hardware: U-Boot"): the boot
// environment through libubootenv's fw_printenv and fw_setenv (all four variables
// in one `fw_setenv -s` write). A variable missing from the environment is an
// error: the board is provisioned with all four.
class UBootEnvSlots final : public PartitionSlots {
 public:
  struct Options {
    std::filesystem::path mount_a;  // where slot a's partition is mounted
    std::filesystem::path mount_b;
    std::filesystem::path cmdline = "/proc/cmdline";
    std::string fw_printenv = "fw_printenv";  // looked up in PATH unless a path
    std::string fw_setenv = "fw_setenv";
  };
  explicit UBootEnvSlots(Options o)
      : PartitionSlots(o.mount_a, o.mount_b, o.cmdline), o_(std::move(o)) {}

  Expected<BootEnv> ReadEnv() override;
  Status WriteEnv(const BootEnv& env) override;

 private:
  Options o_;
};

// GRUB's environment block (grubenv), as GRUB's load_env/save_env and grub-editenv
// read it: exactly 1024 bytes, "# GRUB Environment Block\n", then lines — comments
// starting with '#', or name=value with '\\' and newline escaped by a backslash —
// and '#' padding to the end. Returns the variables in order, values unescaped;
// anything else (another size, no signature, a NUL, a line without '=' or a name
// set twice) is refused: a boot environment is never guessed at.
inline constexpr std::size_t kGrubEnvBlockSize = 1024;
Expected<std::vector<std::pair<std::string, std::string>>> ParseGrubEnvBlock(
    std::string_view block);

// A PC (amd64) with GRUB (docs/update.md, "On real hardware: GRUB"): the four
// variables in the grubenv file, through grub-editenv (Debian package
// grub-common); grub.cfg counts the trial's starts and falls back
// (packaging/grub/checkpoint-ab.cfg). The file is checked before every use: one
// that is missing, of the wrong size or not a GRUB environment block is an error
// (grub-editenv would silently create a missing one, or read a truncated one). A
// write edits a copy beside the file with `grub-editenv COPY set` (all four in one
// call), checks the copy and renames it over the file: all four or none. The
// board's other variables (saved_entry, ...) stay.
class GrubEnvSlots final : public PartitionSlots {
 public:
  struct Options {
    std::filesystem::path mount_a;  // where slot a's partition is mounted
    std::filesystem::path mount_b;
    std::filesystem::path cmdline = "/proc/cmdline";
    std::filesystem::path grubenv = "/boot/grub/grubenv";
    std::string grub_editenv = "grub-editenv";  // looked up in PATH unless a path
  };
  explicit GrubEnvSlots(Options o)
      : PartitionSlots(o.mount_a, o.mount_b, o.cmdline), o_(std::move(o)) {}

  Expected<BootEnv> ReadEnv() override;
  Status WriteEnv(const BootEnv& env) override;

 private:
  // The file's variables, checked against what grub-editenv lists.
  Expected<BootEnv> Read(const std::filesystem::path& file);
  Options o_;
};

}  // namespace checkpoint::update
