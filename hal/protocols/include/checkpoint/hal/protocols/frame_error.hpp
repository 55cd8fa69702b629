#pragma once
// Results of the pure protocol decoders (hal/protocols): no I/O, no clock, no
// allocation without a bound. Each decoder returns, in input order, either a
// decoded value or a FrameError; an error never stops the decoder, which
// resynchronises on the next frame boundary.

#include <string>
#include <variant>

namespace checkpoint::hal::protocols {

struct FrameError {
  // Stable identifiers, listed in docs/hal.md: "garbage", "overlong", "checksum",
  // "truncated", "malformed", "out_of_range", "unsupported", "too_large", ...
  std::string kind;
  // Human-readable, for logs and the technician: says what was wrong and where
  // (offsets, lengths), never echoes the raw input (it may be personal data).
  std::string detail;
  bool operator==(const FrameError&) const = default;
};

template <typename T>
using Decoded = std::variant<T, FrameError>;

}  // namespace checkpoint::hal::protocols
