// Any byte stream, fed in arbitrary pieces, must decode exactly as when fed
// whole, within the per-tag limits and a bounded buffer.
#include <algorithm>
#include <cstdint>
#include <string_view>

#include "checkpoint/hal/protocols/chip_frame.hpp"

using namespace checkpoint::hal::protocols;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  ChipFrameDecoder whole, pieces;
  std::vector<Decoded<checkpoint::hal::ChipRead>> a, b;
  whole.Feed(in, a);
  whole.Reset(a);
  std::size_t pos = 0, step = 1;
  while (pos < in.size()) {
    std::size_t n = std::min(step, in.size() - pos);
    pieces.Feed(in.substr(pos, n), b);
    pos += n;
    step = step * 7 % 29 + 1;
    if (pieces.buffered() > 2 * (kChipMaxDg2 + kChipMaxSod + kChipMaxDg1 + 16)) __builtin_trap();
  }
  pieces.Reset(b);
  if (a != b) __builtin_trap();
  for (const auto& d : a) {
    auto* r = std::get_if<checkpoint::hal::ChipRead>(&d);
    if (r == nullptr) continue;
    if (r->dg1.empty() || r->dg1.size() > kChipMaxDg1 || r->dg2.size() > kChipMaxDg2 ||
        r->sod.size() > kChipMaxSod) {
      __builtin_trap();
    }
    ChipFrameDecoder again;
    std::vector<Decoded<checkpoint::hal::ChipRead>> c;
    again.Feed(EncodeChipRead(*r), c);
    if (c.size() != 1 || !std::holds_alternative<checkpoint::hal::ChipRead>(c[0]) ||
        std::get<checkpoint::hal::ChipRead>(c[0]) != *r) {
      __builtin_trap();
    }
  }
  return 0;
}
