// Any byte stream, fed in arbitrary pieces, must frame exactly as when fed whole,
// within the bound, to documents of MRZ shape that the encoder reproduces.
#include <algorithm>
#include <cstdint>
#include <string_view>

#include "checkpoint/hal/protocols/mrz_framer.hpp"

using namespace checkpoint::hal::protocols;

namespace {
bool ValidShape(const MrzDocument& d) {
  const std::size_t n = d.lines.size();
  if (n != 2 && n != 3) return false;
  const std::size_t len = d.lines[0].size();
  if (n == 3 ? len != 30 : (len != 36 && len != 44)) return false;
  for (const auto& l : d.lines) {
    if (l.size() != len) return false;
    for (char c : l) {
      if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '<')) return false;
    }
  }
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const MrzFramerOptions o{16 + std::size_t{data[0]} % 100, 1 + (std::size_t{data[0]} >> 4) % 4};
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);

  MrzFramer whole(o), pieces(o);
  std::vector<Decoded<MrzDocument>> expected, got;
  whole.Feed(in, expected);
  std::size_t pos = 0, step = 1;
  while (pos < in.size()) {
    std::size_t n = std::min(step, in.size() - pos);
    pieces.Feed(in.substr(pos, n), got);
    pos += n;
    step = step * 3 % 29 + 1;
    if (pieces.buffered() > o.max_line * (o.max_lines + 1)) __builtin_trap();
  }
  if (got != expected) __builtin_trap();

  for (const auto& d : expected) {
    const auto* doc = std::get_if<MrzDocument>(&d);
    if (doc == nullptr) continue;
    if (!ValidShape(*doc) || doc->lines.size() > o.max_lines) __builtin_trap();
    for (bool etx : {false, true}) {
      MrzFramer again(o);
      std::vector<Decoded<MrzDocument>> back;
      again.Feed(EncodeMrz(doc->lines, etx), back);
      if (back.size() != 1 || back[0] != d) __builtin_trap();
    }
  }
  if (auto e = whole.Reset(); e && e->kind != "truncated") __builtin_trap();
  if (whole.buffered() != 0) __builtin_trap();
  return 0;
}
