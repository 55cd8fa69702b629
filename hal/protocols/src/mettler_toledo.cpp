#include "checkpoint/hal/protocols/mettler_toledo.hpp"

#include <optional>
#include <utility>

namespace checkpoint::hal::protocols {
namespace {

constexpr std::uint8_t kStx = 0x02;
constexpr std::uint8_t kCr = 0x0D;
constexpr std::uint8_t kAlwaysOne = 0x20;  // bit 5 of SWA, SWB and SWC
constexpr std::size_t kWeightAt = 4;       // 0-based offsets in the frame
constexpr std::size_t kTareAt = 10;
constexpr std::size_t kDigits = 6;
constexpr std::uint64_t kMaxField = 999999;
constexpr int kMinDecimals = -2;  // SWA code 0 (x100)
constexpr int kMaxDecimals = 5;   // SWA code 7

// Six right-aligned digits: leading spaces, then at least one digit (or nothing at all
// when `blank_ok`, for clones that blank an unused tare).
std::optional<std::uint64_t> ParseField(const std::uint8_t* p, bool blank_ok) {
  std::size_t i = 0;
  while (i < kDigits && p[i] == ' ') ++i;
  if (i == kDigits) return blank_ok ? std::optional<std::uint64_t>(0) : std::nullopt;
  std::uint64_t value = 0;
  for (; i < kDigits; ++i) {
    if (p[i] < '0' || p[i] > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(p[i] - '0');
  }
  return value;
}

unsigned Sum(const std::uint8_t* p, std::size_t n) {
  unsigned sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += p[i];
  return sum;
}

int IncrementOf(unsigned code) {
  constexpr int kIncrements[] = {0, 1, 2, 5};
  return kIncrements[code & 3U];
}

std::optional<unsigned> IncrementCode(int increment) {
  switch (increment) {
    case 0:
      return 0U;  // bits 00: not stated (real indicators send x1, x2 or x5)
    case 1:
      return 1U;
    case 2:
      return 2U;
    case 5:
      return 3U;
    default:
      return std::nullopt;
  }
}

void SetFlag(std::array<std::uint8_t, 3>& words, const StatusBit& b, bool on) {
  if (b.word > 2 || b.bit > 7) return;
  const auto mask = static_cast<std::uint8_t>(1U << b.bit);
  auto& w = words[b.word];
  const bool bit_set = on == b.active_high;
  w = static_cast<std::uint8_t>(bit_set ? (w | mask) : (w & ~mask));
}

void PutDigits(std::string& s, std::uint64_t v) {
  char digits[kDigits];
  for (std::size_t i = kDigits; i-- > 0;) {
    digits[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  s.append(digits, kDigits);
}

}  // namespace

void MettlerToledoDecoder::Feed(std::string_view bytes, std::vector<Decoded<WeightFrame>>& out) {
  for (char c : bytes) {
    auto b = static_cast<std::uint8_t>(c);
    if (options_.strip_parity) b &= 0x7F;
    Step(b, out);
  }
}

void MettlerToledoDecoder::Step(std::uint8_t b, std::vector<Decoded<WeightFrame>>& out) {
  switch (state_) {
    case State::kIdle:
      if (b == kStx) {
        StartFrame();
      } else if (!in_garbage_) {
        out.emplace_back(FrameError{"garbage", "bytes outside a frame; waiting for STX"});
        in_garbage_ = true;
      }
      return;
    case State::kFrame:
      if (b == kStx) {
        out.emplace_back(FrameError{"truncated", "frame cut off after " + std::to_string(len_) +
                                                     " of 17 bytes by a new STX"});
        StartFrame();
      } else if (len_ < kFrameSize - 1) {
        if (b == kCr) {
          Fail(out, "malformed",
               "CR at byte " + std::to_string(len_ + 1) + "; a frame has it at byte 17");
        } else {
          frame_[len_++] = b;
        }
      } else if (b != kCr) {
        Fail(out, "malformed", "byte 17 is not CR");
      } else {
        frame_[len_++] = b;
        if (options_.checksum) {
          state_ = State::kChecksum;
        } else {
          state_ = State::kIdle;
          out.push_back(Decode());
        }
      }
      return;
    case State::kChecksum:
      state_ = State::kIdle;
      if (((Sum(frame_.data(), kFrameSize) + b) & 0x7FU) == 0) {
        out.push_back(Decode());
      } else {
        Fail(out, "checksum", "checksum byte does not match bytes 1-17");
        // An indicator that sends no checksum: its next STX sits where the checksum
        // was expected; do not lose that frame too.
        if (b == kStx) StartFrame();
      }
      return;
  }
}

void MettlerToledoDecoder::StartFrame() {
  frame_[0] = kStx;
  len_ = 1;
  state_ = State::kFrame;
  in_garbage_ = false;
}

// The rest of a broken frame (its checksum, stray bytes) belongs to the same fault.
void MettlerToledoDecoder::Fail(std::vector<Decoded<WeightFrame>>& out, std::string kind,
                                std::string detail) {
  out.emplace_back(FrameError{std::move(kind), std::move(detail)});
  state_ = State::kIdle;
  in_garbage_ = true;
}

std::optional<FrameError> MettlerToledoDecoder::Reset() {
  const State was = state_;
  const std::size_t had = len_;
  state_ = State::kIdle;
  in_garbage_ = false;
  len_ = 0;
  if (was == State::kFrame) {
    return FrameError{"truncated", "frame cut off after " + std::to_string(had) + " of 17 bytes"};
  }
  if (was == State::kChecksum) return FrameError{"truncated", "frame cut off before its checksum"};
  return std::nullopt;
}

bool MettlerToledoDecoder::Flag(const StatusBit& b) const noexcept {
  if (b.word > 2 || b.bit > 7) return false;
  const unsigned word = frame_[1U + b.word];
  const bool bit = ((word >> b.bit) & 1U) != 0;
  return bit == b.active_high;
}

Decoded<WeightFrame> MettlerToledoDecoder::Decode() const {
  const auto weight = ParseField(&frame_[kWeightAt], false);
  if (!weight) return FrameError{"malformed", "weight (bytes 5-10) is not right-aligned digits"};
  const auto tare = ParseField(&frame_[kTareAt], true);
  if (!tare) return FrameError{"malformed", "tare (bytes 11-16) is not right-aligned digits"};

  const std::uint8_t swa = frame_[1];
  const std::uint8_t swc = frame_[3];
  WeightFrame f;
  if (const unsigned unit_code = swc & 7U; options_.bits.swc_unit && unit_code != 0) {
    if (unit_code > 2) {
      return FrameError{"unsupported", "SWC unit code " + std::to_string(unit_code) +
                                           " (only kg, lb, g and t are supported)"};
    }
    f.unit = unit_code == 1 ? "g" : "t";
  } else {
    f.unit = Flag(options_.bits.kg) ? "kg" : "lb";
  }
  f.decimals = static_cast<int>(swa & 7U) - 2;
  f.increment = IncrementOf((swa >> 3) & 3U);
  f.net = Flag(options_.bits.net);
  f.negative = Flag(options_.bits.negative);
  f.out_of_range = Flag(options_.bits.out_of_range);
  f.motion = Flag(options_.bits.motion);
  const double magnitude = FromCounts(*weight, f.decimals);
  f.weight = f.negative ? -magnitude : magnitude;
  f.tare = FromCounts(*tare, f.decimals);
  return f;
}

Decoded<std::string> EncodeMettlerToledo(const WeightFrame& frame,
                                         const MettlerToledoOptions& options) {
  if (frame.decimals < kMinDecimals || frame.decimals > kMaxDecimals) {
    return FrameError{"out_of_range", "decimals must be in [-2, 5]"};
  }
  const auto weight = ToCounts(frame.weight, frame.decimals, kMaxField);
  const auto tare = ToCounts(frame.tare, frame.decimals, kMaxField);
  if (!weight || !tare) {
    return FrameError{"out_of_range", "weight or tare does not fit six digits"};
  }
  const auto increment = IncrementCode(frame.increment);
  if (!increment) return FrameError{"unsupported", "increment must be 0, 1, 2 or 5"};

  std::array<std::uint8_t, 3> words = {kAlwaysOne, kAlwaysOne, kAlwaysOne};
  words[0] = static_cast<std::uint8_t>(words[0] | static_cast<unsigned>(frame.decimals + 2) |
                                       (*increment << 3));
  const StatusBitMap& bits = options.bits;
  if (frame.unit == "g" || frame.unit == "t") {
    if (!bits.swc_unit) return FrameError{"unsupported", "g and t need the SWC unit code"};
    words[2] = static_cast<std::uint8_t>(words[2] | (frame.unit == "g" ? 1U : 2U));
    SetFlag(words, bits.kg, false);
  } else if (frame.unit == "kg" || frame.unit == "lb") {
    SetFlag(words, bits.kg, frame.unit == "kg");
  } else {
    return FrameError{"unsupported", "unit must be kg, lb, g or t"};
  }
  SetFlag(words, bits.net, frame.net);
  SetFlag(words, bits.negative, frame.negative);
  SetFlag(words, bits.out_of_range, frame.out_of_range);
  SetFlag(words, bits.motion, frame.motion);

  std::string s;
  s.reserve(MettlerToledoDecoder::kFrameSize + 1);
  s.push_back(static_cast<char>(kStx));
  for (std::uint8_t w : words) s.push_back(static_cast<char>(w));
  PutDigits(s, *weight);
  PutDigits(s, *tare);
  s.push_back(static_cast<char>(kCr));
  if (options.checksum) {
    unsigned sum = 0;
    for (char c : s) sum += static_cast<std::uint8_t>(c);
    s.push_back(static_cast<char>((0x80U - (sum & 0x7FU)) & 0x7FU));
  }
  return s;
}

}  // namespace checkpoint::hal::protocols
