#pragma once
// Disk pressure: how full the data directory's file system is, and a reserve that
// lets the records that must never be lost be written when it fills.
//
// The policy (docs/store.md, "When the disk fills"):
//  - ok: everything is written; the reserve file (`reserve.bin`, `reserve_bytes`
//    long) is held in the data directory.
//  - low (free space under `low_bytes`): telemetry is shed (not recorded; the count
//    of what was shed is recorded once the level is ok again), and the sync agent
//    purges synced records at once instead of after their retention.
//  - critical (free space under `critical_bytes`), or a write that failed with
//    "disk full": the reserve is released, so that inspections, decisions and
//    audit entries can still be written while someone frees space.
// Inspections and decisions are never shed: a write that still fails is kept in
// memory and retried, and the officer sees that it is not yet recorded.
// The reserve is taken again only once free space is back over `low_bytes` plus
// the reserve, so that taking it cannot push the level down again.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string_view>

#include "checkpoint/common/error.hpp"

namespace checkpoint::store {

enum class DiskLevel { kOk, kLow, kCritical };
std::string_view DiskLevelName(DiskLevel level) noexcept;

struct DiskThresholds {
  std::uint64_t low_bytes = 256ULL << 20;
  std::uint64_t critical_bytes = 64ULL << 20;
  std::uint64_t reserve_bytes = 32ULL << 20;  // 0: no reserve file
};

// Bytes an unprivileged writer may still use on the file system holding `path`.
Expected<std::uint64_t> FreeBytes(const std::filesystem::path& path);

class DiskGuard {
 public:
  // Free bytes of the data directory's file system (FreeBytes by default; tests
  // inject their own).
  using Probe = std::function<Expected<std::uint64_t>()>;

  DiskGuard(std::filesystem::path data_dir, DiskThresholds thresholds, Probe probe = {});

  // Reads the free space, takes or releases the reserve as the policy says and
  // returns the level. On a probe failure the level is unchanged and the error is
  // returned.
  Expected<DiskLevel> Check();
  // A write failed because the disk is full: releases the reserve. Returns whether
  // it released one (so that a retry may now succeed).
  bool OnDiskFull();

  DiskLevel level() const noexcept { return level_; }
  std::uint64_t free_bytes() const noexcept { return free_; }
  bool reserve_held() const noexcept;
  const std::filesystem::path& reserve_path() const noexcept { return reserve_; }
  const DiskThresholds& thresholds() const noexcept { return t_; }

 private:
  Status TakeReserve();
  bool ReleaseReserve();

  std::filesystem::path reserve_;
  DiskThresholds t_;
  Probe probe_;
  DiskLevel level_ = DiskLevel::kOk;
  std::uint64_t free_ = 0;
};

}  // namespace checkpoint::store
