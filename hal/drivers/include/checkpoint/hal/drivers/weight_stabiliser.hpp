#pragma once
// Decides when a weighbridge reading is a weight worth reporting. Indicators
// stream 5-20 frames a second; the officer needs one weight per vehicle:
//  - frames in motion, or flagged out of range by the indicator, are never accepted;
//  - a weight outside [min_kg, max_kg] is refused with one "out_of_range" fault
//    per excursion;
//  - a weight is accepted after `stable_frames` consecutive stable frames within
//    the indicator's resolution of each other;
//  - it is reported once: the next report needs a change of more than
//    `tolerance_kg`, or the bridge emptying (|weight| <= tolerance_kg) in between;
//  - an empty bridge is never reported.
// Pure: tested frame by frame without devices or timers.

#include <optional>
#include <variant>

#include "checkpoint/hal/events.hpp"
#include "checkpoint/hal/protocols/frame_error.hpp"

namespace checkpoint::hal::drivers {

struct WeightSample {
  double kg = 0;  // displayed weight (net when `net`), in kg, signed
  double tare_kg = 0;
  bool net = false;
  bool motion = false;
  bool out_of_range = false;
};

class WeightStabiliser {
 public:
  struct Options {
    double min_kg = 0;
    double max_kg = 100000;
    int stable_frames = 3;
    double tolerance_kg = 10;
    double resolution_kg = 1;  // frames closer than this count as the same weight
  };
  using Result = std::variant<std::monostate, WeightReading, protocols::FrameError>;

  explicit WeightStabiliser(Options o) : o_(o) {}
  Result Feed(const WeightSample& s);
  // After a disconnect: nothing carries over.
  void Reset();

 private:
  Options o_;
  int stable_count_ = 0;
  double candidate_kg_ = 0;
  std::optional<double> last_reported_kg_;
  bool in_excursion_ = false;
};

}  // namespace checkpoint::hal::drivers
