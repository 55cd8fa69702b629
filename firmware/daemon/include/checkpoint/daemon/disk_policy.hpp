#pragma once
// What checkpointd does as the data directory's disk fills (store/disk.hpp has the
// policy): it checks the level with every heartbeat, records it for `checkpointctl
// status` (state key "store.disk"), logs each change of level once, sheds telemetry
// while the level is not ok, and releases the reserve when a write fails because the
// disk is full.
//
// Threading: every member runs on the store thread (StoreWorker), which owns the
// reserve file as it owns the database, except published_level(), for any thread.

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "checkpoint/common/log.hpp"
#include "checkpoint/daemon/store_faults.hpp"
#include "checkpoint/store/disk.hpp"
#include "checkpoint/store/store.hpp"

namespace checkpoint::daemon {

// What the officer console's banner shows (docs/console.md): one code per problem,
// "storage.readOnly", "storage.corrupt", "storage.io", then "disk.low" or
// "disk.full" (critical); none when healthy.
std::vector<std::string> BoxProblems(store::Fault fault, store::DiskLevel disk);

class DiskPolicy {
 public:
  DiskPolicy(store::DiskGuard guard, log::Logger log)
      : guard_(std::move(guard)), log_(std::move(log)) {}

  // Checks the disk and records the level. Returns the level (the previous one when
  // the free space cannot be read, which is logged).
  store::DiskLevel Check(store::Store& st, std::int64_t now_ms);
  // Writes a telemetry record (lane 2) unless the disk is low, in which case it is
  // shed and counted. Its payload is a JSON object: `health` (the JSON text given),
  // the disk's level and free bytes, and how many telemetry records were shed before
  // it. Returns the outbox seq, or 0 when shed.
  Expected<std::int64_t> RecordTelemetry(store::Store& st, std::string_view uuid,
                                         std::string body_json, std::int64_t now_ms);
  // A write failed with "disk full": releases the reserve (logged). True when a
  // retry may now succeed.
  bool OnDiskFull();

  // Where a failed write of the level is reported (store_faults.hpp). Outlives this.
  void SetStoreFaults(StoreFaults* faults) { faults_ = faults; }

  store::DiskLevel level() const noexcept { return guard_.level(); }
  // The level as last checked, for other threads (the officer console's banner).
  store::DiskLevel published_level() const noexcept {
    return published_.load(std::memory_order_relaxed);
  }
  std::uint64_t shed() const noexcept { return shed_; }
  const store::DiskGuard& guard() const noexcept { return guard_; }

 private:
  void Report(store::Store& st, std::int64_t now_ms);

  store::DiskGuard guard_;
  log::Logger log_;
  StoreFaults* faults_ = nullptr;
  bool checked_ = false;
  store::DiskLevel reported_ = store::DiskLevel::kOk;
  std::uint64_t shed_ = 0;        // telemetry records shed since the last one written
  std::uint64_t shed_total_ = 0;  // since start
  std::atomic<store::DiskLevel> published_{store::DiskLevel::kOk};
};

}  // namespace checkpoint::daemon
