#pragma once
// ParallelFor: fn(i) for every i in [0, n), in chunks taken by `threads` threads (the
// caller's included; 0: one per core), returning when all are done. For CPU-bound
// work on independent items (signing, verifying); fn must be thread-safe.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace checkpoint::common {

template <typename Fn>
void ParallelFor(std::size_t n, std::size_t chunk, unsigned threads, Fn&& fn) {
  chunk = std::max<std::size_t>(1, chunk);
  const unsigned wanted =
      threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : threads;
  const std::size_t chunks = (n + chunk - 1) / chunk;
  const auto used = static_cast<unsigned>(std::min<std::size_t>(wanted, chunks));
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t c = next++; c < chunks; c = next++) {
      const std::size_t end = std::min(n, (c + 1) * chunk);
      for (std::size_t i = c * chunk; i < end; ++i) fn(i);
    }
  };
  std::vector<std::jthread> helpers;
  for (unsigned t = 1; t < used; ++t) helpers.emplace_back(work);
  work();
}

}  // namespace checkpoint::common
