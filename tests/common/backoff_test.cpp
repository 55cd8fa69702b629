#include "checkpoint/common/backoff.hpp"

#include <catch2/catch.hpp>
#include <set>

using checkpoint::common::ExponentialBackoff;
using std::chrono::milliseconds;

TEST_CASE("backoff grows exponentially and is capped", "[common][backoff]") {
  ExponentialBackoff b(
      {.initial = milliseconds(100), .max = milliseconds(1000), .multiplier = 2, .jitter = 0}, 1);
  CHECK(b.NextInterval() == milliseconds(100));
  CHECK(b.NextInterval() == milliseconds(200));
  CHECK(b.NextInterval() == milliseconds(400));
  CHECK(b.NextInterval() == milliseconds(800));
  CHECK(b.NextInterval() == milliseconds(1000));
  for (int i = 0; i < 200; ++i) CHECK(b.NextInterval() == milliseconds(1000));  // no overflow
  b.Reset();
  CHECK(b.NextInterval() == milliseconds(100));
}

TEST_CASE("jitter stays within [base*(1-j), base] and spreads a fleet", "[common][backoff]") {
  std::set<std::int64_t> firsts;
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    ExponentialBackoff b({.initial = milliseconds(1000), .max = milliseconds(8000), .jitter = 0.5},
                         seed);
    auto first = b.NextInterval();
    CHECK(first >= milliseconds(500));
    CHECK(first <= milliseconds(1000));
    firsts.insert(first.count());
    for (int i = 0; i < 10; ++i) {
      auto w = b.NextInterval();
      CHECK(w <= milliseconds(8000));
      CHECK(w >= milliseconds(1));
    }
  }
  CHECK(firsts.size() > 20);  // 50 devices do not retry in lock-step
}

TEST_CASE("backoff options are sanitised", "[common][backoff]") {
  ExponentialBackoff b(
      {.initial = milliseconds(0), .max = milliseconds(0), .multiplier = 0.1, .jitter = 7}, 3);
  for (int i = 0; i < 10; ++i) CHECK(b.NextInterval() >= milliseconds(1));
}
