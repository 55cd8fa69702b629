#pragma once
// What checkpointd says when the store cannot be written at run time (store/faults.hpp:
// the data directory went read-only, an I/O error, a corrupt database): one critical
// line when the fault begins (and when it changes kind), naming the data directory
// and the technician's procedure, one notice when writes succeed again, and the
// fault in the systemd status line. The writers (inspections, device events,
// heartbeat, telemetry) keep what they could not write in memory and retry; they ask
// OnFailure() whether their own error line is news, so a fault that lasts an hour
// logs a handful of lines, not one per retry.
//
// A corrupt database is also noted in the data directory (store::WriteFaultNote) for
// `checkpointctl status`, since it cannot be recorded in the database.
//
// Thread-safety: every member may be called from any thread.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "checkpoint/common/log.hpp"
#include "checkpoint/store/faults.hpp"

namespace checkpoint::daemon {

// What a store error means for the technician. SQLite reports a file system gone
// read-only under it as an I/O error (or read-only), so the data directory itself
// is probed (store::ProbeWritable) to tell.
struct StoreDiagnosis {
  store::Fault fault = store::Fault::kNone;  // kNone: not a store fault (busy, full, ...)
  std::string title;                         // "data directory read-only", "database corrupt", ...
  std::string probe_error;                   // the probe's error, when the directory refused a file
  std::string action;                        // what to do (names docs/technician.md)
};
StoreDiagnosis DiagnoseStore(const Error& e, const std::filesystem::path& data_dir);

class StoreFaults {
 public:
  // `set_status` shows one line to the service manager (sd_notify STATUS=).
  StoreFaults(std::filesystem::path data_dir, std::filesystem::path database, log::Logger log,
              std::function<void(std::string_view)> set_status = {});

  // A write failed with `e`. True when the caller should log its own line: the
  // error is not a store fault (busy, full: theirs to report), or it is the first
  // of a new fault (logged here too, once). False while the same fault goes on.
  bool OnFailure(const Error& e);
  // A write succeeded: ends a fault (logged once).
  void OnSuccess();

  store::Fault current() const;
  // Failures seen during the current fault (0 when none).
  std::uint64_t failures() const;

  // A fault that flaps (some writes fail, others succeed: a damaged page that only
  // some tables touch) logs its start and its end at most once per this interval.
  static constexpr std::chrono::seconds kRelogInterval{60};

 private:
  const std::filesystem::path data_dir_;
  const std::filesystem::path database_;
  const log::Logger log_;
  const std::function<void(std::string_view)> set_status_;
  mutable std::mutex mu_;
  store::Fault current_ = store::Fault::kNone;
  std::uint64_t failures_ = 0;
  store::Fault last_logged_ = store::Fault::kNone;
  std::chrono::steady_clock::time_point last_logged_at_{};
  std::chrono::steady_clock::time_point last_recovery_logged_at_{};
  bool recovery_logged_ = false;
};

}  // namespace checkpoint::daemon
