#include "mrz_correct.hpp"

#include <array>
#include <initializer_list>
#include <optional>
#include <span>
#include <string_view>

#include "mrz_chars.hpp"

namespace checkpoint::documents::detail {
namespace {

// Letters OCR-B readers return for a digit, and digits for a letter. One answer
// each: a character outside these maps is left alone. Tables indexed by byte, 0 for
// "no reading", since every character of every field is looked up.
constexpr std::string_view kLetterToDigit[] = {"OQD0", "IL1", "Z2", "A4", "S5", "G6", "T7", "B8"};
constexpr std::string_view kDigitToLetter[] = {"0O", "1I", "2Z", "4A", "5S", "6G", "7T", "8B"};

constexpr std::array<char, 256> MakeMap(std::span<const std::string_view> groups) {
  std::array<char, 256> map{};
  for (std::string_view g : groups) {
    for (char c : g.substr(0, g.size() - 1)) map[static_cast<unsigned char>(c)] = g.back();
  }
  return map;
}
constexpr auto kAsDigit = MakeMap(kLetterToDigit);
constexpr auto kAsLetter = MakeMap(kDigitToLetter);

std::optional<char> AsDigit(char c) {
  const char d = kAsDigit[static_cast<unsigned char>(c)];
  return d != 0 ? std::optional<char>(d) : std::nullopt;
}
std::optional<char> AsLetter(char c) {
  const char l = kAsLetter[static_cast<unsigned char>(c)];
  return l != 0 ? std::optional<char>(l) : std::nullopt;
}

// A range of one line, 1-based as in ICAO 9303.
struct Range {
  int line;
  int first;
  int length;
};

class Corrector {
 public:
  Corrector(MrzLines& lines, std::vector<Correction>& out) : lines_(lines), out_(out) {}

  // Letters only (names, codes): digits become the letters they resemble. Nothing
  // checks these fields, so the field type alone decides.
  void Alpha(const char* field, Range r) {
    for (int p = r.first; p < r.first + r.length; ++p) {
      if (auto to = AsLetter(At(r.line, p))) Apply(field, r.line, p, *to);
    }
  }

  // Digits only, with a check digit (dates): letters become digits, in the data and
  // in the check digit, and the corrections are kept only if the check digit then
  // verifies. A letter with no digit reading leaves the field as read.
  void Numeric(const char* field, Range data, int check_line, int check_pos) {
    NumericPart(field, data, {data}, check_line, check_pos);
  }

  // Digits only in numeric, a part of the checked data (the French card number opens
  // with its year and month of issue).
  void NumericPart(const char* field, Range numeric, std::initializer_list<Range> checked,
                   int check_line, int check_pos) {
    std::vector<Correction> proposed;
    for (int p = numeric.first; p <= numeric.first + numeric.length; ++p) {
      const int line = p < numeric.first + numeric.length ? numeric.line : check_line;
      const int pos = p < numeric.first + numeric.length ? p : check_pos;
      const char c = At(line, pos);
      if (!IsLetter(c)) continue;
      auto to = AsDigit(c);
      if (!to) return;
      proposed.push_back({line, pos, c, *to, field});
    }
    KeepIfChecked(proposed, checked, check_line, check_pos);
  }

  // An alphanumeric field with a check digit (document and personal numbers): its
  // characters cannot be told by type, but a letter in the check digit position
  // can: kept only if it then verifies.
  void CheckDigit(const char* field, std::initializer_list<Range> data, int line, int pos) {
    const char c = At(line, pos);
    if (!IsLetter(c)) return;
    auto to = AsDigit(c);
    if (!to) return;
    KeepIfChecked({{line, pos, c, *to, field}}, data, line, pos);
  }

 private:
  char At(int line, int pos) const { return lines_.At(line, pos); }

  void Apply(const char* field, int line, int pos, char to) {
    out_.push_back({line, pos, At(line, pos), to, field});
    lines_.Set(line, pos, to);
  }

  void KeepIfChecked(const std::vector<Correction>& proposed, std::initializer_list<Range> data,
                     int check_line, int check_pos) {
    if (proposed.empty()) return;
    for (const auto& c : proposed) lines_.Set(c.line, c.position, c.to);
    CheckSum sum;
    for (const Range& r : data) {
      sum.Add(
          lines_.Line(static_cast<std::size_t>(r.line - 1))
              .substr(static_cast<std::size_t>(r.first - 1), static_cast<std::size_t>(r.length)));
    }
    if (sum.Digit() == At(check_line, check_pos)) {
      out_.insert(out_.end(), proposed.begin(), proposed.end());
      return;
    }
    for (const auto& c : proposed) lines_.Set(c.line, c.position, c.from);
  }

  MrzLines& lines_;
  std::vector<Correction>& out_;
};

// Birth date, expiry date and the check digits of the shared data line of TD2,
// TD3 and visas (line 2: number 1-9 + 10, nationality 11-13, birth 14-19 + 20,
// expiry 22-27 + 28).
void CommonLine2(Corrector& c) {
  c.CheckDigit("documentNumber", {{2, 1, 9}}, 2, 10);
  c.Alpha("nationality", {2, 11, 3});
  c.Numeric("birthDate", {2, 14, 6}, 2, 20);
  c.Numeric("expiryDate", {2, 22, 6}, 2, 28);
}

}  // namespace

void CorrectHeader(MrzLines& lines, std::vector<Correction>& out) {
  Corrector c(lines, out);
  c.Alpha("documentCode", {1, 1, 2});
  c.Alpha("issuingState", {1, 3, 3});
}

void CorrectFields(MrzFormat format, MrzLines& lines, std::vector<Correction>& out) {
  Corrector c(lines, out);
  const int width = static_cast<int>(lines.width());
  switch (format) {
    case MrzFormat::kTD1:
      c.CheckDigit("documentNumber", {{1, 6, 9}}, 1, 15);
      c.Numeric("birthDate", {2, 1, 6}, 2, 7);
      c.Numeric("expiryDate", {2, 9, 6}, 2, 15);
      c.Alpha("nationality", {2, 16, 3});
      c.Alpha("name", {3, 1, 30});
      c.CheckDigit("composite", {{1, 6, 25}, {2, 1, 7}, {2, 9, 7}, {2, 19, 11}}, 2, 30);
      break;
    case MrzFormat::kTD3:
      c.Alpha("name", {1, 6, 39});
      CommonLine2(c);
      c.CheckDigit("personalNumber", {{2, 29, 14}}, 2, 43);
      c.CheckDigit("composite", {{2, 1, 10}, {2, 14, 7}, {2, 22, 22}}, 2, 44);
      break;
    case MrzFormat::kTD2:
      c.Alpha("name", {1, 6, 31});
      CommonLine2(c);
      c.CheckDigit("composite", {{2, 1, 10}, {2, 14, 7}, {2, 22, 14}}, 2, 36);
      break;
    case MrzFormat::kMRVA:
    case MrzFormat::kMRVB:
      c.Alpha("name", {1, 6, width - 5});
      CommonLine2(c);
      break;
    case MrzFormat::kFrenchId:
      c.Alpha("name", {1, 6, 25});
      c.NumericPart("issueDate", {2, 1, 4}, {{2, 1, 12}}, 2, 13);
      c.CheckDigit("documentNumber", {{2, 1, 12}}, 2, 13);
      c.Alpha("name", {2, 14, 14});
      c.Numeric("birthDate", {2, 28, 6}, 2, 34);
      c.CheckDigit("composite", {{1, 1, 36}, {2, 1, 35}}, 2, 36);
      break;
  }
}

}  // namespace checkpoint::documents::detail
