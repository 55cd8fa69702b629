// The transliteration tables. Sources (docs/documents/transliteration.md has the
// detail): ICAO Doc 9303 Part 3 §6 (Latin multinational characters, Cyrillic with its
// national notes, Arabic after the ICAO NTWG/TF3 report by M. Ellis); ELOT 743 for
// Greek, which Part 3 does not cover.
#include "transliteration_tables.hpp"

#include <algorithm>

namespace checkpoint::documents::translit {
namespace {

struct LatinDiacriticRule {
  char32_t base;
  char32_t mark;
  Outputs out;
};

// Part 3 §6 A: the letters whose mark changes the spelling. Every other Latin letter
// loses its diacritic (the fold table gives its ASCII base).
constexpr LatinDiacriticRule kLatinDiacritics[] = {
    {U'A', 0x0308, {"AE", "A", ""}},     // Ä: AE, or A
    {U'A', 0x030A, {"AA", "A", ""}},     // Å: AA, or A
    {U'N', 0x0303, {"N", "", "NXX"}},    // Ñ: N, or NXX
    {U'O', 0x0308, {"OE", "O", ""}},     // Ö: OE, or O
    {U'U', 0x0308, {"UE", "U", "UXX"}},  // Ü: UE, or U, or UXX
};

struct SpecialRule {
  char32_t cp;
  Outputs out;
};

// Latin letters without an ASCII base, upper case (the fold table maps the lower case
// ones here), and the lower case IPA-block letters that the fold table does not cover.
// Sorted by code point.
constexpr SpecialRule kLatinSpecials[] = {
    {0x00D0, {"D", "", ""}},    // Ð eth (Part 3: D)
    {0x00D8, {"OE", "O", ""}},  // Ø (Part 3: OE; the 6th edition table: O)
    {0x00DE, {"TH", "", ""}},   // Þ thorn
    {0x00DF, {"SS", "", ""}},   // ß
    {0x0138, {"K", "", ""}},    // ĸ kra
    {0x0149, {"N", "", ""}},    // ŉ (apostrophe dropped)
    {0x014A, {"N", "", ""}},    // Ŋ eng (Part 3: N)
    {0x0152, {"OE", "", ""}},   // Œ
    {0x0186, {"O", "", ""}},    // Ɔ open O
    {0x0189, {"D", "", ""}},    // Ɖ African D
    {0x018E, {"E", "", ""}},    // Ǝ reversed E
    {0x018F, {"A", "E", ""}},   // Ə schwa (Azerbaijani documents print A)
    {0x0190, {"E", "", ""}},    // Ɛ open E
    {0x0194, {"G", "", ""}},    // Ɣ gamma
    {0x01B7, {"Z", "", ""}},    // Ʒ ezh
    {0x0237, {"J", "", ""}},    // ȷ dotless j
    {0x0244, {"U", "", ""}},    // Ʉ U bar
    {0x0254, {"O", "", ""}},    // ɔ (its capital Ɔ above)
    {0x0256, {"D", "", ""}},    // ɖ
    {0x0259, {"A", "E", ""}},   // ə
    {0x025B, {"E", "", ""}},    // ɛ
    {0x0263, {"G", "", ""}},    // ɣ
    {0x0292, {"Z", "", ""}},    // ʒ
    {0x1E9E, {"SS", "", ""}},   // ẞ capital sharp s
};

// Part 3 §6 B, the Cyrillic table, keyed by upper-case base + mark (Й = И + breve).
struct CyrillicRule {
  char32_t base;
  char32_t mark;
  std::string_view icao;
};
constexpr CyrillicRule kCyrillic[] = {
    {0x0402, 0, "D"},       // Ђ
    {0x0404, 0, "IE"},      // Є
    {0x0405, 0, "DZ"},      // Ѕ
    {0x0406, 0, "I"},       // І
    {0x0406, 0x0308, "I"},  // Ї
    {0x0408, 0, "J"},       // Ј
    {0x0409, 0, "LJ"},      // Љ
    {0x040A, 0, "NJ"},      // Њ
    {0x040B, 0, "C"},       // Ћ (Serbian; in the 6th edition's Serbian row)
    {0x040F, 0, "DZ"},      // Џ
    {0x0410, 0, "A"},       // А
    {0x0411, 0, "B"},       // Б
    {0x0412, 0, "V"},       // В
    {0x0413, 0, "G"},       // Г
    {0x0413, 0x0301, "G"},  // Ѓ
    {0x0414, 0, "D"},       // Д
    {0x0415, 0, "E"},       // Е
    {0x0415, 0x0308, "E"},  // Ё
    {0x0416, 0, "ZH"},      // Ж
    {0x0417, 0, "Z"},       // З
    {0x0418, 0, "I"},       // И
    {0x0418, 0x0306, "I"},  // Й
    {0x041A, 0, "K"},       // К
    {0x041A, 0x0301, "K"},  // Ќ
    {0x041B, 0, "L"},       // Л
    {0x041C, 0, "M"},       // М
    {0x041D, 0, "N"},       // Н
    {0x041E, 0, "O"},       // О
    {0x041F, 0, "P"},       // П
    {0x0420, 0, "R"},       // Р
    {0x0421, 0, "S"},       // С
    {0x0422, 0, "T"},       // Т
    {0x0423, 0, "U"},       // У
    {0x0423, 0x0306, "U"},  // Ў
    {0x0424, 0, "F"},       // Ф
    {0x0425, 0, "KH"},      // Х
    {0x0426, 0, "TS"},      // Ц
    {0x0427, 0, "CH"},      // Ч
    {0x0428, 0, "SH"},      // Ш
    {0x0429, 0, "SHCH"},    // Щ
    {0x042A, 0, "IE"},      // Ъ
    {0x042B, 0, "Y"},       // Ы
    {0x042C, 0, ""},        // Ь (not in Part 3; dropped, as issuers do)
    {0x042D, 0, "E"},       // Э
    {0x042E, 0, "IU"},      // Ю
    {0x042F, 0, "IA"},      // Я
    {0x046A, 0, "U"},       // Ѫ
    {0x0474, 0, "Y"},       // Ѵ
    {0x0490, 0, "G"},       // Ґ
    {0x04BA, 0, "C"},       // Һ (as transcribed from Part 3's table)
};

// Part 3's national notes ("H in Belorussian, Serbian and Ukrainian" ...) and, as
// alternatives, spellings of earlier editions and national systems.
struct CyrillicOverride {
  CyrillicVariant variant;
  char32_t base;
  char32_t mark;
  Outputs out;
};
constexpr CyrillicOverride kCyrillicOverrides[] = {
    {CyrillicVariant::kUkrainian, 0x0413, 0, {"H", "G", ""}},        // Г (G: 6th edition)
    {CyrillicVariant::kUkrainian, 0x0418, 0, {"Y", "", ""}},         // И
    {CyrillicVariant::kBelarusian, 0x0413, 0, {"H", "", ""}},        // Г
    {CyrillicVariant::kBelarusian, 0x0415, 0x0308, {"IO", "", ""}},  // Ё
    // Bulgarian: Part 3 changes only Щ; the national system (law of 2009), which
    // Bulgarian documents print, gives the alternatives.
    {CyrillicVariant::kBulgarian, 0x0429, 0, {"SHT", "", ""}},      // Щ
    {CyrillicVariant::kBulgarian, 0x042A, 0, {"IE", "A", ""}},      // Ъ
    {CyrillicVariant::kBulgarian, 0x0418, 0x0306, {"I", "Y", ""}},  // Й
    {CyrillicVariant::kBulgarian, 0x0425, 0, {"KH", "H", ""}},      // Х
    {CyrillicVariant::kBulgarian, 0x042E, 0, {"IU", "YU", ""}},     // Ю
    {CyrillicVariant::kBulgarian, 0x042F, 0, {"IA", "YA", ""}},     // Я
    // Serbian: G is the Serbian Latin spelling of Г; DJ the usual one of Ђ.
    {CyrillicVariant::kSerbian, 0x0413, 0, {"H", "G", ""}},          // Г
    {CyrillicVariant::kSerbian, 0x0402, 0, {"D", "DJ", ""}},         // Ђ
    {CyrillicVariant::kSerbian, 0x0416, 0, {"Z", "", ""}},           // Ж
    {CyrillicVariant::kSerbian, 0x0425, 0, {"H", "", ""}},           // Х
    {CyrillicVariant::kSerbian, 0x0426, 0, {"C", "", ""}},           // Ц
    {CyrillicVariant::kSerbian, 0x0427, 0, {"C", "", ""}},           // Ч
    {CyrillicVariant::kSerbian, 0x0428, 0, {"S", "", ""}},           // Ш
    {CyrillicVariant::kMacedonian, 0x0413, 0x0301, {"GJ", "", ""}},  // Ѓ
    {CyrillicVariant::kMacedonian, 0x041A, 0x0301, {"KJ", "", ""}},  // Ќ
    {CyrillicVariant::kMacedonian, 0x0425, 0, {"H", "", ""}},        // Х
    {CyrillicVariant::kMacedonian, 0x0426, 0, {"C", "", ""}},        // Ц
    {CyrillicVariant::kMacedonian, 0x040F, 0, {"DJ", "", ""}},       // Џ
};

struct CpRule {
  char32_t cp;
  std::string_view out;
};

// Greek, ELOT 743 (as Greek documents print it), single letters, upper case.
constexpr CpRule kGreek[] = {
    {0x0391, "A"}, {0x0392, "V"},  {0x0393, "G"}, {0x0394, "D"},  {0x0395, "E"},  {0x0396, "Z"},
    {0x0397, "I"}, {0x0398, "TH"}, {0x0399, "I"}, {0x039A, "K"},  {0x039B, "L"},  {0x039C, "M"},
    {0x039D, "N"}, {0x039E, "X"},  {0x039F, "O"}, {0x03A0, "P"},  {0x03A1, "R"},  {0x03A3, "S"},
    {0x03A4, "T"}, {0x03A5, "Y"},  {0x03A6, "F"}, {0x03A7, "CH"}, {0x03A8, "PS"}, {0x03A9, "O"},
};

// Arabic script after Part 3 §6 C (the NTWG/TF3 table): letters without a close Latin
// match are escaped with X. Sorted by code point. ة (U+0629) is positional.
constexpr CpRule kArabic[] = {
    {0x0621, "XE"},  {0x0622, "XAA"}, {0x0623, "XAE"}, {0x0624, "XW"},  {0x0625, "I"},
    {0x0626, "XI"},  {0x0627, "A"},   {0x0628, "B"},   {0x062A, "T"},   {0x062B, "XTH"},
    {0x062C, "J"},   {0x062D, "XH"},  {0x062E, "XKH"}, {0x062F, "D"},   {0x0630, "XDH"},
    {0x0631, "R"},   {0x0632, "Z"},   {0x0633, "S"},   {0x0634, "XSH"}, {0x0635, "XSS"},
    {0x0636, "XDZ"}, {0x0637, "XTT"}, {0x0638, "XZZ"}, {0x0639, "E"},   {0x063A, "G"},
    {0x0641, "F"},   {0x0642, "Q"},   {0x0643, "K"},   {0x0644, "L"},   {0x0645, "M"},
    {0x0646, "N"},   {0x0647, "H"},   {0x0648, "W"},   {0x0649, "XAY"}, {0x064A, "Y"},
    {0x0671, "XXA"}, {0x0679, "XXT"}, {0x067C, "XRT"}, {0x067E, "P"},   {0x0681, "XKE"},
    {0x0685, "XXH"}, {0x0686, "XC"},  {0x0688, "XXD"}, {0x0689, "XDR"}, {0x0691, "XXR"},
    {0x0693, "XRR"}, {0x0696, "XRX"}, {0x0698, "XJ"},  {0x069A, "XXS"}, {0x06A9, "XKK"},
    {0x06AB, "XXK"}, {0x06AD, "XNG"}, {0x06AF, "XGG"}, {0x06BA, "XNN"}, {0x06BC, "XXN"},
    {0x06BE, "XDO"}, {0x06C0, "XYH"}, {0x06C1, "XXG"}, {0x06C2, "XGE"}, {0x06C3, "XTG"},
    {0x06CC, "XYA"}, {0x06CD, "XXY"}, {0x06D0, "Y"},   {0x06D2, "XYB"}, {0x06D3, "XBE"},
};

template <typename Table>
constexpr bool SortedByCp(const Table& t) {
  return std::is_sorted(std::begin(t), std::end(t),
                        [](const auto& a, const auto& b) { return a.cp < b.cp; });
}
static_assert(SortedByCp(kLatinSpecials));
static_assert(SortedByCp(kGreek));
static_assert(SortedByCp(kArabic));

template <typename Table>
auto FindCp(const Table& t, char32_t cp) -> decltype(&t[0]) {
  auto it = std::lower_bound(std::begin(t), std::end(t), cp,
                             [](const auto& e, char32_t c) { return e.cp < c; });
  return it != std::end(t) && it->cp == cp ? &*it : nullptr;
}

}  // namespace

std::optional<Outputs> LatinDiacritic(char32_t ascii_base, char32_t mark) {
  for (const auto& r : kLatinDiacritics) {
    if (r.base == ascii_base && r.mark == mark) return r.out;
  }
  return std::nullopt;
}

std::optional<Outputs> LatinSpecial(char32_t cp) {
  if (const auto* r = FindCp(kLatinSpecials, cp)) return r->out;
  return std::nullopt;
}

std::optional<Outputs> Cyrillic(char32_t base, char32_t mark, CyrillicVariant variant) {
  for (const auto& o : kCyrillicOverrides) {
    if (o.variant == variant && o.base == base && o.mark == mark) return o.out;
  }
  for (const auto& r : kCyrillic) {
    if (r.base == base && r.mark == mark) return Outputs{r.icao, "", ""};
  }
  return std::nullopt;
}

std::optional<std::string_view> Greek(char32_t base) {
  if (const auto* r = FindCp(kGreek, base)) return r->out;
  return std::nullopt;
}

std::optional<std::string_view> Arabic(char32_t cp) {
  if (const auto* r = FindCp(kArabic, cp)) return r->out;
  return std::nullopt;
}

}  // namespace checkpoint::documents::translit
