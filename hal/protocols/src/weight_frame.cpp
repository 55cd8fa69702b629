#include "checkpoint/hal/protocols/weight_frame.hpp"

#include <array>
#include <cmath>
#include <limits>

namespace checkpoint::hal::protocols {
namespace {

constexpr int kMinDecimals = -6;
constexpr int kMaxDecimals = 12;

// Exact powers of ten (all below 2^53, so exactly representable).
constexpr std::array<double, 13> kPow10 = {1e0, 1e1, 1e2, 1e3,  1e4,  1e5, 1e6,
                                           1e7, 1e8, 1e9, 1e10, 1e11, 1e12};

double Pow10(int n) noexcept {
  return kPow10[static_cast<std::size_t>(n)];
}

}  // namespace

std::optional<double> KgPerUnit(std::string_view unit) noexcept {
  if (unit == "kg") return 1.0;
  if (unit == "lb") return 0.45359237;  // international avoirdupois pound, exact
  if (unit == "t") return 1000.0;
  if (unit == "g") return 0.001;
  return std::nullopt;
}

double ToKg(double value, std::string_view unit) noexcept {
  auto factor = KgPerUnit(unit);
  if (!factor) return std::numeric_limits<double>::quiet_NaN();
  return value * *factor;
}

double FromCounts(std::uint64_t counts, int decimals) noexcept {
  if (decimals < kMinDecimals || decimals > kMaxDecimals) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  const auto value = static_cast<double>(counts);
  // Dividing by an exact power of ten rounds once, so 12345 / 100 is the double
  // nearest 123.45 (multiplying by 0.01 would round twice).
  return decimals >= 0 ? value / Pow10(decimals) : value * Pow10(-decimals);
}

std::optional<std::uint64_t> ToCounts(double value, int decimals,
                                      std::uint64_t max_counts) noexcept {
  if (!std::isfinite(value) || decimals < kMinDecimals || decimals > kMaxDecimals) {
    return std::nullopt;
  }
  const double magnitude = std::fabs(value);
  const double scaled = decimals >= 0 ? magnitude * Pow10(decimals) : magnitude / Pow10(-decimals);
  const double rounded = std::round(scaled);
  constexpr std::uint64_t kExact = std::uint64_t{1} << 53;  // larger counts lose digits
  if (rounded > static_cast<double>(max_counts < kExact ? max_counts : kExact)) {
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(rounded);
}

}  // namespace checkpoint::hal::protocols
