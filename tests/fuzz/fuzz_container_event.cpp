// Any body must decode to container codes of [A-Z0-9]{1,15} (which round-trip
// through the generic encoder) or to a FrameError.
#include <cstdint>
#include <string_view>

#include "checkpoint/hal/protocols/camera_json.hpp"

using namespace checkpoint::hal::protocols;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto d = ParseContainerEvent(in);
  auto* codes = std::get_if<std::vector<checkpoint::hal::ContainerCodeRead>>(&d);
  if (codes == nullptr) return 0;
  for (const auto& c : *codes) {
    if (c.code.empty() || c.code.size() > kMaxContainerChars) __builtin_trap();
    for (char ch : c.code) {
      if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))) __builtin_trap();
    }
    if (!(c.confidence >= 0 && c.confidence <= 1)) __builtin_trap();
    if (c.candidates.empty() || c.candidates.size() > kMaxCandidates) __builtin_trap();
    auto again = ParseContainerEvent(EncodeGenericContainer(c));
    auto* back = std::get_if<std::vector<checkpoint::hal::ContainerCodeRead>>(&again);
    if (back == nullptr || back->size() != 1 || (*back)[0] != c) __builtin_trap();
  }
  return 0;
}
