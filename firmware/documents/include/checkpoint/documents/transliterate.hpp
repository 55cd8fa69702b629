#pragma once
// Transliteration of names into the MRZ alphabet (A-Z and the filler '<') after ICAO
// Doc 9303 Part 3 §6, so that screening can compare a name held in a national script
// (a watchlist entry in Cyrillic, a name typed with diacritics) with what a document
// prints in its machine readable zone.
//
// Pure: no I/O, no global mutable state (the tables are constants); safe to call from
// any thread. Work and memory per call are bounded by kMaxNameBytes and the form cap.
//
// Errors (CommonErrc::kParse) name the byte offset and the kind of fault, never the
// input: names are personal data and errors end up in logs.
//
// Tables, variants, the order of the forms and what is not covered:
// docs/documents/transliteration.md.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/common/error.hpp"

namespace checkpoint::documents {

// The national variants of Part 3's Cyrillic table. kRussian is the table without
// national notes.
enum class CyrillicVariant { kRussian, kUkrainian, kBelarusian, kBulgarian, kSerbian, kMacedonian };

// "RUSSIAN", "UKRAINIAN", ...
std::string_view CyrillicVariantName(CyrillicVariant variant);

// The variant for a document's issuing state or nationality code (trailing fillers
// removed): UKR, BLR, BGR, SRB (also MNE, BIH), MKD, RUS; nullopt for other codes,
// for which callers use the default (kRussian) or try several variants.
std::optional<CyrillicVariant> CyrillicVariantForState(std::string_view state_code);

// Longest accepted input, in bytes of UTF-8. Longer input is an error, not truncated.
inline constexpr std::size_t kMaxNameBytes = 512;
// Default and largest number of forms returned.
inline constexpr std::size_t kDefaultMaxForms = 16;
inline constexpr std::size_t kMaxFormsLimit = 64;

struct TransliterationOptions {
  CyrillicVariant cyrillic = CyrillicVariant::kRussian;
  // 1..kMaxFormsLimit; other values are an error (kInvalidArgument).
  std::size_t max_forms = kDefaultMaxForms;
};

// The MRZ forms of one name (a primary or a secondary identifier, or any sequence of
// name words) given in UTF-8, NFC or NFD, any case. Each form holds only A-Z and '<':
// spaces, hyphens and '<' become one '<' between words (runs collapsed, none at
// either end); apostrophes and other punctuation are dropped; letters are
// transliterated per Part 3. The first form is the ICAO recommended one; then, in
// this order and without duplicates, up to max_forms in all:
//   1. every character in its "simplified" spelling (Ä → A, Ü → U, national spellings),
//   2. every character in its "XX" spelling (Ü → UXX, Ñ → NXX),
//   3. the mixed spellings, varying the last ambiguous character fastest.
// Deterministic: the same input and options always give the same list.
//
// Errors (kParse): empty input or input without letters; input longer than
// kMaxNameBytes; invalid UTF-8 (overlong forms, surrogates, code points above
// U+10FFFF, truncated or stray continuation bytes); a character with no
// transliteration (digits, control characters, CJK, emoji ...); a combining mark
// with no letter before it.
Expected<std::vector<std::string>> MrzNameForms(std::string_view utf8,
                                                const TransliterationOptions& options);

// The ICAO recommended form alone.
Expected<std::string> MrzName(std::string_view utf8, const TransliterationOptions& options);

// Widths of the name field: TD1 line 3 (30), TD2 and MRV-B line 1 positions 6-36
// (31), TD3 and MRV-A line 1 positions 6-44 (39).
inline constexpr std::size_t kTd1NameWidth = 30;
inline constexpr std::size_t kTd2NameWidth = 31;
inline constexpr std::size_t kTd3NameWidth = 39;

struct MrzNameField {
  std::string field;  // exactly the requested width, padded with '<'
  bool truncated = false;
  bool operator==(const MrzNameField&) const = default;
};

// The name field built from a primary and a secondary identifier already in MRZ form
// (A-Z and '<', as MrzNameForms returns; the secondary may be empty): PRIMARY<<
// SECONDARY padded with '<' to width. A name that does not fit is cut at width and
// any fillers left at the end of the cut are replaced by padding, so the secondary
// identifier loses its last characters first; a primary identifier longer than the
// field is itself cut (Part 3 §4.6; see the docs for the cases Part 3 leaves to the
// issuer). Errors (kInvalidArgument): width outside 2..64, an empty primary
// identifier, characters other than A-Z and '<'.
Expected<MrzNameField> BuildMrzNameField(std::string_view primary, std::string_view secondary,
                                         std::size_t width);

}  // namespace checkpoint::documents
