#pragma once
// One weight report of a weighbridge indicator, as its protocol states it (no unit
// conversion, no policy). Shared by the Mettler Toledo continuous-output codec and the
// common ASCII codec. Which frames make a weight (stable, in range, within bounds, not
// `tare_only`) is the driver's policy; WeightKg/TareKg give it kilograms.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace checkpoint::hal::protocols {

struct WeightFrame {
  // The displayed value in `unit`, signed: negative exactly when `negative` is set
  // (-0.0 for a displayed "-0"). Gross or net according to `net`; 0 when `tare_only`.
  double weight = 0;
  // The tare in `unit`, never negative; 0 when the protocol sent none.
  double tare = 0;
  std::string unit = "kg";  // one of "kg", "lb", "t", "g"
  bool net = false;         // the indicator shows net (gross - tare)
  bool negative = false;
  bool motion = false;        // the indicator is not stable
  bool out_of_range = false;  // over capacity, under zero, or otherwise invalid
  // Resolution of the displayed value: digits after the decimal point, negative for
  // the multipliers of Mettler Toledo continuous output (-1 = x10, -2 = x100).
  int decimals = 0;
  // Display division in units of the last digit (1, 2 or 5); 0 when not sent.
  int increment = 0;
  // The frame reports the tare only (ASCII header "TR"): `tare` holds it, `weight` is 0.
  bool tare_only = false;
  bool operator==(const WeightFrame&) const = default;
};

// Kilograms per `unit` ("kg", "lb", "t", "g"); nullopt for anything else.
[[nodiscard]] std::optional<double> KgPerUnit(std::string_view unit) noexcept;
// `value` (in `unit`) in kilograms. An unknown unit gives NaN, which fails every
// comparison, so a bounds check downstream can never accept it.
[[nodiscard]] double ToKg(double value, std::string_view unit) noexcept;
[[nodiscard]] inline double WeightKg(const WeightFrame& f) noexcept {
  return ToKg(f.weight, f.unit);
}
[[nodiscard]] inline double TareKg(const WeightFrame& f) noexcept {
  return ToKg(f.tare, f.unit);
}

// Fixed-point helpers shared by the weight codecs. `decimals` in [-6, 12].
// FromCounts(12345, 2) == 123.45 (the nearest double); FromCounts(5, -2) == 500.
[[nodiscard]] double FromCounts(std::uint64_t counts, int decimals) noexcept;
// |value| in counts of 10^-decimals, rounded to nearest; nullopt when `value` is not
// finite, `decimals` is out of range or the result exceeds `max_counts`.
[[nodiscard]] std::optional<std::uint64_t> ToCounts(double value, int decimals,
                                                    std::uint64_t max_counts) noexcept;

}  // namespace checkpoint::hal::protocols
