// Any byte stream, fed in arbitrary pieces, must split within the bound.
#include <algorithm>
#include <cstdint>
#include <string_view>

#include "checkpoint/hal/protocols/line_splitter.hpp"

using namespace checkpoint::hal::protocols;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t max_line = 1 + data[0] % 64;
  LineSplitter s(max_line);
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<Decoded<Line>> out;
  // Feed in pieces whose sizes come from the input itself.
  std::size_t pos = 0, step = 1;
  while (pos < in.size()) {
    std::size_t n = std::min(step, in.size() - pos);
    s.Feed(in.substr(pos, n), out);
    pos += n;
    step = step * 3 % 17 + 1;
    if (s.buffered() > max_line) __builtin_trap();
  }
  for (const auto& d : out) {
    if (auto* l = std::get_if<Line>(&d); l && l->text.size() > max_line) __builtin_trap();
  }
  return 0;
}
