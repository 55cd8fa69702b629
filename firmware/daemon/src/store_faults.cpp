#include "checkpoint/daemon/store_faults.hpp"

namespace checkpoint::daemon {

namespace {
std::string Advice(store::Fault f) {
  switch (f) {
    case store::Fault::kReadOnly:
    case store::Fault::kIo:
      return "check the disk and the kernel log (a file system remounted read-only after an "
             "error needs fsck), then remount it read-write or reboot; see docs/technician.md, "
             "'Read-only data directory'";
    case store::Fault::kCorrupt:
      return "keep the file; run `checkpointctl verify`, then follow docs/technician.md, "
             "'Corrupt database'";
    case store::Fault::kNone:
      break;
  }
  return {};
}
}  // namespace

StoreDiagnosis DiagnoseStore(const Error& e, const std::filesystem::path& data_dir) {
  StoreDiagnosis d;
  d.fault = store::FaultOf(e);
  if (d.fault == store::Fault::kNone || d.fault == store::Fault::kCorrupt) {
    // A corrupt file is the file's fault; anything else may still be the directory's.
    if (d.fault == store::Fault::kNone) {
      if (auto s = store::ProbeWritable(data_dir); !s) {
        d.fault = store::FaultOf(s.error());
        d.probe_error = s.error().message();
      }
    }
  } else if (auto s = store::ProbeWritable(data_dir); !s) {
    d.fault = store::FaultOf(s.error());
    d.probe_error = s.error().message();
  }
  switch (d.fault) {
    case store::Fault::kNone:
      return d;
    case store::Fault::kCorrupt:
      d.title = "database corrupt";
      break;
    case store::Fault::kReadOnly:
      d.title = d.probe_error.empty() ? "database cannot be written (read-only)"
                                      : "data directory read-only";
      break;
    case store::Fault::kIo:
      d.title = d.probe_error.empty() ? "database I/O error" : "data directory not writable";
      break;
  }
  d.action = Advice(d.fault);
  return d;
}

StoreFaults::StoreFaults(std::filesystem::path data_dir, std::filesystem::path database,
                         log::Logger log, std::function<void(std::string_view)> set_status)
    : data_dir_(std::move(data_dir)),
      database_(std::move(database)),
      log_(std::move(log)),
      set_status_(std::move(set_status)) {}

bool StoreFaults::OnFailure(const Error& e) {
  if (store::FaultOf(e) == store::Fault::kNone) return true;  // busy, full: the caller's
  // Probing creates a file: outside the lock.
  const StoreDiagnosis d = DiagnoseStore(e, data_dir_);
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu_);
    ++failures_;
    if (d.fault == current_) return false;
    current_ = d.fault;
    failures_ = 1;
    // The same fault back soon after it ended: counted, not logged again.
    if (d.fault == last_logged_ && now - last_logged_at_ < kRelogInterval) return false;
    last_logged_ = d.fault;
    last_logged_at_ = now;
    recovery_logged_ = false;
  }
  log_.Critical(
      d.title +
          ": nothing new can be recorded; inspections are held in memory and "
          "retried, the console serves what is stored",
      {{"path", d.fault == store::Fault::kCorrupt ? database_.string() : data_dir_.string()},
       {"error", e.message()},
       {"probe", d.probe_error},
       {"action", d.action}});
  if (d.fault == store::Fault::kCorrupt) {
    if (auto s = store::WriteFaultNote(
            data_dir_, "checkpointd found " + database_.string() + " corrupt: " + e.message());
        !s) {
      log_.Error("cannot note the corrupt database for checkpointctl status",
                 {{"error", s.error().message()}});
    }
  }
  if (set_status_) {
    set_status_("PROBLEM " + d.title + ": nothing new is recorded; see docs/technician.md");
  }
  return true;
}

void StoreFaults::OnSuccess() {
  store::Fault was;
  std::uint64_t failures = 0;
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu_);
    if (current_ == store::Fault::kNone) return;
    was = current_;
    failures = failures_;
    current_ = store::Fault::kNone;
    failures_ = 0;
    if (recovery_logged_ && now - last_recovery_logged_at_ < kRelogInterval) return;
    recovery_logged_ = true;
    last_recovery_logged_at_ = now;
  }
  log_.Notice(
      "store writable again; what was held in memory is being recorded",
      {{"fault", store::FaultName(was)}, {"failed_writes", static_cast<std::int64_t>(failures)}});
  if (set_status_) set_status_("serving");
}

store::Fault StoreFaults::current() const {
  std::lock_guard lock(mu_);
  return current_;
}

std::uint64_t StoreFaults::failures() const {
  std::lock_guard lock(mu_);
  return failures_;
}

}  // namespace checkpoint::daemon
