#pragma once
// The automatic install of a firmware bundle that checkpoint-sync staged
// (docs/update.md, "Automatic install"; ADR 0016). Run by the update check (as
// root, from its timer) after the trial check: when no update is in progress and
// the policy allows, the newest staged image is checked by the updater itself
// (pinned firmware-signing keys, hashes, hardware, anti-downgrade: the agent's
// check is not trusted alone) and installed into the inactive slot; the caller
// then asks systemd for the reboot into the trial.
//
// Each staged bundle is decided once, and the decision is persisted *before* the
// install starts (<state_dir>/auto.json): an image that is not newer is ignored, a
// bad one (malformed, not signed by a pinned key, a file's hash, other hardware)
// refused and reported, never retried in a loop; one that was installed and then
// rolled back is not installed again (a technician's `update install` still can).
// A failure that is not the image's (the pinned keys or the slots unreadable)
// decides nothing: an error, and the next run tries again.
//
// Thread-safety: none; called with the updater's lock held (an open Updater).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "checkpoint/common/error.hpp"
#include "checkpoint/update/updater.hpp"

namespace checkpoint::update {

struct AutoInstallPolicy {
  bool enabled = false;
  // The maintenance window, minutes after midnight UTC, [start, end), wrapping
  // past midnight when start > end; none: any time.
  std::optional<int> window_start_min;
  std::optional<int> window_end_min;
};
bool InMaintenanceWindow(const AutoInstallPolicy& p, std::int64_t now_ms);

// The newest image staged as <dir>/<version>.bin (the agent's
// <data>/bundles/firmware; payloads appear there whole, by rename). The bundle's
// version is HQ's; the image's own is in its signed manifest.
struct StagedImage {
  std::int64_t bundle_version = 0;
  std::filesystem::path path;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
};
// nullopt when the directory is missing or holds no <version>.bin.
Expected<std::optional<StagedImage>> NewestStaged(const std::filesystem::path& dir);

// What was decided about one staged image (auto.json, "format": 1).
struct AutoRecord {
  std::int64_t bundle_version = 0;
  std::uint64_t size = 0;  // with mtime_ns: the same file, not only the same name
  std::int64_t mtime_ns = 0;
  // installing (decided, the install started) | installed | ignored (not newer) |
  // refused (failed a check or the install)
  std::string outcome;
  std::string detail;
  std::int64_t at_ms = 0;
};
std::string AutoRecordJson(const AutoRecord& r);
Expected<AutoRecord> ParseAutoRecord(std::string_view text);
// nullopt when there is none yet.
Expected<std::optional<AutoRecord>> ReadAutoRecord(const std::filesystem::path& state_dir);

enum class AutoOutcome {
  kDisabled,       // auto_install = false
  kBusy,           // an update is in progress
  kNothing,        // nothing staged, or the newest was decided before
  kOutsideWindow,  // a new image waits for the maintenance window
  kIgnored,        // not newer than what runs (or the floor)
  kRefused,        // bad image, or the install failed: reported, not retried
  kInstalled,      // installed: the next start is its trial (reboot now)
};
std::string_view AutoOutcomeName(AutoOutcome o) noexcept;

struct AutoResult {
  AutoOutcome outcome = AutoOutcome::kNothing;
  std::string detail;
};

Expected<AutoResult> AutoInstall(Updater& updater, const AutoInstallPolicy& policy,
                                 const std::filesystem::path& staged_dir, std::int64_t now_ms);

}  // namespace checkpoint::update
