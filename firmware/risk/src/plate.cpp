#include "checkpoint/risk/plate.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>

#include "checkpoint/common/text.hpp"

namespace checkpoint::risk {

namespace {

bool IsUpper(char c) noexcept {
  return c >= 'A' && c <= 'Z';
}
bool IsDigit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// ---- Formats -------------------------------------------------------------------

// One element of a format: `count_min`..`count_max` characters of a class:
// 'L' a letter, 'D' a digit, 'A' either, 'S' the German suffix E (electric) or H
// (historic).
struct Run {
  char cls;
  int count_min;
  int count_max;
};

struct Format {
  std::string_view name;
  std::span<const Run> runs;
  // Every run has count_min == count_max and class L or D: letters and digits sit
  // at known positions, so the match key can restore the type of each position.
  bool fixed;
};

struct Country {
  std::string_view code;
  std::string_view alias;  // "UK" for GB
  std::span<const Format> formats;
  bool fold_d;  // D is never used where digits may be: fold D/0 as well
};

// Germany (FZV): district code of 1-3 letters, 1-2 letters, 1-4 digits; E or H
// suffix for electric and historic vehicles. The district/letters split is not
// recoverable once the separator is gone, and not needed for matching.
constexpr Run kDeCurrent[] = {{'L', 2, 5}, {'D', 1, 4}, {'S', 0, 1}};
// Great Britain since September 2001: memory tag (2 letters), age identifier (2
// digits), 3 random letters. Older series (prefix, suffix, dateless) and
// personalised plates remain valid and match no format here.
constexpr Run kGbCurrent[] = {{'L', 2, 2}, {'D', 2, 2}, {'L', 3, 3}};
// Poland since 2000: area code of 2-3 letters, then 4-5 characters of which up to two
// are letters; the series part never uses B, D, I, O or Z (confusable with digits).
constexpr Run kPlCurrent[] = {{'L', 2, 3}, {'A', 4, 5}};
// Ukraine since 2004: region (2 letters), 4 digits, series (2 letters), the letters
// being the 12 Cyrillic ones that look like Latin (А В С Е Н І К М О Р Т Х).
constexpr Run kUaCurrent[] = {{'L', 2, 2}, {'D', 4, 4}, {'L', 2, 2}};
// Russia: letter, 3 digits, 2 letters, region code of 2 or 3 digits, the letters
// being А В Е К М Н О Р С Т У Х.
constexpr Run kRuCurrent2[] = {{'L', 1, 1}, {'D', 3, 3}, {'L', 2, 2}, {'D', 2, 2}};
constexpr Run kRuCurrent3[] = {{'L', 1, 1}, {'D', 3, 3}, {'L', 2, 2}, {'D', 3, 3}};

constexpr Format kDeFormats[] = {{"current", kDeCurrent, false}};
constexpr Format kGbFormats[] = {{"current", kGbCurrent, true}};
constexpr Format kPlFormats[] = {{"current", kPlCurrent, false}};
constexpr Format kUaFormats[] = {{"current", kUaCurrent, true}};
constexpr Format kRuFormats[] = {{"current (2-digit region)", kRuCurrent2, true},
                                 {"current (3-digit region)", kRuCurrent3, true}};

constexpr Country kCountries[] = {
    {"DE", "D", kDeFormats, false}, {"GB", "UK", kGbFormats, false}, {"PL", "", kPlFormats, true},
    {"UA", "", kUaFormats, false},  {"RU", "", kRuFormats, false},
};
constexpr Country kGeneric = {"", "", {}, false};

char AsciiUpper(char c) noexcept {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c;
}

const Country& FindCountry(std::string_view code) noexcept {
  if (code.empty() || code.size() > 3) return kGeneric;
  std::array<char, 3> up{};
  for (std::size_t i = 0; i < code.size(); ++i) up[i] = AsciiUpper(code[i]);
  const std::string_view u(up.data(), code.size());
  for (const auto& c : kCountries) {
    if (u == c.code || (!c.alias.empty() && u == c.alias)) return c;
  }
  return kGeneric;
}

bool ClassHas(char cls, char c) noexcept {
  switch (cls) {
    case 'L':
      return IsUpper(c);
    case 'D':
      return IsDigit(c);
    case 'A':
      return IsUpper(c) || IsDigit(c);
    case 'S':
      return c == 'E' || c == 'H';
    default:
      return false;
  }
}

bool Matches(std::span<const Run> runs, std::string_view s) noexcept {
  if (runs.empty()) return s.empty();
  const Run& r = runs.front();
  // Greedy-first backtracking: plates are at most kMaxPlateLength characters.
  int n = 0;
  while (n < r.count_max && static_cast<std::size_t>(n) < s.size() &&
         ClassHas(r.cls, s[static_cast<std::size_t>(n)])) {
    ++n;
  }
  for (; n >= r.count_min; --n) {
    if (Matches(runs.subspan(1), s.substr(static_cast<std::size_t>(n)))) return true;
  }
  return false;
}

// ---- OCR folding ----------------------------------------------------------------

char Fold(char c, bool fold_d) noexcept {
  switch (c) {
    case 'O':
    case 'Q':
      return '0';
    case 'D':
      return fold_d ? '0' : 'D';
    case 'I':
      return '1';
    case 'B':
      return '8';
    case 'S':
      return '5';
    case 'Z':
      return '2';
    default:
      return c;
  }
}

// The letter standing for a folded class in a letter position, or 0 when the class
// has no letter.
char LetterOf(char folded) noexcept {
  switch (folded) {
    case '0':
      return 'O';
    case '1':
      return 'I';
    case '8':
      return 'B';
    case '5':
      return 'S';
    case '2':
      return 'Z';
    default:
      return IsUpper(folded) ? folded : '\0';
  }
}

// Turns `folded` into the plate with each position's type, when it fits `f`.
std::optional<std::string> Positional(const Format& f, std::string_view folded) {
  std::string out;
  std::size_t pos = 0;
  for (const Run& r : f.runs) {
    for (int k = 0; k < r.count_min; ++k, ++pos) {
      if (pos >= folded.size()) return std::nullopt;
      const char c = folded[pos];
      if (r.cls == 'D') {
        if (!IsDigit(c)) return std::nullopt;
        out.push_back(c);
      } else {
        const char l = LetterOf(c);
        if (l == '\0') return std::nullopt;
        out.push_back(l);
      }
    }
  }
  if (pos != folded.size()) return std::nullopt;
  return out;
}

// ---- UTF-8 and transliteration --------------------------------------------------

constexpr char kSeparator = ' ';

// What a code point becomes on a plate: an ASCII letter or digit, kSeparator, or 0
// for a character plates do not use.
char Transliterate(char32_t cp) noexcept {
  if (cp < 0x80) {
    const auto c = static_cast<char>(cp);
    if (IsUpper(c) || IsDigit(c)) return c;
    if (c >= 'a' && c <= 'z') return AsciiUpper(c);
    switch (c) {
      case ' ':
      case '\t':
      case '-':
      case '.':
      case '_':
      case '/':
      case ':':
      case '|':
        return kSeparator;
      default:
        return '\0';
    }
  }
  switch (cp) {
    case 0x00A0:  // no-break space
    case 0x00B7:  // middle dot
    case 0x2010:  // hyphen … horizontal bar
    case 0x2011:
    case 0x2012:
    case 0x2013:
    case 0x2014:
    case 0x2015:
    case 0x2022:  // bullet
    case 0x2212:  // minus sign
    case 0x22C5:  // dot operator
      return kSeparator;
    default:
      break;
  }
  // Latin-1 letters with diacritics (German district codes use Ä Ö Ü; cameras
  // report them as often without dots as with): the base letter.
  if (cp >= 0xC0 && cp <= 0xFF) {
    static constexpr char kLatin1[] =
        "AAAAAAACEEEEIIII"    // À Á Â Ã Ä Å Æ Ç È É Ê Ë Ì Í Î Ï
        "DNOOOOO\0OUUUUYTS"   // Ð Ñ Ò Ó Ô Õ Ö × Ø Ù Ú Û Ü Ý Þ ß
        "AAAAAAACEEEEIIII"    // à … ï
        "DNOOOOO\0OUUUUYTY";  // ð … ÿ
    return kLatin1[cp - 0xC0];
  }
  switch (cp) {
    // Cyrillic letters that look like Latin ones (Russian, Ukrainian, Belarusian
    // plates use only these), upper and lower case.
    case 0x0410:
    case 0x0430:
      return 'A';
    case 0x0412:
    case 0x0432:
      return 'B';
    case 0x0415:
    case 0x0435:
      return 'E';
    case 0x041A:
    case 0x043A:
      return 'K';
    case 0x041C:
    case 0x043C:
      return 'M';
    case 0x041D:
    case 0x043D:
      return 'H';
    case 0x041E:
    case 0x043E:
      return 'O';
    case 0x0420:
    case 0x0440:
      return 'P';
    case 0x0421:
    case 0x0441:
      return 'C';
    case 0x0422:
    case 0x0442:
      return 'T';
    case 0x0423:
    case 0x0443:
      return 'Y';
    case 0x0425:
    case 0x0445:
      return 'X';
    case 0x0406:
    case 0x0456:
      return 'I';  // Ukrainian and Belarusian І
    // Greek capitals that look like Latin ones.
    case 0x0391:
      return 'A';
    case 0x0392:
      return 'B';
    case 0x0395:
      return 'E';
    case 0x0396:
      return 'Z';
    case 0x0397:
      return 'H';
    case 0x0399:
      return 'I';
    case 0x039A:
      return 'K';
    case 0x039C:
      return 'M';
    case 0x039D:
      return 'N';
    case 0x039F:
      return 'O';
    case 0x03A1:
      return 'P';
    case 0x03A4:
      return 'T';
    case 0x03A5:
      return 'Y';
    case 0x03A7:
      return 'X';
    default:
      return '\0';
  }
}

std::string Describe(char32_t cp) {
  char buf[40];
  if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
    std::snprintf(buf, sizeof buf, "control character U+%04X", static_cast<unsigned>(cp));
  } else if (cp < 0x7F) {
    std::snprintf(buf, sizeof buf, "character '%c'", static_cast<char>(cp));
  } else {
    std::snprintf(buf, sizeof buf, "character U+%04X", static_cast<unsigned>(cp));
  }
  return buf;
}

}  // namespace

NormalisedPlate NormalisePlate(std::string_view utf8, std::string_view country) {
  NormalisedPlate r;
  const Country& c = FindCountry(country);
  r.country = std::string(c.code);
  if (utf8.size() > kMaxPlateInput) {
    r.errors.push_back("input of " + std::to_string(utf8.size()) + " bytes, longer than " +
                       std::to_string(kMaxPlateInput) + " (no plate is)");
    return r;
  }
  std::size_t dropped = 0;
  for (std::size_t i = 0; i < utf8.size();) {
    char32_t cp = 0;
    const std::size_t n = common::DecodeUtf8(utf8, i, cp);
    if (n == 0) {
      r.errors.push_back("not valid UTF-8 (byte " + std::to_string(i + 1) + ")");
      r.text.clear();
      return r;
    }
    i += n;
    const char t = Transliterate(cp);
    if (t == kSeparator) continue;
    if (t == '\0') {
      // Report the first few; a camera sending garbage gets one clear message.
      if (++dropped <= 3) r.errors.push_back(Describe(cp) + " is not used on plates");
      continue;
    }
    r.text.push_back(t);
  }
  if (dropped > 3) {
    r.errors.push_back(std::to_string(dropped - 3) + " more characters not used on plates");
  }
  if (r.text.empty() && r.errors.empty()) r.errors.push_back("no characters");
  if (r.text.size() > kMaxPlateLength) {
    r.errors.push_back(std::to_string(r.text.size()) + " characters, longer than any plate (" +
                       std::to_string(kMaxPlateLength) + ")");
  }
  for (const Format& f : c.formats) {
    if (Matches(f.runs, r.text)) {
      r.format = std::string(f.name);
      break;
    }
  }
  if (r.format.empty() && !c.formats.empty() && !r.text.empty()) {
    r.warnings.push_back("matches no " + std::string(c.code) +
                         " format known here (old, special or personalised plate?)");
  }
  return r;
}

std::string PlateMatchKey(std::string_view normalised, std::string_view country) {
  const Country& c = FindCountry(country);
  std::string key;
  const bool clean = normalised.size() <= kMaxPlateInput &&
                     std::all_of(normalised.begin(), normalised.end(),
                                 [](char ch) { return IsUpper(ch) || IsDigit(ch); });
  if (clean) {
    key = std::string(normalised);
  } else {
    key = NormalisePlate(normalised, country).text;
  }
  for (char& ch : key) ch = Fold(ch, c.fold_d);
  for (const Format& f : c.formats) {
    if (!f.fixed) continue;
    if (auto p = Positional(f, key)) return *p;
  }
  return key;
}

bool SamePlate(std::string_view a, std::string_view b, std::string_view country) {
  // A reading with errors (dropped characters, bad UTF-8, over-long) is not known
  // well enough to say it is some plate.
  const auto na = NormalisePlate(a, country);
  const auto nb = NormalisePlate(b, country);
  if (!na.errors.empty() || !nb.errors.empty()) return false;
  const std::string ka = PlateMatchKey(na.text, country);
  return !ka.empty() && ka == PlateMatchKey(nb.text, country);
}

}  // namespace checkpoint::risk
