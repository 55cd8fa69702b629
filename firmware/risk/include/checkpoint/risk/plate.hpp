#pragma once
// Licence plates as ANPR cameras and people write them: normalisation to A-Z 0-9,
// per-country formats, and a matching key tolerant of the usual OCR confusions.
// The rules, countries and their sources are in docs/risk/plates-and-documents.md.
//
// Pure: no I/O, no global state (the country table is constant); every function is
// safe to call from any thread and never throws on any input (except std::bad_alloc).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace checkpoint::risk {

// Input longer than this many bytes is refused unread (no plate needs more, even
// in Cyrillic with separators).
inline constexpr std::size_t kMaxPlateInput = 64;
// A normalised plate longer than this is reported as an error (still returned).
inline constexpr std::size_t kMaxPlateLength = 12;

struct NormalisedPlate {
  // Only A-Z and 0-9: uppercased, separators (spaces, dashes, dots, middle dots,
  // slashes, underscores, colons) removed, Cyrillic and Greek look-alike letters and
  // Latin letters with diacritics transliterated. Characters that are none of these
  // are dropped (and reported). Empty for input over kMaxPlateInput or not UTF-8.
  // Normalising `text` again gives `text` (idempotent).
  std::string text;
  // "GB", "DE", ... : the country rules applied, "" for the generic ones.
  std::string country;
  // The name of the country format `text` matches ("current", "series", ...), or
  // empty when it matches none (a warning at most: old, special and personalised
  // plates exist in every country).
  std::string format;
  // Problems with the input: invalid UTF-8, control characters, characters not used
  // on plates, length. Never echoes bytes that are not printable ASCII.
  std::vector<std::string> errors;
  // Findings that do not make the reading unusable, e.g. "no GB format matches".
  std::vector<std::string> warnings;
};

// country: ISO 3166-1 alpha-2 code as cameras report the region ("de", "GB", "uk",
// "pl", "ua", "ru"); unknown or empty selects the generic rules.
NormalisedPlate NormalisePlate(std::string_view utf8, std::string_view country);

// A key equal for readings of the same plate that differ only by OCR confusions:
// O/Q/0, I/1, B/8, S/5, Z/2 everywhere (generic), plus D/0 for Poland, whose series
// part never uses D. Where the country has a fixed-position format (GB current,
// UA, RU) and `normalised` fits it, the key is the plate with every character turned
// to the type of its position ("AB51ABC" for "A851A8C" in GB); otherwise each
// character is replaced by its class representative (digits). Either way two
// readings get equal keys exactly when their folded forms are equal.
// `normalised` is NormalisePlate(...).text; other input is normalised first.
std::string PlateMatchKey(std::string_view normalised, std::string_view country);

// NormalisePlate both, then compare keys. False when either normalisation reports
// an error (a reading with dropped or undecodable characters is not known well
// enough) or gives nothing.
bool SamePlate(std::string_view a, std::string_view b, std::string_view country);

}  // namespace checkpoint::risk
