// Any body must decode to normalised plate reads (which re-encode and decode
// again) or to a FrameError.
#include <cmath>
#include <cstdint>
#include <string_view>

#include "checkpoint/hal/protocols/camera_json.hpp"

using namespace checkpoint::hal::protocols;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto d = ParsePlateEvent(in);
  auto* plates = std::get_if<std::vector<checkpoint::hal::PlateRead>>(&d);
  if (plates == nullptr) return 0;
  if (plates->size() > kMaxReadsPerEvent) __builtin_trap();
  for (const auto& p : *plates) {
    if (p.plate.empty() || p.plate.size() > 4 * kMaxPlateChars) __builtin_trap();
    if (!(p.confidence >= 0 && p.confidence <= 1)) __builtin_trap();
    if (p.candidates.empty() || p.candidates.size() > kMaxCandidates) __builtin_trap();
    if (p.candidates[0].text != p.plate) __builtin_trap();
    for (const auto& c : p.candidates) {
      if (!(c.confidence >= 0 && c.confidence <= 1)) __builtin_trap();
    }
    auto again = ParsePlateEvent(EncodeOpenAlprPlate(p));
    auto* back = std::get_if<std::vector<checkpoint::hal::PlateRead>>(&again);
    if (back == nullptr || back->size() != 1 || (*back)[0].plate != p.plate) __builtin_trap();
  }
  return 0;
}
