#pragma once
// Helpers shared by the inspectors (private to the module).

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "checkpoint/risk/watchlist.hpp"

namespace checkpoint::inspection::detail {

struct Ymd {
  int year = 0, month = 0, day = 0;
};

// The UTC calendar date of a wall time.
inline Ymd UtcDate(std::int64_t wall_ms) {
  using namespace std::chrono;
  const auto days = floor<std::chrono::days>(sys_time<milliseconds>(milliseconds(wall_ms)));
  const year_month_day ymd(days);
  return {static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
          static_cast<int>(static_cast<unsigned>(ymd.day()))};
}

inline nlohmann::json HitsJson(const std::vector<risk::WatchlistHit>& hits) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& h : hits) {
    nlohmann::json hit{{"id", h.id}, {"kind", h.kind}, {"score", h.score}, {"reasons", h.reasons}};
    if (!h.agency.empty()) hit["agency"] = h.agency;
    if (h.share_with) hit["shareWith"] = *h.share_with;  // only when the list set one
    a.push_back(std::move(hit));
  }
  return a;
}

// Microseconds since `t0` on the steady clock.
inline std::int64_t ElapsedUs(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               t0)
      .count();
}

}  // namespace checkpoint::inspection::detail
