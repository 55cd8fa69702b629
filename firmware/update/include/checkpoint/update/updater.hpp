#pragma once
// The A/B updater: drives the state machine of machine.hpp over a Slots and a
// HealthCheck, persisting its record (state.json, versioned) before every action.
//
// Thread-safety: none inside a process; across processes an exclusive lock on
// state_dir/lock lets one updater run at a time (a second one fails at Open).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/update/health.hpp"
#include "checkpoint/update/machine.hpp"
#include "checkpoint/update/slots.hpp"

namespace checkpoint::update {

// The version of state.json's layout. A file of another version is refused (an
// older updater after a rollback must not guess at a newer one's record).
inline constexpr int kRecordFormat = 1;

struct UpdateRecord {
  State state = State::kIdle;
  Action pending = Action::kNone;  // persisted before it runs; run again on resume
  std::string image;               // the staged image (state_dir/image.bin)
  std::optional<Slot> target;      // the slot being installed and tried
  std::int64_t target_version = 0;
  std::int64_t previous_version = 0;  // the version of the slot it replaces
  std::int64_t floor = 0;             // the highest version ever committed
  int previous_schema = -1;           // the store schema the previous slot runs with; -1: no store
  std::int64_t trial_started_ms = 0;
  std::int64_t trial_deadline_ms = 0;
  std::optional<std::int64_t> hq_contact_at_start;
  std::string last_event;
  std::string error;                  // why the last image was refused or rolled back
  std::vector<std::string> findings;  // the last health check's
};
std::string RecordJson(const UpdateRecord& r);
Expected<UpdateRecord> ParseRecord(std::string_view text);

struct UpdaterOptions {
  std::filesystem::path state_dir;  // state.json, lock, the staged image
  std::filesystem::path keys;       // the pinned firmware-signing keys (PEM)
  std::string hardware;             // this box's target id (ThisHardware())
  // The store whose schema must match the slot that runs: on rollback it is taken
  // down to the previous slot's schema with the rollback SQL stored in it. Empty:
  // no store.
  std::filesystem::path database;
  std::int64_t trial_timeout_ms = 15 * 60 * 1000;
  std::function<std::int64_t()> now_ms;  // the wall clock
};

class Updater {
 public:
  // Takes the lock, loads the record (idle when there is none) and resumes: a
  // pending action (the process was killed inside it) runs again.
  static Expected<Updater> Open(Slots& slots, HealthCheck& health, UpdaterOptions options);
  Updater(Updater&&) noexcept;
  Updater& operator=(Updater&&) = delete;
  ~Updater();

  // Verifies `image` and writes it to the inactive slot, which becomes the trial of
  // the next start. Fails (state failed, nothing armed) when any check fails.
  Status Install(const std::filesystem::path& image);
  // The checks of Install's verification (pinned keys, signature, every file's
  // hash, hardware, a version above the running slot's and the floor unless signed
  // as a downgrade), changing nothing: whether Install would take `image` now.
  // kDowngrade when it is not newer.
  Status Admissible(const std::filesystem::path& image);
  // Run at every start and while a trial waits: notices the reboot into the new
  // slot or the bootloader's fallback, counts the trial's boots against bootlimit,
  // and runs the health check: commit, roll back, or wait (state stays trial).
  Status TrialCheck();
  // The technician's override: commit a trial now.
  Status Commit();
  // The technician's: back to the previous slot (from installed, trial, committed).
  Status Rollback();

  const UpdateRecord& record() const noexcept { return rec_; }
  const std::filesystem::path& state_dir() const noexcept { return o_.state_dir; }

 private:
  Updater(Slots& slots, HealthCheck& health, UpdaterOptions options, int lock_fd);
  Status Dispatch(Event e);
  Status RunPending();
  Expected<std::optional<Event>> Run(Action a);
  struct Checked {
    ImageHeader header;
    Slot booted;
    SlotInfo running;
  };
  Expected<Checked> CheckImage(const std::filesystem::path& image);
  Expected<std::optional<Event>> Verify();
  Expected<std::optional<Event>> WriteSlot();
  Status RollBackStore();
  Status Persist();

  Slots* slots_;
  HealthCheck* health_;
  UpdaterOptions o_;
  int lock_fd_ = -1;
  UpdateRecord rec_;
};

}  // namespace checkpoint::update
