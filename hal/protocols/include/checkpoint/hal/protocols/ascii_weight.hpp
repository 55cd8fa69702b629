#pragma once
// The common ASCII weight line of weighbridge indicators (A&D "standard format", used
// by many OEM indicators; Dini Argeo and others send a close variant), one reading per
// line, terminated by CR LF (CR, LF or ETX accepted):
//
//   A&D:        ST,GS,+0012.34kg        OL,GS,+    .  kg (overload: digits blanked)
//   Dini Argeo: ST,GS,     0.0,kg       (space-padded value, comma before the unit)
//   balances:   ST,+00123.45  g         (no second header: gross)
//
// Fields are comma-separated; spaces around fields, between value and unit and
// padding the value are tolerated, a leading STX is ignored.
//   header 1   ST stable | US unstable (motion) | OL, UL, LO out of range
//   header 2   GS or G gross | NT or N net | TR or T tare (optional)
//   value      optional sign (+, -), digits with at most one decimal point, at most
//              12 digits; may be blank (spaces, '.') only when out of range
//   unit       kg | g | t | lb (case-insensitive)
//
// Faults (FrameError kinds): "malformed" for a line that does not parse (the detail
// names the field, never the text); "overlong" for a line longer than max_line
// (dropped up to its terminator); "truncated" for a partial line at Reset(). Empty
// lines are ignored.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/hal/protocols/frame_error.hpp"
#include "checkpoint/hal/protocols/line_splitter.hpp"
#include "checkpoint/hal/protocols/weight_frame.hpp"

namespace checkpoint::hal::protocols {

struct AsciiWeightOptions {
  std::size_t max_line = 64;  // bytes, without the terminator
};

[[nodiscard]] std::optional<Decoded<WeightFrame>> ParseAsciiWeightLine(
    std::string_view line);  // defined below

class AsciiWeightDecoder {
 public:
  explicit AsciiWeightDecoder(AsciiWeightOptions options = {})
      : decoder_(options.max_line, &ParseAsciiWeightLine) {}

  // Appends, in input order, one value per line and one FrameError per fault. Any
  // split of the input into calls gives the same output.
  void Feed(std::string_view bytes, std::vector<Decoded<WeightFrame>>& out);
  // For a disconnect: drops a partial line, returning FrameError{"truncated"} if any.
  [[nodiscard]] std::optional<FrameError> Reset();
  // Bytes of the partial line held; never more than max_line.
  [[nodiscard]] std::size_t buffered() const noexcept { return decoder_.buffered(); }

 private:
  LineRecordDecoder<WeightFrame> decoder_;
};

// Parses one line without its terminator; nullopt for a blank line (ignored).
[[nodiscard]] std::optional<Decoded<WeightFrame>> ParseAsciiWeightLine(std::string_view line);

enum class AsciiDialect {
  kAnd,        // "ST,GS,+0012.34kg\r\n": 8-character zero-padded value with sign, unit
               // right-aligned in 2 characters, digits blanked when out of range
  kDiniArgeo,  // "ST,GS,   12.34,kg\r\n": 8-character space-padded value, '-' only
};

// The line an indicator of `dialect` sends for `frame` (header 2 "TR" and the tare
// when frame.tare_only). A value wider than the field widens it rather than losing
// digits. Fails ("out_of_range") for a non-finite value, decimals outside [0, 6] or
// more than 12 digits, and ("unsupported") for a unit other than kg/g/t/lb.
[[nodiscard]] Decoded<std::string> EncodeAsciiWeight(const WeightFrame& frame,
                                                     AsciiDialect dialect = AsciiDialect::kAnd);

}  // namespace checkpoint::hal::protocols
