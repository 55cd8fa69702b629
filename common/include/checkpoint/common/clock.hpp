#pragma once
// The clock behind an interface, so that tests and simulations control time.
// Wall time (for records, which leave the box) and monotonic time (for timeouts)
// are separate: the wall clock of a freshly booted box may say 1970.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace checkpoint::common {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch, UTC.
  virtual std::int64_t WallMs() const = 0;
  // Monotonic milliseconds, arbitrary origin.
  virtual std::int64_t SteadyMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t WallMs() const override;
  std::int64_t SteadyMs() const override;
};

// A clock that moves only when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t wall_ms = 1'700'000'000'000) : wall_(wall_ms) {}
  std::int64_t WallMs() const override { return wall_.load(); }
  std::int64_t SteadyMs() const override { return steady_.load(); }
  void Advance(std::chrono::milliseconds d) {
    wall_ += d.count();
    steady_ += d.count();
  }
  void SetWall(std::int64_t wall_ms) { wall_ = wall_ms; }

 private:
  std::atomic<std::int64_t> wall_;
  std::atomic<std::int64_t> steady_{0};
};

// "2026-11-22T08:53:44.123Z"
std::string FormatUtcMs(std::int64_t wall_ms);

}  // namespace checkpoint::common
