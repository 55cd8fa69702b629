#include "checkpoint/agent/trusted_time.hpp"

#include <algorithm>

namespace checkpoint::agent {

TrustedTime::TrustedTime(const common::Clock& clock, std::int64_t floor_ms,
                         std::optional<std::int64_t> stored_hq_ms)
    : clock_(clock), floor_ms_(std::max(floor_ms, stored_hq_ms.value_or(floor_ms))) {}

void TrustedTime::ObserveHq(std::int64_t hq_time_ms) {
  std::lock_guard lock(mu_);
  hq_ms_ = hq_time_ms;
  hq_steady_ms_ = clock_.SteadyMs();
}

std::int64_t TrustedTime::NowMs() const {
  std::lock_guard lock(mu_);
  if (hq_ms_) return *hq_ms_ + (clock_.SteadyMs() - hq_steady_ms_);
  return std::max(clock_.WallMs(), floor_ms_);
}

std::optional<std::int64_t> TrustedTime::last_hq_ms() const {
  std::lock_guard lock(mu_);
  return hq_ms_;
}

}  // namespace checkpoint::agent
