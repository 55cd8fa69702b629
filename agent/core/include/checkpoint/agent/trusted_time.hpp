#pragma once
// The time the agent validates HQ's certificate against. A box may boot with its
// clock at 1970 or years ahead; TLS against such a clock refuses a valid HQ (or
// accepts an expired one), and the box could never learn the right time from HQ.
// So: once HQ's time has been seen (every acknowledgement and heartbeat carries it),
// the estimate is that time plus the monotonic time elapsed since; before that, the
// device clock, but never earlier than the last HQ time this box stored nor than
// kTimeFloorMs (no certificate of this project predates it).
//
// Thread-safety: all members may be called from any thread.

#include <cstdint>
#include <mutex>
#include <optional>

#include "checkpoint/common/clock.hpp"

namespace checkpoint::agent {

inline constexpr std::int64_t kTimeFloorMs = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

class TrustedTime {
 public:
  // `stored_hq_ms`: the last HQ time persisted by an earlier run, if any.
  TrustedTime(const common::Clock& clock, std::int64_t floor_ms = kTimeFloorMs,
              std::optional<std::int64_t> stored_hq_ms = std::nullopt);

  void ObserveHq(std::int64_t hq_time_ms);
  std::int64_t NowMs() const;
  // The last HQ time observed in this run, if any.
  std::optional<std::int64_t> last_hq_ms() const;

 private:
  const common::Clock& clock_;
  std::int64_t floor_ms_;
  mutable std::mutex mu_;
  std::optional<std::int64_t> hq_ms_;  // observed in this run
  std::int64_t hq_steady_ms_ = 0;      // clock_.SteadyMs() when observed
};

}  // namespace checkpoint::agent
