#pragma once
// Character classes and the ICAO 9303 check digit, shared by the parser and the OCR
// corrector. Private to firmware/documents.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace checkpoint::documents::detail {

constexpr bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
constexpr bool IsLetter(char c) {
  return c >= 'A' && c <= 'Z';
}
constexpr bool IsMrzChar(char c) {
  return IsDigit(c) || IsLetter(c) || c == '<';
}
constexpr bool IsLetterOrFiller(char c) {
  return IsLetter(c) || c == '<';
}

// Whether every character of s satisfies Pred (a constexpr predicate above); inlined,
// unlike std::all_of through a function pointer.
template <bool (*Pred)(char)>
constexpr bool All(std::string_view s) {
  for (char c : s) {
    if (!Pred(c)) return false;
  }
  return true;
}

constexpr int CharValue(char c) {
  if (IsDigit(c)) return c - '0';
  if (IsLetter(c)) return c - 'A' + 10;
  return 0;  // '<'
}

// Check-digit values of every byte (0 outside the MRZ alphabet).
inline constexpr auto kCharValue = [] {
  std::array<std::uint8_t, 256> v{};
  for (int c = 0; c < 256; ++c) {
    v[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(CharValue(static_cast<char>(c)));
  }
  return v;
}();

// A running 7-3-1 sum over several ranges, as composite check digits need.
// Precondition: the data holds only MRZ characters (checked before parsing).
class CheckSum {
 public:
  CheckSum& Add(std::string_view data) {
    static constexpr std::array<int, 3> kWeights = {7, 3, 1};
    for (char c : data) {
      sum_ += kCharValue[static_cast<unsigned char>(c)] * kWeights[pos_];
      pos_ = pos_ == 2 ? 0 : pos_ + 1;
    }
    return *this;
  }
  char Digit() const { return static_cast<char>('0' + sum_ % 10); }

 private:
  int sum_ = 0;
  std::size_t pos_ = 0;
};

// The position (0-based) of the first byte of s outside A-Z 0-9 <, or s.size().
// Eight bytes at a time: for bytes below 0x80, adding 0x80 - lo sets a byte's top bit
// iff it is >= lo, adding 0x7F - hi iff it is > hi, without carries between bytes.
inline std::size_t FirstNonMrzChar(std::string_view s) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  auto in_range = [](std::uint64_t x, std::uint64_t lo, std::uint64_t hi) {
    return (x + (0x80 - lo) * kOnes) & ~(x + (0x7F - hi) * kOnes);
  };
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t x;
    std::memcpy(&x, s.data() + i, 8);
    const std::uint64_t ok =
        (in_range(x, '0', '9') | in_range(x, 'A', 'Z') | in_range(x, '<', '<')) & ~x & kHigh;
    if (ok != kHigh) break;  // some byte is outside; find it below
  }
  for (; i < s.size(); ++i) {
    if (!IsMrzChar(s[i])) return i;
  }
  return s.size();
}

}  // namespace checkpoint::documents::detail
