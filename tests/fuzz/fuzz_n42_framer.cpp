// Any byte stream, fed in arbitrary pieces, must split exactly as when fed
// whole, and never hold more than the document limit plus the prolog lookahead.
#include <algorithm>
#include <cstdint>
#include <string_view>

#include "checkpoint/hal/protocols/n42.hpp"

using namespace checkpoint::hal::protocols;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const N42FramerOptions options{64 + std::size_t{data[0]} * 16};
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  N42Framer whole(options), pieces(options);
  std::vector<Decoded<std::string>> a, b;
  whole.Feed(in, a);
  whole.Reset(a);
  std::size_t pos = 0, step = 1;
  while (pos < in.size()) {
    std::size_t n = std::min(step, in.size() - pos);
    pieces.Feed(in.substr(pos, n), b);
    pos += n;
    step = step * 5 % 23 + 1;
    if (pieces.buffered() > options.max_bytes + 1024) __builtin_trap();
  }
  pieces.Reset(b);
  if (a != b) __builtin_trap();
  for (const auto& d : a) {
    if (auto* doc = std::get_if<std::string>(&d); doc && doc->size() > options.max_bytes) {
      __builtin_trap();
    }
  }
  return 0;
}
