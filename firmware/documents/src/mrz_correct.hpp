#pragma once
// OCR-B reading errors corrected by field type (docs/documents/mrz.md, "OCR
// correction"). Private to firmware/documents: ParseMrz calls it when
// ParseOptions::correct is set.

#include <array>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "checkpoint/documents/mrz.hpp"

namespace checkpoint::documents::detail {

// The lines of one MRZ. They are read where the caller keeps them and copied into
// a local buffer only when a first correction is made: most documents need none.
class MrzLines {
 public:
  explicit MrzLines(std::span<const std::string_view> lines) : count_(lines.size()) {
    for (std::size_t i = 0; i < count_; ++i) view_[i] = lines[i];
  }
  std::size_t width() const { return view_[0].size(); }
  std::string_view Line(std::size_t i) const { return view_[i]; }
  // 1-based, as in ICAO 9303.
  char At(int line, int pos) const {
    return view_[static_cast<std::size_t>(line - 1)][static_cast<std::size_t>(pos - 1)];
  }
  void Set(int line, int pos, char c) {
    if (!copied_) {
      for (std::size_t i = 0; i < count_; ++i) {
        view_[i].copy(text_[i].data(), view_[i].size());
        view_[i] = std::string_view(text_[i].data(), view_[i].size());
      }
      copied_ = true;
    }
    text_[static_cast<std::size_t>(line - 1)][static_cast<std::size_t>(pos - 1)] = c;
  }

 private:
  std::size_t count_;
  bool copied_ = false;
  std::array<std::string_view, 3> view_;
  std::array<std::array<char, 44>, 3> text_;  // filled on the first Set
};

// Line 1 positions 1-5 (document code and issuing state) are letters or fillers in
// every format; correcting them first lets the format be told apart ("1DFRA").
void CorrectHeader(MrzLines& lines, std::vector<Correction>& out);

// Every other field of format. lines have the format's shape and only MRZ
// characters; corrections are applied in place and listed in out.
void CorrectFields(MrzFormat format, MrzLines& lines, std::vector<Correction>& out);

}  // namespace checkpoint::documents::detail
