#include "checkpoint/hal/drivers/weight_stabiliser.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "checkpoint/hal/drivers/flood_limiter.hpp"

using namespace checkpoint::hal;
using namespace checkpoint::hal::drivers;

namespace {
WeightSample Stable(double kg) {
  return WeightSample{kg, 0, false, false, false};
}
WeightSample Moving(double kg) {
  return WeightSample{kg, 0, false, true, false};
}
bool IsReading(const WeightStabiliser::Result& r) {
  return std::holds_alternative<WeightReading>(r);
}
bool IsNothing(const WeightStabiliser::Result& r) {
  return std::holds_alternative<std::monostate>(r);
}
}  // namespace

TEST_CASE("a weight is accepted after N stable frames, once", "[hal][weigh]") {
  WeightStabiliser w({.min_kg = 0, .max_kg = 60000, .stable_frames = 3, .tolerance_kg = 20});
  CHECK(IsNothing(w.Feed(Moving(12000))));
  CHECK(IsNothing(w.Feed(Moving(38000))));
  CHECK(IsNothing(w.Feed(Stable(38420))));
  CHECK(IsNothing(w.Feed(Stable(38420))));
  auto r = w.Feed(Stable(38420));
  REQUIRE(IsReading(r));
  CHECK(std::get<WeightReading>(r).gross_kg == 38420);
  // The same weight keeps streaming: not reported again.
  for (int i = 0; i < 20; ++i) CHECK(IsNothing(w.Feed(Stable(38420))));
  CHECK(IsNothing(w.Feed(Stable(38430))));  // within tolerance
}

TEST_CASE("motion resets stability, an unstable weight is never accepted", "[hal][weigh]") {
  WeightStabiliser w({.stable_frames = 3});
  for (int i = 0; i < 10; ++i) {
    CHECK(IsNothing(w.Feed(Stable(5000))));
    CHECK(IsNothing(w.Feed(Stable(5000))));
    CHECK(IsNothing(w.Feed(Moving(5000))));
  }
  CHECK(IsNothing(w.Feed(Stable(5000))));
  CHECK(IsNothing(w.Feed(Stable(5500))));  // changed: starts again
  CHECK(IsNothing(w.Feed(Stable(5500))));
  CHECK(IsReading(w.Feed(Stable(5500))));
}

TEST_CASE("out of range is refused with one fault per excursion", "[hal][weigh]") {
  WeightStabiliser w({.min_kg = 0, .max_kg = 60000, .stable_frames = 2});
  auto f = w.Feed(Stable(75000));
  REQUIRE(std::holds_alternative<checkpoint::hal::protocols::FrameError>(f));
  CHECK(std::get<checkpoint::hal::protocols::FrameError>(f).kind == "out_of_range");
  for (int i = 0; i < 5; ++i) CHECK(IsNothing(w.Feed(Stable(75000))));
  WeightSample flagged = Stable(100);
  flagged.out_of_range = true;
  CHECK(IsNothing(w.Feed(flagged)));  // still the same excursion
  CHECK(IsNothing(w.Feed(Stable(30000))));
  CHECK(IsReading(w.Feed(Stable(30000))));
  CHECK(std::holds_alternative<checkpoint::hal::protocols::FrameError>(w.Feed(Stable(-500))));
}

TEST_CASE("an empty bridge is not a weight and re-arms reporting", "[hal][weigh]") {
  WeightStabiliser w({.stable_frames = 2, .tolerance_kg = 20});
  CHECK(IsNothing(w.Feed(Stable(0))));
  CHECK(IsNothing(w.Feed(Stable(0))));
  CHECK(IsNothing(w.Feed(Stable(20000))));
  CHECK(IsReading(w.Feed(Stable(20000))));
  CHECK(IsNothing(w.Feed(Stable(5))));
  CHECK(IsNothing(w.Feed(Stable(5))));
  // The next truck weighs the same: reported, since the bridge emptied between.
  CHECK(IsNothing(w.Feed(Stable(20000))));
  CHECK(IsReading(w.Feed(Stable(20000))));
}

TEST_CASE("net readings report gross = net + tare, NaN is refused", "[hal][weigh]") {
  WeightStabiliser w({.stable_frames = 1});
  auto r = w.Feed(WeightSample{14000, 9000, true, false, false});
  REQUIRE(IsReading(r));
  CHECK(std::get<WeightReading>(r).gross_kg == 23000);
  CHECK(std::get<WeightReading>(r).net);
  auto nan = w.Feed(Stable(std::numeric_limits<double>::quiet_NaN()));
  CHECK(std::holds_alternative<checkpoint::hal::protocols::FrameError>(nan));
}

TEST_CASE("the flood limiter allows its rate and refills with time", "[hal][flood]") {
  FloodLimiter f(10);
  int allowed = 0;
  for (int i = 0; i < 100; ++i) allowed += f.Allow(1000) ? 1 : 0;
  CHECK(allowed == 10);
  CHECK_FALSE(f.Allow(1050));
  CHECK(f.Allow(1100));  // 100 ms = one token at 10/s
  int later = 0;
  for (int i = 0; i < 100; ++i) later += f.Allow(5000) ? 1 : 0;
  CHECK(later == 10);          // bursts never exceed the bucket
  CHECK_FALSE(f.Allow(4000));  // time going backwards gives nothing
}
