#pragma once
// Character classes and the ICAO 9303 check digit, shared by the parser and the OCR
// corrector. Private to firmware/documents.

#include <array>
#include <cstddef>
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

constexpr int CharValue(char c) {
  if (IsDigit(c)) return c - '0';
  if (IsLetter(c)) return c - 'A' + 10;
  return 0;  // '<'
}

// A running 7-3-1 sum over several ranges, as composite check digits need.
// Precondition: the data holds only MRZ characters (checked before parsing).
class CheckSum {
 public:
  CheckSum& Add(std::string_view data) {
    static constexpr std::array<int, 3> kWeights = {7, 3, 1};
    for (char c : data) {
      sum_ += CharValue(c) * kWeights[pos_];
      pos_ = (pos_ + 1) % 3;
    }
    return *this;
  }
  char Digit() const { return static_cast<char>('0' + sum_ % 10); }

 private:
  int sum_ = 0;
  std::size_t pos_ = 0;
};

}  // namespace checkpoint::documents::detail
