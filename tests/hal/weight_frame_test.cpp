#include "checkpoint/hal/protocols/weight_frame.hpp"

#include <catch2/catch.hpp>
#include <cmath>

using namespace checkpoint::hal::protocols;

TEST_CASE("weight frame: units convert to kilograms", "[hal][weight]") {
  CHECK(KgPerUnit("kg") == 1.0);
  CHECK(KgPerUnit("t") == 1000.0);
  CHECK(KgPerUnit("g") == 0.001);
  CHECK(KgPerUnit("lb") == 0.45359237);
  CHECK_FALSE(KgPerUnit("oz").has_value());
  CHECK_FALSE(KgPerUnit("KG").has_value());  // decoders normalise; anything else is a bug
  CHECK(ToKg(1000, "lb") == Approx(453.59237));
  CHECK(std::isnan(ToKg(1, "st")));
  WeightFrame f{-12.5, 2.5, "t", true, true, false, false, 1, 0, false};
  CHECK(WeightKg(f) == -12500);
  CHECK(TareKg(f) == 2500);
}

TEST_CASE("weight frame: fixed-point counts", "[hal][weight]") {
  CHECK(FromCounts(12345, 2) == 123.45);
  CHECK(FromCounts(5, -2) == 500);
  CHECK(FromCounts(1, 5) == 0.00001);
  CHECK(std::isnan(FromCounts(1, 13)));
  CHECK(ToCounts(123.45, 2, 999999) == 12345U);
  CHECK(ToCounts(-123.45, 2, 999999) == 12345U);  // magnitude; the sign travels apart
  CHECK(ToCounts(500, -2, 999999) == 5U);
  CHECK_FALSE(ToCounts(1e6, 0, 999999).has_value());
  CHECK_FALSE(ToCounts(NAN, 0, 999999).has_value());
  CHECK_FALSE(ToCounts(INFINITY, 0, 999999).has_value());
  CHECK_FALSE(ToCounts(1, 13, 999999).has_value());
  for (std::uint64_t n : {0ULL, 1ULL, 7ULL, 999999ULL, 123456789012ULL}) {
    for (int d = 0; d <= 12; ++d) CHECK(ToCounts(FromCounts(n, d), d, 999999999999ULL) == n);
  }
}
