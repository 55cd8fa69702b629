#include "checkpoint/common/parallel.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <vector>

using checkpoint::common::ParallelFor;

TEST_CASE("ParallelFor visits every index exactly once", "[common][parallel]") {
  for (unsigned threads : {0u, 1u, 3u, 16u}) {
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{63}, std::size_t{1000}}) {
      std::vector<std::atomic<int>> seen(n);
      ParallelFor(n, 64, threads, [&](std::size_t i) { seen[i].fetch_add(1); });
      for (std::size_t i = 0; i < n; ++i) CHECK(seen[i].load() == 1);
    }
  }
}
