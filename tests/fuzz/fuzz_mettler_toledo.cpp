// Any byte stream, fed in arbitrary pieces, must decode exactly as when fed whole,
// within the frame bound, to frames the encoder reproduces.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "checkpoint/hal/protocols/mettler_toledo.hpp"

using namespace checkpoint::hal::protocols;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  MettlerToledoOptions o;
  o.checksum = (data[0] & 1) != 0;
  o.strip_parity = (data[0] & 2) != 0;
  o.bits.swc_unit = (data[0] & 4) != 0;
  if ((data[0] & 8) != 0) o.bits.motion = StatusBit{1, 6, false};  // a clone's layout
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);

  MettlerToledoDecoder whole(o), pieces(o);
  std::vector<Decoded<WeightFrame>> expected, got;
  whole.Feed(in, expected);
  std::size_t pos = 0, step = 1;
  while (pos < in.size()) {
    std::size_t n = std::min(step, in.size() - pos);
    pieces.Feed(in.substr(pos, n), got);
    pos += n;
    step = step * 3 % 17 + 1;
    if (pieces.buffered() > MettlerToledoDecoder::kFrameSize) __builtin_trap();
  }
  if (got != expected) __builtin_trap();

  for (const auto& d : expected) {
    const auto* f = std::get_if<WeightFrame>(&d);
    if (f == nullptr) continue;
    if (f->decimals < -2 || f->decimals > 5 || !KgPerUnit(f->unit)) __builtin_trap();
    if (!std::isfinite(f->weight) || std::fabs(f->weight) > 99999900.0) __builtin_trap();
    if (f->tare < 0 || f->tare > 99999900.0 || f->negative != std::signbit(f->weight)) {
      __builtin_trap();
    }
    // Whatever decodes, encodes back to a frame that decodes the same.
    auto bytes = EncodeMettlerToledo(*f, o);
    if (!std::holds_alternative<std::string>(bytes)) __builtin_trap();
    MettlerToledoDecoder again(o);
    std::vector<Decoded<WeightFrame>> back;
    again.Feed(std::get<std::string>(bytes), back);
    if (back.size() != 1 || back[0] != d) __builtin_trap();
  }
  if (auto e = whole.Reset(); e && e->kind != "truncated") __builtin_trap();
  if (whole.buffered() != 0) __builtin_trap();
  return 0;
}
