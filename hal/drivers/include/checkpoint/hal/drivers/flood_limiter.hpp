#pragma once
// Token bucket per device: at most `rate` deliveries per second on average, bursts
// up to `rate`. Pure (time is passed in), so it is tested without timers.

#include <algorithm>
#include <cstdint>

namespace checkpoint::hal::drivers {

class FloodLimiter {
 public:
  explicit FloodLimiter(std::int64_t rate_per_s)
      : rate_(std::max<std::int64_t>(1, rate_per_s)), tokens_(static_cast<double>(rate_)) {}

  // True when one more delivery fits at steady time `now_ms`.
  bool Allow(std::int64_t now_ms) {
    if (last_ms_ >= 0 && now_ms > last_ms_) {
      tokens_ =
          std::min(static_cast<double>(rate_), tokens_ + static_cast<double>(now_ms - last_ms_) *
                                                             static_cast<double>(rate_) / 1000.0);
    }
    last_ms_ = std::max(last_ms_, now_ms);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

 private:
  std::int64_t rate_;
  double tokens_;
  std::int64_t last_ms_ = -1;
};

}  // namespace checkpoint::hal::drivers
