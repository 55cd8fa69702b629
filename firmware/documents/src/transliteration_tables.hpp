#pragma once
// Internal to firmware/documents: the tables behind transliterate.cpp. Everything here
// is constant data; the functions only return views of it (thread-safe, no state).

#include <array>
#include <optional>
#include <span>
#include <string_view>

#include "checkpoint/documents/transliterate.hpp"

namespace checkpoint::documents::translit {

// Case and diacritic folding (generated, transliteration_fold.cpp): cp folds to the
// upper-case base (one code point, or two ASCII letters base + base2 for Ǆ → DZ) and
// the first combining mark of its canonical decomposition (0 if none). Sorted by cp.
struct FoldEntry {
  char32_t cp;
  char32_t base;
  char32_t base2;
  char32_t mark;
};
std::span<const FoldEntry> FoldTable();

// The outputs of one character: the ICAO recommended form first, then up to two
// alternatives. Slot 1 is the "simplified" spelling (the diacritic dropped: Ä → A,
// or a national spelling), slot 2 the Part 3 "XX" spelling (Ü → UXX, Ñ → NXX).
// An empty view in slots 1-2 means "no alternative"; slot 0 may be empty (Ь is
// dropped).
struct Outputs {
  std::string_view recommended;
  std::string_view simplified;
  std::string_view xx;
};

// A Latin letter given as ASCII base + combining mark (Ä = A + U+0308) that Part 3
// transliterates other than by dropping the mark.
std::optional<Outputs> LatinDiacritic(char32_t ascii_base, char32_t mark);
// A Latin letter without an ASCII base (Ø, Þ, ß ...), upper case.
std::optional<Outputs> LatinSpecial(char32_t cp);
// A Cyrillic letter (upper case base + mark, e.g. И + U+0306 for Й) in a variant.
std::optional<Outputs> Cyrillic(char32_t base, char32_t mark, CyrillicVariant variant);
// A Greek letter (upper case, no mark) taken alone; digraphs are in transliterate.cpp.
std::optional<std::string_view> Greek(char32_t base);
// An Arabic-script letter; ة (U+0629) is resolved in transliterate.cpp by position.
std::optional<std::string_view> Arabic(char32_t cp);

}  // namespace checkpoint::documents::translit
