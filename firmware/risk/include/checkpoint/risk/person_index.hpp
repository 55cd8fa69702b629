#pragma once
// Listed persons, indexed for screening travellers on the box (docs/risk/screening.md).
//
// Build once from the list (names in any script), then Screen() any number of
// travellers concurrently: the index is immutable after Build, so readers need no
// lock. Deltas and full replacements go through PersonWatchlist, which publishes
// new snapshots without stopping readers.
//
// Screening: the traveller's name tokens (and adjacent pairs joined) are looked up by
// skeleton in a dictionary of the list's tokens, exactly and within the edits
// MaxWordEdits allows (deletion indexes over the dictionary, SymSpell style, the
// two-edit one over word prefixes); the postings of matched tokens
// vote for entries, weighted by rarity (IDF) and token similarity; the best-voted
// entries, nudged by birth year, are scored in full by the same function as
// ScreenBruteForce() uses, and those at or above the threshold are hits, each with
// the reasons it is one.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/risk/name_match.hpp"

namespace checkpoint::risk {

// A date of birth as lists and documents give it: parts may be unknown (0). A year
// read from an MRZ has two digits (two_digit_year): it then matches modulo 100.
struct PartialDate {
  int year = 0, month = 0, day = 0;
  bool two_digit_year = false;
  bool operator==(const PartialDate&) const = default;
};

// "YYYY-MM-DD", "YYYY-MM" or "YYYY" (list form); anything else is a kParse error.
Expected<PartialDate> ParseListDate(std::string_view text);
// "YYMMDD" as printed in an MRZ, '<' for unknown parts; a kParse error otherwise.
Expected<PartialDate> ParseMrzDate(std::string_view yymmdd);

struct PersonRecord {
  std::string id;
  // Full names in any script and any order of surname and given names: the name and
  // its aliases. Each is transliterated to its MRZ forms (ICAO 9303 Part 3).
  std::vector<std::string> names;
  PartialDate birth;
  std::string nationality;  // ISO 3166-1 alpha-3 (or ICAO code), or empty
  char sex = 0;             // 'M', 'F', 'X' or 0 when not listed
  std::string agency, reason, action;
  std::int64_t valid_from_ms = 0, valid_until_ms = 0;  // 0: open
  // The agencies besides `agency` that may see a hit (docs/risk/screening.md); empty:
  // the owner only; nullopt: the box's default (the console's restricted_agencies).
  std::optional<std::vector<std::string>> share_with;
};

// A sharing policy in the indexes' compact form (interned like the other listing
// texts): "" when absent, otherwise "share:" and the agencies joined by ','.
std::string SharingKey(const std::optional<std::vector<std::string>>& share_with);
std::optional<std::vector<std::string>> SharingFromKey(std::string_view key);

struct PersonQuery {
  // MRZ form (A-Z and '<') or UTF-8 in any script.
  std::string surname, given_names;
  PartialDate birth;        // year 0 when unknown
  std::string nationality;  // empty when unknown
  char sex = 0;             // 'M', 'F', 'X', or 0/'<' when unknown
};

struct ScreeningOptions {
  double threshold = 0.80;       // final score at or above which an entry is a hit
  double min_name_score = 0.70;  // the name alone must reach this, whatever corroborates
  std::size_t max_hits = 10;
  std::size_t shortlist = 96;  // entries scored in full per query (ties may add more)
  // The reference time for validity (entries outside theirs are skipped); 0: ignore.
  std::int64_t now_ms = 0;
  // Entries to skip (removed or replaced by a later delta), indexed by entry; may be
  // null or shorter than the index.
  const std::vector<bool>* hidden = nullptr;
};

struct PersonHit {
  std::uint32_t entry = 0;  // position in the index
  std::string id;
  double score = 0;       // 0..1: name, then corroboration or contradiction
  double name_score = 0;  // 0..1
  double rank = 0;        // the score before it is clipped to 0..1: orders the hits
  std::string agency;     // who listed the person (explained hits only)
  std::optional<std::vector<std::string>> share_with;  // explained hits only
  std::vector<std::string> reasons;
};

struct PersonIndexStats {
  std::size_t entries = 0, names = 0, forms = 0, tokens = 0, skeletons = 0, postings = 0,
              deletion_keys = 0;
  std::size_t rejected_names = 0;  // names with no transliteration (kept out, counted)
  std::size_t bytes = 0;           // approximate heap held by the index
};

class PersonIndex {
 public:
  // Names that cannot be transliterated are skipped and counted (a list must not be
  // refused whole for one unreadable alias); an entry left with no name at all is an
  // error naming its id.
  static Expected<std::shared_ptr<const PersonIndex>> Build(std::vector<PersonRecord> records);

  std::vector<PersonHit> Screen(const PersonQuery& query, const ScreeningOptions& options) const;
  // The same scoring applied to every entry: the baseline for speed and recall.
  std::vector<PersonHit> ScreenBruteForce(const PersonQuery& query,
                                          const ScreeningOptions& options) const;

  std::size_t size() const;
  std::string_view Id(std::uint32_t entry) const;
  // The entry with this id, if any.
  std::optional<std::uint32_t> Find(std::string_view id) const;
  const PersonIndexStats& stats() const;

  ~PersonIndex();
  PersonIndex(const PersonIndex&) = delete;
  PersonIndex& operator=(const PersonIndex&) = delete;

  struct Impl;

 private:
  explicit PersonIndex(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace checkpoint::risk
