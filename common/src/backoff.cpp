#include "checkpoint/common/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace checkpoint::common {

ExponentialBackoff::ExponentialBackoff(Options options, std::uint64_t seed)
    : options_(options), rng_(seed) {
  options_.multiplier = std::max(1.0, options_.multiplier);
  options_.jitter = std::clamp(options_.jitter, 0.0, 1.0);
  if (options_.initial.count() < 1) options_.initial = std::chrono::milliseconds(1);
  options_.max = std::max(options_.max, options_.initial);
}

std::chrono::milliseconds ExponentialBackoff::NextInterval() {
  const double initial = static_cast<double>(options_.initial.count());
  const double cap = static_cast<double>(options_.max.count());
  // pow() of a large exponent saturates to inf, which min() then caps.
  double base = std::min(cap, initial * std::pow(options_.multiplier, attempts_));
  if (attempts_ < UINT32_MAX) ++attempts_;
  std::uniform_real_distribution<double> u(1.0 - options_.jitter, 1.0);
  double wait = std::max(1.0, base * u(rng_));
  return std::chrono::milliseconds(static_cast<std::int64_t>(wait));
}

}  // namespace checkpoint::common
