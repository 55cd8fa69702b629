#pragma once
// OCR-B reading errors corrected by field type (docs/documents/mrz.md, "OCR
// correction"). Private to firmware/documents: ParseMrz calls it when
// ParseOptions::correct is set.

#include <array>
#include <cstddef>
#include <string_view>
#include <vector>

#include "checkpoint/documents/mrz.hpp"

namespace checkpoint::documents::detail {

// The lines of one MRZ, copied so that they can be corrected without allocating.
struct MrzLines {
  std::array<std::array<char, 44>, 3> text{};
  std::size_t count = 0;
  std::size_t width = 0;
  std::string_view Line(std::size_t i) const { return {text[i].data(), width}; }
  // 1-based, as in ICAO 9303.
  char& At(int line, int pos) {
    return text[static_cast<std::size_t>(line - 1)][static_cast<std::size_t>(pos - 1)];
  }
};

// Line 1 positions 1-5 (document code and issuing state) are letters or fillers in
// every format; correcting them first lets the format be told apart ("1DFRA").
void CorrectHeader(MrzLines& lines, std::vector<Correction>& out);

// Every other field of format. lines have the format's shape and only MRZ
// characters; corrections are applied in place and listed in out.
void CorrectFields(MrzFormat format, MrzLines& lines, std::vector<Correction>& out);

}  // namespace checkpoint::documents::detail
