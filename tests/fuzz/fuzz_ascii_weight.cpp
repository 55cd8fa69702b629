// Any byte stream, fed in arbitrary pieces, must decode exactly as when fed whole,
// within the line bound, to frames the encoder reproduces.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "checkpoint/hal/protocols/ascii_weight.hpp"

using namespace checkpoint::hal::protocols;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const AsciiWeightOptions o{8 + std::size_t{data[0]} % 120};
  const auto dialect = (data[0] & 0x80) != 0 ? AsciiDialect::kDiniArgeo : AsciiDialect::kAnd;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);

  AsciiWeightDecoder whole(o), pieces(o);
  std::vector<Decoded<WeightFrame>> expected, got;
  whole.Feed(in, expected);
  std::size_t pos = 0, step = 1;
  while (pos < in.size()) {
    std::size_t n = std::min(step, in.size() - pos);
    pieces.Feed(in.substr(pos, n), got);
    pos += n;
    step = step * 5 % 23 + 1;
    if (pieces.buffered() > o.max_line) __builtin_trap();
  }
  if (got != expected) __builtin_trap();

  for (const auto& d : expected) {
    const auto* f = std::get_if<WeightFrame>(&d);
    if (f == nullptr) continue;
    if (f->decimals < 0 || f->decimals > 12 || !KgPerUnit(f->unit)) __builtin_trap();
    if (!std::isfinite(f->weight) || std::fabs(f->weight) >= 1e12) __builtin_trap();
    if (f->tare < 0 || (f->tare_only && f->weight != 0)) __builtin_trap();
    if (f->out_of_range) continue;  // the A&D encoder blanks those digits on purpose
    auto bytes = EncodeAsciiWeight(*f, dialect);
    if (!std::holds_alternative<std::string>(bytes)) __builtin_trap();
    AsciiWeightDecoder again;
    std::vector<Decoded<WeightFrame>> back;
    again.Feed(std::get<std::string>(bytes), back);
    if (back.size() != 1 || back[0] != d) __builtin_trap();
  }
  if (auto e = whole.Reset(); e && e->kind != "truncated") __builtin_trap();
  return 0;
}
