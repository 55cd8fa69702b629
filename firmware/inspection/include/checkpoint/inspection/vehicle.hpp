#pragma once
// Vehicles in a lane: a plate read, container codes, weighbridge readings, radiation
// portal readings and seal reads of one lane are correlated into a passage and then
// inspected as one.
//
// Correlation (per lane): a passage opens with the first vehicle event of the lane
// (usually the ANPR plate read) and takes every vehicle event of the lane with
// t < t_first + passage_window (steady ms). It closes, and is inspected, when
//  - the window ends (Advance at NextDeadline), or
//  - a plate read arrives while the open passage already has a plate: a new vehicle
//    (the new plate opens the next passage).
// A passage opened by another event (a weight before the plate) takes the first
// plate read that arrives within its window.
//
// Like TravellerInspector: no I/O, time passed in, one thread at a time; the
// Watchlist and the DeclarationProvider are thread-safe and outlive the inspector.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint/hal/events.hpp"
#include "checkpoint/inspection/declarations.hpp"
#include "checkpoint/inspection/pipeline.hpp"
#include "checkpoint/risk/watchlist.hpp"

namespace checkpoint::inspection {

struct VehicleOptions {
  std::chrono::milliseconds passage_window{60'000};
  // Plate candidates (besides the best reading) at or above this confidence are
  // screened too: ANPR confuses O/0, B/8 and the like.
  double plate_candidate_min_confidence = 0.5;
};

class VehicleInspector {
 public:
  VehicleInspector(VehicleOptions options, const risk::Watchlist& watchlist,
                   const DeclarationProvider& declarations);

  // Plate, container, weight, radiation and seal events; others are ignored.
  std::vector<Pending> OnEvent(const hal::DeviceEvent& event, std::int64_t steady_ms);
  std::vector<Pending> Advance(std::int64_t steady_ms);
  std::vector<Pending> Flush();
  std::optional<std::int64_t> NextDeadline() const;
  std::size_t open_passages() const { return open_.size(); }

  struct Passage {
    std::int64_t first_steady_ms = 0;
    std::int64_t first_wall_ms = 0;
    std::optional<hal::DeviceEvent> plate;
    std::vector<hal::DeviceEvent> others;  // containers, weights, radiation, seals
  };
  Pending Inspect(const std::string& lane, const Passage& passage) const;

 private:
  VehicleOptions options_;
  const risk::Watchlist& watchlist_;
  const DeclarationProvider& declarations_;
  std::map<std::string, Passage> open_;  // per lane
};

}  // namespace checkpoint::inspection
