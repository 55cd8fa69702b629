#pragma once
// Retry as a value: the schedule of waits between attempts, computed without timers
// so that it is tested directly. Exponential growth from `initial` by `multiplier`,
// capped at `max`, with "equal jitter": each wait is drawn uniformly from
// [base * (1 - jitter), base], so a fleet that lost its link at the same moment does
// not come back in lock-step, and no wait exceeds the cap.

#include <chrono>
#include <cstdint>
#include <random>

namespace checkpoint::common {

class ExponentialBackoff {
 public:
  struct Options {
    std::chrono::milliseconds initial{500};
    std::chrono::milliseconds max{60'000};
    double multiplier = 2.0;  // >= 1
    double jitter = 0.5;      // fraction in [0, 1]
  };

  explicit ExponentialBackoff(Options options, std::uint64_t seed = std::random_device{}());

  // The wait before the next attempt; each call counts one failed attempt.
  std::chrono::milliseconds NextInterval();
  // After a success: the next failure waits about `initial` again.
  void Reset() noexcept { attempts_ = 0; }
  std::uint32_t attempts() const noexcept { return attempts_; }
  const Options& options() const noexcept { return options_; }

 private:
  Options options_;
  std::uint32_t attempts_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace checkpoint::common
