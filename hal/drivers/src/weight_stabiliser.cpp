#include "checkpoint/hal/drivers/weight_stabiliser.hpp"

#include <cmath>
#include <sstream>

namespace checkpoint::hal::drivers {

WeightStabiliser::Result WeightStabiliser::Feed(const WeightSample& s) {
  if (!std::isfinite(s.kg)) {
    stable_count_ = 0;
    return protocols::FrameError{"malformed", "weight is not a finite number"};
  }
  const bool empty = std::fabs(s.kg) <= o_.tolerance_kg;
  if (s.out_of_range || (!empty && (s.kg < o_.min_kg || s.kg > o_.max_kg))) {
    stable_count_ = 0;
    if (in_excursion_) return std::monostate{};
    in_excursion_ = true;
    std::ostringstream os;
    if (s.out_of_range) {
      os << "the indicator reports over/under range";
    } else {
      os << "weight " << s.kg << " kg outside " << o_.min_kg << ".." << o_.max_kg << " kg";
    }
    return protocols::FrameError{"out_of_range", os.str()};
  }
  in_excursion_ = false;
  if (s.motion) {
    stable_count_ = 0;
    return std::monostate{};
  }
  if (stable_count_ > 0 && std::fabs(s.kg - candidate_kg_) <= o_.resolution_kg) {
    ++stable_count_;
  } else {
    candidate_kg_ = s.kg;
    stable_count_ = 1;
  }
  if (stable_count_ != o_.stable_frames) return std::monostate{};
  if (empty) {
    last_reported_kg_.reset();  // the vehicle has left: the next one is reported
    return std::monostate{};
  }
  if (last_reported_kg_ && std::fabs(s.kg - *last_reported_kg_) <= o_.tolerance_kg) {
    return std::monostate{};
  }
  last_reported_kg_ = s.kg;
  WeightReading r;
  r.net = s.net;
  r.tare_kg = s.tare_kg;
  r.gross_kg = s.net ? s.kg + s.tare_kg : s.kg;
  return r;
}

void WeightStabiliser::Reset() {
  stable_count_ = 0;
  in_excursion_ = false;
  last_reported_kg_.reset();
}

}  // namespace checkpoint::hal::drivers
