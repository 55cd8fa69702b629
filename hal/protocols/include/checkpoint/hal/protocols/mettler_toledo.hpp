#pragma once
// Mettler Toledo "continuous output" (the Toledo 8142 standard format), sent by
// Mettler Toledo terminals (IND2xx/IND5xx/IND7xx) and many clones, several times a second:
//
//   byte  1      2    3    4    5-10          11-16        17   18
//         STX    SWA  SWB  SWC  weight (6)    tare (6)     CR   [checksum]
//
// Weight and tare are unsigned digits, right-aligned (leading spaces or zeros), with
// neither sign nor decimal point: SWA bits 0-2 place the point (0 = x100, 1 = x10,
// 2 = x1, 3..7 = 1..5 decimals), SWA bits 3-4 give the increment (1 = x1, 2 = x2,
// 3 = x5), SWB carries the flags (see StatusBitMap), SWC bits 0-2 a unit other than
// kg/lb (1 = g, 2 = t). The checksum is the two's complement of the low 7 bits of the
// sum of STX..CR, so (sum + checksum) & 0x7F == 0.
//
// Faults, each reported once as a FrameError, after which the decoder waits for the
// next STX:
//   "garbage"     bytes outside a frame (one error per run, not per byte)
//   "truncated"   a frame cut off by a new STX, or pending at Reset()
//   "checksum"    the checksum byte does not match
//   "malformed"   a CR in the wrong place, or a weight/tare field that is not digits
//   "unsupported" a unit code in SWC other than kg/lb/g/t (oz, ton, custom units)

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/hal/protocols/frame_error.hpp"
#include "checkpoint/hal/protocols/weight_frame.hpp"

namespace checkpoint::hal::protocols {

// Where one flag sits in the status words. A bit outside the three words reads as
// clear (inactive), so a misconfigured map degrades to "flag never set".
struct StatusBit {
  std::uint8_t word = 1;    // 0 = SWA, 1 = SWB, 2 = SWC
  std::uint8_t bit = 0;     // 0..7, 0 = least significant
  bool active_high = true;  // the flag is set when the bit is 1
  bool operator==(const StatusBit&) const = default;
};

// The Mettler Toledo layout by default; clones move and invert flags, so drivers take
// the map from configuration.
struct StatusBitMap {
  StatusBit net{1, 0};           // gross = 0, net = 1
  StatusBit negative{1, 1};      // positive = 0, negative = 1
  StatusBit out_of_range{1, 2};  // over capacity or under zero = 1
  StatusBit motion{1, 3};        // stable = 0, motion = 1
  StatusBit kg{1, 4};            // lb = 0, kg = 1
  // Read SWC bits 0-2 as a unit other than kg/lb. Clones that leave SWC zero are
  // unaffected either way; turn it off for clones that put other data there.
  bool swc_unit = true;
  bool operator==(const StatusBitMap&) const = default;
};

struct MettlerToledoOptions {
  // The indicator appends the checksum byte (18-byte frames). Mettler Toledo's own
  // terminals send it by default; many clones do not.
  bool checksum = true;
  // The line is 7 data bits + parity read as 8 bits: bit 7 of every byte is the
  // parity bit and is ignored (the checksum covers the 7 data bits only).
  bool strip_parity = true;
  StatusBitMap bits;
};

class MettlerToledoDecoder {
 public:
  static constexpr std::size_t kFrameSize = 17;  // STX .. CR, without the checksum

  explicit MettlerToledoDecoder(MettlerToledoOptions options = {}) : options_(options) {}

  // Appends, in input order, one value per complete frame and one FrameError per fault.
  // Any split of the input into calls gives the same output.
  void Feed(std::string_view bytes, std::vector<Decoded<WeightFrame>>& out);
  // For a disconnect: forgets a partial frame and returns FrameError{"truncated"} when
  // there was one. The decoder then waits for an STX.
  [[nodiscard]] std::optional<FrameError> Reset();
  // Bytes of the partial frame held; never more than kFrameSize.
  [[nodiscard]] std::size_t buffered() const noexcept { return state_ == State::kIdle ? 0 : len_; }

 private:
  enum class State { kIdle, kFrame, kChecksum };

  void Step(std::uint8_t b, std::vector<Decoded<WeightFrame>>& out);
  void StartFrame();
  void Fail(std::vector<Decoded<WeightFrame>>& out, std::string kind, std::string detail);
  [[nodiscard]] Decoded<WeightFrame> Decode() const;
  [[nodiscard]] bool Flag(const StatusBit& b) const noexcept;

  MettlerToledoOptions options_;
  State state_ = State::kIdle;
  bool in_garbage_ = false;  // inside a run of bytes already reported
  std::array<std::uint8_t, kFrameSize> frame_{};
  std::size_t len_ = 0;
};

// The frame as the indicator sends it: weight and tare with leading zeros, SWA/SWB/SWC
// with their always-one bit 5 set, flags placed by `options.bits`, the checksum when
// `options.checksum`. Fails ("out_of_range") when a value does not fit six digits at
// `frame.decimals` (which must be in [-2, 5]), or ("unsupported") for a unit other than
// kg/lb/g/t or an increment other than 1/2/5 or 0 (sent as bits 00, "not stated",
// which real indicators never send: give the increment for realistic frames).
[[nodiscard]] Decoded<std::string> EncodeMettlerToledo(const WeightFrame& frame,
                                                       const MettlerToledoOptions& options = {});

}  // namespace checkpoint::hal::protocols
