// Any document must decode to a plausible reading or a FrameError, within the caps.
#include <cmath>
#include <cstdint>
#include <string_view>

#include "checkpoint/hal/protocols/n42.hpp"

using namespace checkpoint::hal::protocols;

namespace {
bool Plausible(const std::optional<double>& v) {
  return !v || (std::isfinite(*v) && *v >= 0);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto d = ParseN42(in, N42Limits{64 * 1024, 4096});
  if (auto* r = std::get_if<checkpoint::hal::RadiationReading>(&d)) {
    if (!Plausible(r->gamma_cps) || !Plausible(r->neutron_cps) || !Plausible(r->dose_rate_usv_h)) {
      __builtin_trap();
    }
    if (!std::isfinite(r->duration_s) || r->duration_s < 0) __builtin_trap();
    if (r->alarm_text.size() > 1024) __builtin_trap();
    if (r->format != "N42-2006" && r->format != "N42-2011") __builtin_trap();
  } else if (std::get<FrameError>(d).kind.empty()) {
    __builtin_trap();
  }
  return 0;
}
