// Any byte stream, fed in arbitrary pieces, must decode exactly as when fed whole,
// within the line bound, to reads that are valid and that the encoder reproduces.
#include <algorithm>
#include <cstdint>
#include <string_view>

#include "checkpoint/hal/protocols/seal_line.hpp"

using namespace checkpoint::hal::protocols;

namespace {
bool ValidId(const std::string& id) {
  if (id.size() < SealLineDecoder::kMinCode || id.size() > SealLineDecoder::kMaxCode) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}
bool ValidStatus(const std::optional<std::string>& s) {
  return !s || *s == "intact" || *s == "opened" || *s == "tampered" || *s == "low_battery";
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const SealLineOptions o{4 + std::size_t{data[0]} % 100};
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);

  SealLineDecoder whole(o), pieces(o);
  std::vector<Decoded<checkpoint::hal::SealRead>> expected, got;
  whole.Feed(in, expected);
  std::size_t pos = 0, step = 1;
  while (pos < in.size()) {
    std::size_t n = std::min(step, in.size() - pos);
    pieces.Feed(in.substr(pos, n), got);
    pos += n;
    step = step * 7 % 19 + 1;
    if (pieces.buffered() > o.max_line) __builtin_trap();
  }
  if (got != expected) __builtin_trap();

  for (const auto& d : expected) {
    const auto* r = std::get_if<checkpoint::hal::SealRead>(&d);
    if (r == nullptr) continue;
    if (!ValidId(r->seal_id) || !ValidStatus(r->status)) __builtin_trap();
    if (r->technology != "rfid" && r->technology != "barcode") __builtin_trap();
    SealLineDecoder again;
    std::vector<Decoded<checkpoint::hal::SealRead>> back;
    again.Feed(EncodeSealLine(*r), back);
    if (back.size() != 1 || back[0] != d) __builtin_trap();
  }
  if (auto e = whole.Reset(); e && e->kind != "truncated") __builtin_trap();
  return 0;
}
