#pragma once
// Name similarity for watchlist screening (docs/risk/screening.md).
//
// Names are compared as bags of MRZ tokens (A-Z words), so that swapped and
// compound names, missing middle names, typos, OCR misreadings and different
// romanisations of one name still meet:
//  - a token's *skeleton* folds the spellings that romanisation systems and OCR
//    disagree on (SHCH/SCH/SH → S, TSCH/TCH/CH/TS/CZ → C, KH → H, ZH → Z, Y/J → I,
//    IE/YE/JE → E, IU/YU/JU → U, IA/YA/JA → A, AE/OE/UE → A/O/U, KS → X, W → V,
//    PH → F, doubled letters once), so SHEVCHENKO, SCHEWTSCHENKO and SEVCENKO share
//    one skeleton;
//  - two tokens are as similar as their closest spelling: 1 - d / max length, d the
//    optimal-string-alignment distance (one edit per typo, transpositions included),
//    over the tokens as written and over their skeletons;
//  - two names pair their tokens greedily, best pairs first, where a pair may also
//    join two adjacent tokens of one side (GARCIA LOPEZ ~ GARCIALOPEZ); the score is
//    the mean of the matched share of each side, weighted by token length.
//
// Pure and allocation-light: the scoring functions work on fixed-size buffers.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace checkpoint::risk {

// Longest token compared; longer tokens are cut (no name word is this long).
inline constexpr std::size_t kMaxTokenLength = 24;
// Most tokens of one name taken into account (hostile input is cut, not slowed).
inline constexpr std::size_t kMaxNameTokens = 8;

// The number of bits set. std::popcount compiles to a library call on x86-64 without
// POPCNT (the baseline these builds target); bit slicing is a few inline instructions.
constexpr int CountBits(std::uint32_t v) noexcept {
  v = v - ((v >> 1) & 0x55555555U);
  v = (v & 0x33333333U) + ((v >> 2) & 0x33333333U);
  return static_cast<int>((((v + (v >> 4)) & 0x0F0F0F0FU) * 0x01010101U) >> 24);
}

// The skeleton of one token of A-Z letters (other bytes are dropped).
std::string Skeleton(std::string_view token);

// Optimal string alignment distance (Levenshtein with adjacent transpositions), or
// limit + 1 when it exceeds limit (computation stops early).
int OsaDistance(std::string_view a, std::string_view b, int limit);

// The same distance from one string to many, bit-parallel (Hyyrö's bit-vector
// algorithm with its transposition term): the pattern is prepared once, then each
// distance costs a few word operations per letter of the other string instead of a
// row of the dynamic programme. Strings are cut to kMaxTokenLength as above.
class OsaPattern {
 public:
  explicit OsaPattern(std::string_view pattern);
  // OsaDistance(pattern, text, limit), exactly.
  int Distance(std::string_view text, int limit) const;

 private:
  std::array<std::uint32_t, 256> peq_{};  // per byte: the positions where it occurs
  int length_ = 0;
};

// 1 - d / max(len) over the tokens as written and over their skeletons, the better
// of the two; 0 when either is empty.
double TokenSimilarity(std::string_view a, std::string_view b, std::string_view skel_a,
                       std::string_view skel_b);

// One side of a comparison, as views: up to kMaxNameTokens tokens with their
// skeletons. The viewed strings must outlive it.
struct NameView {
  std::array<std::string_view, kMaxNameTokens> tokens{};
  std::array<std::string_view, kMaxNameTokens> skeletons{};
  std::size_t size = 0;
  // Each token's and skeleton's letter set (bit i: 'A' + i occurs), when the caller
  // has them ready (the person index keeps them per listed word); computed by
  // PreparedName otherwise.
  std::array<std::uint32_t, kMaxNameTokens> letters{}, skeleton_letters{};
  bool has_letters = false;
};

// One side of a comparison that owns its strings.
class NameTokens {
 public:
  NameTokens() = default;
  // Splits MRZ-form text (A-Z words separated by '<', spaces or any other byte).
  static NameTokens FromMrz(std::string_view text);
  std::size_t size() const { return tokens_.size(); }
  const std::vector<std::string>& tokens() const { return tokens_; }
  const std::vector<std::string>& skeletons() const { return skeletons_; }
  NameView View() const;

 private:
  std::vector<std::string> tokens_, skeletons_;
};

// One paired unit of a match, for the explanation: query and entry text (a joined
// pair shows as "GARCIA LOPEZ") and their similarity.
struct TokenPair {
  std::string query, entry;
  double similarity = 0;
};

struct NameScore {
  double score = 0;  // 0..1
  std::vector<TokenPair> pairs;
};

// Tokens below this similarity do not pair at all.
inline constexpr double kMinTokenSimilarity = 0.75;

// Edits two spellings of a word may differ by and still pair: none up to three
// letters, one up to nine, two from ten. Bounded so that the index (which looks words
// up within one edit, two from ten letters) and brute force see the same pairs.
constexpr int MaxWordEdits(std::size_t longest) {
  return longest < 4 ? 0 : longest < 10 ? 1 : 2;
}

// The similarity of a query name and one name form of a list entry. explain fills
// pairs (otherwise left empty, which is faster).
NameScore CompareNames(const NameView& query, const NameView& entry, bool explain);

// A name made ready for many comparisons: its units (each token, and each adjacent
// pair joined) with lengths and letter sets, so that most pairs of units are ruled
// out without computing a distance. Holds views into the NameView's strings and its
// own buffers for the joined pairs: not copyable.
class PreparedName {
 public:
  explicit PreparedName(const NameView& name);
  PreparedName(const PreparedName&) = delete;
  PreparedName& operator=(const PreparedName&) = delete;

  struct Unit {
    std::string_view text, skeleton;
    std::uint32_t letters = 0, skeleton_letters = 0;  // bit i: letter 'A' + i occurs
    std::uint8_t tokens = 0;                          // bit i: covers token i
    std::uint8_t first = 0, count = 0;
  };
  const NameView& name() const { return name_; }
  std::size_t size() const { return size_; }
  const Unit& unit(std::size_t i) const { return unit_[i]; }
  std::size_t total_length() const { return total_length_; }

 private:
  NameView name_;
  std::array<Unit, 2 * kMaxNameTokens> unit_;
  std::size_t size_ = 0, total_length_ = 0;
  std::array<std::array<char, 2 * kMaxTokenLength>, kMaxNameTokens> joined_, joined_skeleton_;
};

// What one query keeps while it is compared with many entries: its units' spellings
// prepared for the bit-parallel distance, and the similarities of its units to single
// listed words, each computed once (the shortlist of a query on a common name holds
// the same listed words over and over). Valid only while the entries' single-word
// units view interned text (one address per distinct word, none reused for another
// while the cache is in use), as the person index's do. Reset() for each query; the
// cache is used only with the PreparedName it was reset for.
class SimilarityCache {
 public:
  SimilarityCache();
  // Starts a query: forgets every similarity in constant time and prepares the
  // query's units. `query` must outlive its use with this cache.
  void Reset(const PreparedName& query);
  const PreparedName* query() const noexcept { return query_; }
  const OsaPattern& text_pattern(std::size_t unit) const { return text_[unit]; }
  const OsaPattern& skeleton_pattern(std::size_t unit) const { return skeleton_[unit]; }

  // The similarity of query unit `unit` and `word`, computed by `compute` once.
  template <typename Compute>
  double Get(std::size_t unit, std::string_view word, Compute&& compute) {
    Slot& slot = slots_[Index(unit, word)];
    if (slot.generation == generation_ && slot.text == word.data() && slot.size == word.size() &&
        slot.unit == unit) {
      return slot.similarity;
    }
    const double s = compute();
    slot = {word.data(), s, generation_, static_cast<std::uint16_t>(word.size()),
            static_cast<std::uint16_t>(unit)};
    return s;
  }

 private:
  struct Slot {
    const char* text = nullptr;
    double similarity = 0;
    std::uint32_t generation = 0;
    std::uint16_t size = 0, unit = 0;
  };
  static constexpr std::size_t kBits = 12;
  std::size_t Index(std::size_t unit, std::string_view word) const noexcept {
    const auto key = reinterpret_cast<std::uintptr_t>(word.data()) * 0x9E3779B97F4A7C15ULL +
                     unit * 0xC2B2AE3D27D4EB4FULL;
    return static_cast<std::size_t>(key >> (64 - kBits));
  }
  std::vector<Slot> slots_;
  std::uint32_t generation_ = 1;
  const PreparedName* query_ = nullptr;
  std::vector<OsaPattern> text_, skeleton_;
};

// cache: optional, see SimilarityCache (explanations are the same with or without).
NameScore CompareNames(const PreparedName& query, const PreparedName& entry, bool explain,
                       SimilarityCache* cache = nullptr);

}  // namespace checkpoint::risk
