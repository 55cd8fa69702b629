#include "checkpoint/risk/person_index.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <functional>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "checkpoint/documents/transliterate.hpp"

namespace checkpoint::risk {
namespace {

Error ParseError(std::string message) {
  return MakeError(CommonErrc::kParse, std::move(message));
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

int TwoDigits(std::string_view s) {
  return (s[0] - '0') * 10 + (s[1] - '0');
}

// At most this many MRZ forms per listed name (the ICAO form and its alternatives).
constexpr std::size_t kFormsPerName = 4;
// Skeletons at least this long get a deletion index (shorter ones match exactly).
constexpr std::size_t kMinFuzzyLength = 3;

std::uint64_t Hash(std::string_view s) {
  return std::hash<std::string_view>{}(s);
}

// The MRZ text of a name: plain ASCII names are upper-cased directly (the common
// case, and the fast one); anything else goes through ICAO 9303 Part 3.
Expected<std::vector<std::string>> MrzForms(std::string_view name, std::string_view nationality,
                                            std::size_t max_forms) {
  const bool plain = std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == ' ' || c == '<' || c == '-' ||
           c == ',' || c == '\'' || c == '.';
  });
  if (plain) {
    std::string s;
    s.reserve(name.size());
    for (char c : name) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      if (c >= 'A' && c <= 'Z') {
        s += c;
      } else if (c != '\'' && c != '.') {
        if (!s.empty() && s.back() != '<') s += '<';
      }
    }
    while (!s.empty() && s.back() == '<') s.pop_back();
    if (s.empty()) return ParseError("name has no letters");
    return std::vector<std::string>{std::move(s)};
  }
  documents::TransliterationOptions o;
  o.max_forms = max_forms;
  if (auto v = documents::CyrillicVariantForState(nationality)) o.cyrillic = *v;
  return documents::MrzNameForms(name, o);
}

std::vector<std::string_view> Split(std::string_view form) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start < form.size() && out.size() < kMaxNameTokens) {
    const std::size_t end = std::min(form.find('<', start), form.size());
    if (end > start) out.push_back(form.substr(start, std::min(end - start, kMaxTokenLength)));
    start = end + 1;
  }
  return out;
}

// Strings stored back to back, addressed by id.
class Arena {
 public:
  std::uint32_t Add(std::string_view s) {
    text_.append(s);
    offsets_.push_back(static_cast<std::uint32_t>(text_.size()));
    return static_cast<std::uint32_t>(offsets_.size() - 2);
  }
  std::string_view operator[](std::uint32_t i) const {
    return std::string_view(text_).substr(offsets_[i], offsets_[i + 1] - offsets_[i]);
  }
  std::size_t size() const { return offsets_.size() - 1; }
  std::size_t Length(std::uint32_t i) const { return offsets_[i + 1] - offsets_[i]; }
  std::size_t bytes() const { return text_.capacity() + offsets_.capacity() * 4; }
  void Shrink() {
    text_.shrink_to_fit();
    offsets_.shrink_to_fit();
  }

 private:
  std::string text_;
  std::vector<std::uint32_t> offsets_{0};
};

// Heterogeneous lookup: find by string_view without building a std::string.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Interns strings: equal strings get one id.
class Interner {
 public:
  std::uint32_t Intern(std::string_view s) {
    auto it = ids_.find(s);
    if (it != ids_.end()) return it->second;
    const std::uint32_t id = arena_.Add(s);
    ids_.emplace(std::string(s), id);
    return id;
  }
  // Once built: the map gives way to hashes sorted behind a directory by their top
  // bits (a lookup is about two memory accesses, and no node per string is kept).
  void Freeze() {
    std::vector<std::pair<std::uint64_t, std::uint32_t>> by_hash;
    by_hash.reserve(arena_.size());
    for (std::uint32_t i = 0; i < arena_.size(); ++i) by_hash.emplace_back(Hash(arena_[i]), i);
    std::sort(by_hash.begin(), by_hash.end());
    hash_.clear();
    id_.clear();
    for (const auto& [h, i] : by_hash) {
      hash_.push_back(h);
      id_.push_back(i);
    }
    bits_ = std::clamp(static_cast<int>(std::bit_width(hash_.size())), 1, 24);
    directory_.assign((std::size_t{1} << bits_) + 1, 0);
    for (std::uint64_t h : hash_) ++directory_[(h >> (64 - bits_)) + 1];
    for (std::size_t b = 1; b < directory_.size(); ++b) directory_[b] += directory_[b - 1];
    ids_ = {};
    frozen_ = true;
  }
  std::optional<std::uint32_t> Find(std::string_view s) const {
    if (!frozen_) {
      auto it = ids_.find(s);
      if (it == ids_.end()) return std::nullopt;
      return it->second;
    }
    const std::uint64_t h = Hash(s);
    const std::size_t b = h >> (64 - bits_);
    for (std::uint32_t k = directory_[b]; k < directory_[b + 1]; ++k) {
      if (hash_[k] == h && arena_[id_[k]] == s) return id_[k];
    }
    return std::nullopt;
  }
  const Arena& arena() const { return arena_; }
  Arena& arena() { return arena_; }
  std::size_t bytes() const {
    return arena_.bytes() + ids_.size() * 64 + hash_.capacity() * 8 +
           (id_.capacity() + directory_.capacity()) * 4;
  }

 private:
  Arena arena_;
  std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>> ids_;
  std::vector<std::uint64_t> hash_;
  std::vector<std::uint32_t> id_, directory_;
  int bits_ = 1;
  bool frozen_ = false;
};

// Deletion variants (SymSpell): two strings within d edits reach a common string with
// at most d deletions from each (a substitution or a transposition costs one deletion
// on each side, an insertion one on the other side).
//  - One edit, every string of kMinFuzzyLength letters or more: the variants with one
//    deletion of the whole string.
//  - Two edits, which MaxWordEdits allows from ten letters on: the variants with up to
//    two deletions of the first kPrefix letters only (SymSpell's prefix index) of every
//    string of kMinTwoEditPartner letters or more (eight letters pair with ten at two
//    insertions). Cutting both strings after kPrefix letters keeps the bound: an
//    insertion before the cut pushes a letter out of one window, which a deletion at
//    the end of the other window pays for. Candidates are then checked with the full
//    distance. The keys are hashed apart from the one-edit keys (kPrefixSalt).
// Whole-string variants with two deletions were measured first: 7× the keys and 2.5×
// the query time; the prefix keeps the key count to at most 37 per long word.
constexpr std::size_t kPrefix = 8;
constexpr std::size_t kMinTwoEditPartner = 8;
constexpr std::uint64_t kPrefixSalt = 0x9e3779b97f4a7c15ULL;

// The longest string a deletion variant is made of: a query unit joins two tokens.
constexpr std::size_t kMaxVariantSource = 2 * kMaxTokenLength;

// Calls f with each variant of s with one deletion, each once (a view of a buffer
// that changes between calls). Strings are cut to kMaxVariantSource.
template <typename F>
void ForEachDeletion(std::string_view s, F&& f) {
  if (s.size() < kMinFuzzyLength) return;
  s = s.substr(0, kMaxVariantSource);
  std::array<char, kMaxVariantSource> buf{};
  const std::size_t n = s.size() - 1;
  std::copy(s.begin() + 1, s.end(), buf.begin());  // s without s[0]
  f(std::string_view(buf.data(), n));
  for (std::size_t k = 1; k < s.size(); ++k) {
    buf[k - 1] = s[k - 1];           // now s without s[k]
    if (s[k] == s[k - 1]) continue;  // the same variant as the last one
    f(std::string_view(buf.data(), n));
  }
}

// Calls f with the first kPrefix letters of s with zero, one and two deletions (a
// variant may come more than once); none when s is shorter than kMinTwoEditPartner.
template <typename F>
void ForEachPrefixVariant(std::string_view s, F&& f) {
  if (s.size() < kMinTwoEditPartner) return;
  const std::string_view p = s.substr(0, kPrefix);
  f(p);
  std::array<char, kPrefix> one{}, two{};
  for (std::size_t a = 0; a < p.size(); ++a) {
    std::size_t m = 0;
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (i != a) one[m++] = p[i];
    }
    f(std::string_view(one.data(), m));
    for (std::size_t b = a; b < m; ++b) {
      std::size_t k = 0;
      for (std::size_t i = 0; i < m; ++i) {
        if (i != b) two[k++] = one[i];
      }
      f(std::string_view(two.data(), k));
    }
  }
}

std::uint64_t PrefixHash(std::string_view v) {
  return Hash(v) ^ kPrefixSalt;
}

std::uint32_t LetterSet(std::string_view s) {
  std::uint32_t m = 0;
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') m |= 1U << (c - 'A');
  }
  return m;
}

struct DeletionIndex {
  std::vector<std::uint32_t> fingerprint;
  std::vector<std::uint32_t> id;
  std::vector<std::uint32_t> letters;  // per dictionary string: bit i set when 'A' + i occurs

  void Build(const Arena& strings, bool with_two_edits) {
    two_edits = with_two_edits;
    letters.resize(strings.size());
    for (std::uint32_t i = 0; i < strings.size(); ++i) letters[i] = LetterSet(strings[i]);
    std::vector<std::pair<std::uint64_t, std::uint32_t>> dels;
    for (std::uint32_t i = 0; i < strings.size(); ++i) {
      ForEachDeletion(strings[i], [&](std::string_view v) { dels.emplace_back(Hash(v), i); });
      if (!two_edits) continue;
      ForEachPrefixVariant(strings[i],
                           [&](std::string_view v) { dels.emplace_back(PrefixHash(v), i); });
    }
    std::sort(dels.begin(), dels.end());
    dels.erase(std::unique(dels.begin(), dels.end()), dels.end());
    // A directory by the top bits of the hash, about four keys per bucket: a lookup
    // is two memory accesses instead of a binary search's twenty. Each key keeps the
    // low 32 bits of its hash as a fingerprint (the top bits are the bucket's); the
    // rare false match is a candidate like any other, checked by its distance.
    bits = std::clamp(static_cast<int>(std::bit_width(dels.size())) - 2, 1, 24);
    directory.assign((std::size_t{1} << bits) + 1, 0);
    fingerprint.reserve(dels.size());
    id.reserve(dels.size());
    for (const auto& [h, i] : dels) {
      fingerprint.push_back(static_cast<std::uint32_t>(h));
      id.push_back(i);
      ++directory[(h >> (64 - bits)) + 1];
    }
    for (std::size_t b = 1; b < directory.size(); ++b) directory[b] += directory[b - 1];
  }

  template <typename F>
  void ForEach(std::uint64_t h, F&& f) const {
    const std::size_t b = h >> (64 - bits);
    const auto fp = static_cast<std::uint32_t>(h);
    for (std::uint32_t k = directory[b]; k < directory[b + 1]; ++k) {
      if (fingerprint[k] == fp) f(id[k]);
    }
  }

  // Ids of the dictionary's strings that may pair with s by MaxWordEdits (exact
  // included), with the distance, each once.
  void Lookup(std::string_view s, const Interner& dict, std::vector<std::uint32_t>& candidates,
              std::vector<std::pair<std::uint32_t, int>>& out, bool within_two = true) const {
    out.clear();
    if (s.empty()) return;
    const OsaPattern pattern(s);
    auto add = [&](std::uint32_t i) {
      for (const auto& [seen, d] : out) {
        if (seen == i) return;
      }
      const std::string_view t = dict.arena()[i];
      const int limit = std::min(1, MaxWordEdits(std::max(s.size(), t.size())));
      const int d = pattern.Distance(t, limit);
      if (d <= limit) out.emplace_back(i, d);
    };
    auto by_hash = [&](std::uint64_t h) { ForEach(h, add); };
    if (auto i = dict.Find(s)) add(*i);
    if (s.size() + 1 >= kMinFuzzyLength) {
      by_hash(Hash(s));  // strings one letter longer
      ForEachDeletion(s, [&](std::string_view v) {
        if (auto i = dict.Find(v)) add(*i);  // strings one letter shorter
        by_hash(Hash(v));                    // a letter different, or two swapped
      });
    }
    // Two edits: candidates by prefix, each checked once, those of ten letters or
    // more (or partners of such) within two edits.
    if (!two_edits || !within_two || s.size() < kMinTwoEditPartner) return;
    std::array<std::uint64_t, 64> hashes{};  // 37 variants at most
    std::size_t nhashes = 0;
    ForEachPrefixVariant(s, [&](std::string_view v) {
      if (nhashes < hashes.size()) hashes[nhashes++] = PrefixHash(v);
    });
    std::sort(hashes.begin(), hashes.begin() + static_cast<std::ptrdiff_t>(nhashes));
    nhashes = static_cast<std::size_t>(
        std::unique(hashes.begin(), hashes.begin() + static_cast<std::ptrdiff_t>(nhashes)) -
        hashes.begin());
    candidates.clear();
    const std::uint32_t query_letters = LetterSet(s);
    for (std::size_t h = 0; h < nhashes; ++h) {
      ForEach(hashes[h], [&](std::uint32_t i) {
        // An edit changes at most two letters of the letter set: most candidates
        // sharing a prefix are ruled out here.
        if (CountBits(letters[i] ^ query_letters) > 4) return;
        const std::size_t n = dict.arena().Length(i);
        const std::size_t longest = std::max(s.size(), n);
        if (MaxWordEdits(longest) >= 2 && longest - std::min(s.size(), n) <= 2) {
          candidates.push_back(i);
        }
      });
    }
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    const std::size_t found = out.size();
    for (std::uint32_t i : candidates) {
      const std::string_view t = dict.arena()[i];
      if (std::any_of(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(found),
                      [&](const auto& o) { return o.first == i; })) {
        continue;
      }
      const int d = pattern.Distance(t, 2);
      if (d == 2) out.emplace_back(i, d);
    }
  }

  std::size_t bytes() const {
    return (fingerprint.capacity() + id.capacity() + directory.capacity() + letters.capacity()) * 4;
  }

  std::vector<std::uint32_t> directory;
  int bits = 1;
  bool two_edits = false;
};

struct CompactDate {
  std::int16_t year = 0;
  std::int8_t month = 0, day = 0;
};

// Birth dates: the contribution of a comparison to the score and what to say.
struct Corroboration {
  double delta = 0;
  std::string reason;
};

std::string DateText(const PartialDate& d) {
  const int y = d.two_digit_year ? d.year % 100 : d.year;
  std::string s = (d.two_digit_year && y < 10 ? "0" : "") + std::to_string(y);
  if (d.month) s += (d.month < 10 ? "-0" : "-") + std::to_string(d.month);
  if (d.month && d.day) s += (d.day < 10 ? "-0" : "-") + std::to_string(d.day);
  return s;
}

Corroboration CompareBirth(const PartialDate& q, const PartialDate& e) {
  if (q.year == 0 || e.year == 0) return {};
  const bool modulo = q.two_digit_year || e.two_digit_year;
  const int qy = modulo ? q.year % 100 : q.year, ey = modulo ? e.year % 100 : e.year;
  const int dy = std::min(std::abs(qy - ey), modulo ? 100 - std::abs(qy - ey) : 1 << 20);
  const std::string listed = " (listed " + DateText(e) + ")";
  if (dy == 1) return {-0.12, "birth year differs by one" + listed};
  if (dy > 1) return {-0.25, "birth date differs" + listed};
  if (q.month == 0 || e.month == 0) return {0.04, "birth year matches" + listed};
  if (q.month != e.month) {
    if (q.day != 0 && q.day == e.month && q.month == e.day) {
      return {-0.02, "birth day and month swapped" + listed};
    }
    return {-0.08, "birth month differs" + listed};
  }
  if (q.day == 0 || e.day == 0) return {0.05, "birth year and month match" + listed};
  if (q.day != e.day) return {-0.05, "birth day differs" + listed};
  return {0.10, "birth date matches" + listed};
}

}  // namespace

Expected<PartialDate> ParseListDate(std::string_view t) {
  const auto digits = [&](std::size_t at, std::size_t n) {
    return t.size() >= at + n &&
           std::all_of(t.begin() + static_cast<std::ptrdiff_t>(at),
                       t.begin() + static_cast<std::ptrdiff_t>(at + n), IsDigit);
  };
  PartialDate d;
  if (!(t.size() == 4 || t.size() == 7 || t.size() == 10) || !digits(0, 4)) {
    return ParseError("date is not YYYY, YYYY-MM or YYYY-MM-DD");
  }
  d.year = TwoDigits(t.substr(0, 2)) * 100 + TwoDigits(t.substr(2, 2));
  if (t.size() >= 7) {
    if (t[4] != '-' || !digits(5, 2)) return ParseError("date is not YYYY, YYYY-MM or YYYY-MM-DD");
    d.month = TwoDigits(t.substr(5, 2));
    if (d.month < 1 || d.month > 12) return ParseError("date has a month outside 1-12");
  }
  if (t.size() == 10) {
    if (t[7] != '-' || !digits(8, 2)) return ParseError("date is not YYYY, YYYY-MM or YYYY-MM-DD");
    d.day = TwoDigits(t.substr(8, 2));
    if (d.day < 1 || d.day > 31) return ParseError("date has a day outside 1-31");
  }
  if (d.year == 0) return ParseError("date has year 0");
  return d;
}

std::string SharingKey(const std::optional<std::vector<std::string>>& share_with) {
  if (!share_with) return {};
  std::string key = "share:";
  for (std::size_t i = 0; i < share_with->size(); ++i) {
    if (i != 0) key += ',';
    key += (*share_with)[i];
  }
  return key;
}

std::optional<std::vector<std::string>> SharingFromKey(std::string_view key) {
  constexpr std::string_view kPrefix = "share:";
  if (!key.starts_with(kPrefix)) return std::nullopt;
  key.remove_prefix(kPrefix.size());
  std::vector<std::string> agencies;
  while (!key.empty()) {
    const auto comma = key.find(',');
    agencies.emplace_back(key.substr(0, comma));
    if (comma == std::string_view::npos) break;
    key.remove_prefix(comma + 1);
  }
  return agencies;
}

Expected<PartialDate> ParseMrzDate(std::string_view t) {
  if (t.size() != 6) return ParseError("MRZ date is not six characters");
  PartialDate d;
  d.two_digit_year = true;
  int* parts[] = {&d.year, &d.month, &d.day};
  for (std::size_t i = 0; i < 3; ++i) {
    const std::string_view p = t.substr(2 * i, 2);
    if (p == "<<") continue;
    if (!IsDigit(p[0]) || !IsDigit(p[1])) return ParseError("MRZ date is not digits or '<<'");
    *parts[i] = TwoDigits(p);
  }
  if (d.month > 12 || d.day > 31) return ParseError("MRZ date is not a calendar date");
  // Year 00 is a real year in an MRZ: keep it distinguishable from "unknown".
  if (t.substr(0, 2) == "00") d.year = 100;
  return d;
}

// A listed word near a query unit: its skeleton id, the similarity and the letters of
// the listed word (the entry's side of the name score).
struct NearWord {
  std::uint32_t sid;
  float similarity;
  float letters;              // an estimate (a skeleton stands for words of several lengths)
  std::uint8_t most_letters;  // the longest listed word it stands for: a bound
};

struct PersonIndex::Impl {
  // Entries.
  Arena ids;
  std::vector<CompactDate> birth;
  std::vector<std::int64_t> valid_from, valid_until;  // ms, 0: open
  std::vector<std::uint32_t> by_id;                   // entries sorted by id
  std::vector<std::array<char, 3>> nationality;
  std::vector<char> sex;
  Interner meta;                                         // agency, reason, action
  std::vector<std::array<std::uint32_t, 4>> entry_meta;  // agency, reason, action, sharing
  // Name forms: entry → forms → raw token ids.
  std::vector<std::uint32_t> entry_forms{0}, form_tokens_start{0}, form_tokens;
  // Token dictionaries.
  Interner tokens;                      // raw tokens
  std::vector<std::uint32_t> tok_skel;  // raw token → skeleton id
  Interner skeletons;
  std::vector<float> idf;
  // Per skeleton: its longest listed word (a bound) and its shortest (an estimate).
  std::vector<std::uint8_t> longest_word, shortest_word;
  // Postings: skeleton → entries (CSR).
  std::vector<std::uint32_t> post_start, postings;
  // Skeleton → entries that have it twice in one name form (CSR).
  std::vector<std::uint32_t> twice_start, twice;
  // The birth date of each posting's entry, beside it: the vote weighs birth dates
  // while it walks, without a random access to the entries per candidate.
  std::vector<CompactDate> posting_birth;
  // Letters of each entry's shortest name form, per entry and beside each posting.
  std::vector<std::uint8_t> name_length, posting_length;
  // Deletion indexes (hashes of one-deletion variants → ids, sorted by hash) of the
  // skeletons and of the tokens as written: a typo can change a skeleton by more
  // than one letter (LHCH for SHCH), and a romanisation a word by more than one.
  DeletionIndex skeleton_deletions, token_deletions;
  PersonIndexStats stats;

  std::uint32_t Entries() const { return static_cast<std::uint32_t>(birth.size()); }

  PartialDate Birth(std::uint32_t e) const {
    PartialDate d;
    d.year = birth[e].year;
    d.month = birth[e].month;
    d.day = birth[e].day;
    return d;
  }

  NameView FormView(std::uint32_t form) const {
    NameView v;
    for (std::uint32_t k = form_tokens_start[form]; k < form_tokens_start[form + 1]; ++k) {
      const std::uint32_t t = form_tokens[k];
      v.tokens[v.size] = tokens.arena()[t];
      v.skeletons[v.size] = skeletons.arena()[tok_skel[t]];
      v.letters[v.size] = token_deletions.letters[t];
      v.skeleton_letters[v.size] = skeleton_deletions.letters[tok_skel[t]];
      ++v.size;
    }
    v.has_letters = true;
    return v;
  }

  // The full score of one entry: the best name form, then corroboration.
  PersonHit Score(const PreparedName& q, const PersonQuery& query, std::uint32_t e,
                  const ScreeningOptions& o, bool explain, SimilarityCache* cache = nullptr) const {
    PersonHit hit;
    hit.entry = e;
    double best = 0;
    std::uint32_t best_form = entry_forms[e];
    for (std::uint32_t f = entry_forms[e]; f < entry_forms[e + 1]; ++f) {
      const PreparedName form(FormView(f));
      const double score = CompareNames(q, form, false, cache).score;
      if (score > best) {
        best = score;
        best_form = f;
      }
    }
    hit.name_score = best;
    hit.score = best;
    if (best < o.min_name_score) return hit;
    const Corroboration born = CompareBirth(query.birth, Birth(e));
    hit.score += born.delta;
    std::string nat_reason, sex_reason;
    const auto& nat = nationality[e];
    const std::string_view listed_nat(
        nat.data(),
        static_cast<std::size_t>(std::find(nat.begin(), nat.end(), '\0') - nat.begin()));
    if (!query.nationality.empty() && !listed_nat.empty()) {
      if (query.nationality == listed_nat) {
        hit.score += 0.03;
        nat_reason = "nationality matches (" + std::string(listed_nat) + ")";
      } else {
        hit.score -= 0.05;
        nat_reason = "nationality differs (listed " + std::string(listed_nat) + ")";
      }
    }
    const char qs = query.sex == '<' ? 0 : query.sex;
    if ((qs == 'M' || qs == 'F') && (sex[e] == 'M' || sex[e] == 'F')) {
      if (qs == sex[e]) {
        sex_reason = "sex matches";
      } else {
        hit.score -= 0.10;
        sex_reason = std::string("sex differs (listed ") + sex[e] + ")";
      }
    }
    hit.rank = hit.score;
    hit.score = std::clamp(hit.score, 0.0, 1.0);
    if (!explain) return hit;
    hit.id = ids[e];
    const PreparedName form(FormView(best_form));
    const NameScore why = CompareNames(q, form, true, cache);
    std::string name =
        "name " + std::to_string(static_cast<int>(std::lround(why.score * 100))) + "%:";
    for (const auto& p : why.pairs) {
      name += ' ' + p.query + (p.similarity >= 1.0 ? "=" : "~") + p.entry;
      if (p.similarity < 1.0) {
        name += " (" + std::to_string(static_cast<int>(std::lround(p.similarity * 100))) + "%)";
      }
    }
    hit.reasons.push_back(std::move(name));
    if (!born.reason.empty()) hit.reasons.push_back(born.reason);
    if (!nat_reason.empty()) hit.reasons.push_back(nat_reason);
    if (!sex_reason.empty()) hit.reasons.push_back(sex_reason);
    // Agency (plain: it is also the hit's field), reason, action.
    const auto& m = entry_meta[e];
    if (m[0] != 0) {
      hit.agency = meta.arena()[m[0]];
      hit.reasons.push_back("listed by " + hit.agency);
    }
    for (std::size_t i = 1; i < 3; ++i) {
      if (m[i] != 0) hit.reasons.push_back(std::string(meta.arena()[m[i]]));
    }
    if (m[3] != 0) hit.share_with = SharingFromKey(meta.arena()[m[3]]);
    return hit;
  }

  // Whether entry e is in force: not hidden by a delta, and within its validity.
  bool Active(std::uint32_t e, const ScreeningOptions& o) const {
    if (o.hidden != nullptr && e < o.hidden->size() && (*o.hidden)[e]) return false;
    if (o.now_ms == 0) return true;
    return (valid_from[e] == 0 || valid_from[e] <= o.now_ms) &&
           (valid_until[e] == 0 || o.now_ms < valid_until[e]);
  }

  // Scores entry e and keeps it when it is a hit, unexplained (Best() explains the
  // ones it keeps).
  void Consider(const PreparedName& q, const PersonQuery& query, std::uint32_t e,
                const ScreeningOptions& o, std::vector<PersonHit>& hits,
                SimilarityCache* cache = nullptr) const {
    if (!Active(e, o)) return;
    PersonHit h = Score(q, query, e, o, false, cache);
    if (h.score >= o.threshold && h.name_score >= o.min_name_score) hits.push_back(std::move(h));
  }

  // The best o.max_hits of the hits Consider() kept, best first (ties by id, so
  // results are deterministic), each explained. Only the hits returned are
  // explained: a query on a common name may pass the threshold with many namesakes.
  std::vector<PersonHit> Best(std::vector<PersonHit> hits, const PreparedName& q,
                              const PersonQuery& query, const ScreeningOptions& o,
                              SimilarityCache* cache = nullptr) const {
    const auto better = [&](const PersonHit& a, const PersonHit& b) {
      return a.rank > b.rank || (a.rank == b.rank && ids[a.entry] < ids[b.entry]);
    };
    if (hits.size() > o.max_hits) {
      std::nth_element(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(o.max_hits),
                       hits.end(), better);
      hits.resize(o.max_hits);
    }
    std::sort(hits.begin(), hits.end(), better);
    for (PersonHit& h : hits) h = Score(q, query, h.entry, o, true, cache);
    return hits;
  }

  // Skeleton ids whose skeleton may pair with the unit's skeleton, or one of whose
  // words with the unit as written (within MaxWordEdits), with the similarity of the
  // closer of the two and the letters of the listed word it stands for, best first.
  void Lookup(std::string_view raw, std::string_view skeleton, bool joined,
              std::vector<std::uint32_t>& candidates,
              std::vector<std::pair<std::uint32_t, int>>& near, std::vector<NearWord>& out) const {
    out.clear();
    // A word as written gives the listed letters exactly; a skeleton only estimates
    // them: at equal similarity, the word's count wins.
    auto keep = [&](std::uint32_t sid, float sim, float letters, bool exact_letters) {
      for (auto& w : out) {
        if (w.sid == sid) {
          if (sim > w.similarity || (sim == w.similarity && exact_letters)) {
            w = {sid, sim, letters, longest_word[sid]};
          }
          return;
        }
      }
      out.push_back({sid, sim, letters, longest_word[sid]});
    };
    auto similarity = [](int d, std::size_t a, std::size_t b) {
      return 1.0F -
             static_cast<float>(d) / static_cast<float>(std::max<std::size_t>(1, std::max(a, b)));
    };
    // Neighbours too short to reach kMinTokenSimilarity cannot pair when scored. A
    // skeleton stands for words of several lengths: the estimate takes the shortest,
    // so that a short listed word does not look like a long one.
    skeleton_deletions.Lookup(skeleton, skeletons, candidates, near);
    for (const auto& [sid, d] : near) {
      const float sim = similarity(d, skeleton.size(), skeletons.arena()[sid].size());
      const auto letters = static_cast<float>(shortest_word[sid]);
      if (static_cast<double>(sim) >= kMinTokenSimilarity) keep(sid, sim, letters, false);
    }
    token_deletions.Lookup(raw, tokens, candidates, near, !joined);
    for (const auto& [t, d] : near) {
      const std::size_t listed = tokens.arena()[t].size();
      const float sim = similarity(d, raw.size(), listed);
      if (static_cast<double>(sim) >= kMinTokenSimilarity) {
        keep(tok_skel[t], sim, static_cast<float>(listed), true);
      }
    }
    std::sort(out.begin(), out.end(),
              [](const NearWord& a, const NearWord& b) { return a.similarity > b.similarity; });
  }
};

PersonIndex::PersonIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PersonIndex::~PersonIndex() = default;

std::size_t PersonIndex::size() const {
  return impl_->Entries();
}
std::string_view PersonIndex::Id(std::uint32_t entry) const {
  return impl_->ids[entry];
}
std::optional<std::uint32_t> PersonIndex::Find(std::string_view id) const {
  const Impl& x = *impl_;
  auto it = std::lower_bound(x.by_id.begin(), x.by_id.end(), id,
                             [&](std::uint32_t e, std::string_view v) { return x.ids[e] < v; });
  if (it == x.by_id.end() || x.ids[*it] != id) return std::nullopt;
  return *it;
}

const PersonIndexStats& PersonIndex::stats() const {
  return impl_->stats;
}

Expected<std::shared_ptr<const PersonIndex>> PersonIndex::Build(std::vector<PersonRecord> records) {
  auto impl = std::make_unique<Impl>();
  Impl& x = *impl;
  x.meta.Intern("");  // id 0: none
  std::unordered_set<std::string> seen_ids;
  // Per entry, the skeleton ids it is found under (singles and joined pairs).
  std::vector<std::uint32_t> entry_skel_start{0}, entry_skels;
  std::vector<std::string> forms;
  std::vector<std::uint32_t> sk;
  for (auto& r : records) {
    if (r.id.empty()) return ParseError("a listed person has no id");
    if (!seen_ids.insert(r.id).second)
      return ParseError("listed person " + r.id + " appears twice");
    forms.clear();
    for (const auto& name : r.names) {
      ++x.stats.names;
      auto f = MrzForms(name, r.nationality, kFormsPerName);
      if (!f) {
        ++x.stats.rejected_names;
        continue;
      }
      for (auto& form : *f) {
        if (std::find(forms.begin(), forms.end(), form) == forms.end())
          forms.push_back(std::move(form));
      }
    }
    if (forms.empty()) return ParseError("listed person " + r.id + " has no readable name");
    x.ids.Add(r.id);
    x.birth.push_back({static_cast<std::int16_t>(r.birth.year),
                       static_cast<std::int8_t>(r.birth.month),
                       static_cast<std::int8_t>(r.birth.day)});
    std::array<char, 3> nat{};
    std::copy_n(r.nationality.begin(), std::min<std::size_t>(3, r.nationality.size()), nat.begin());
    x.nationality.push_back(nat);
    x.sex.push_back(r.sex);
    x.valid_from.push_back(r.valid_from_ms);
    x.valid_until.push_back(r.valid_until_ms);
    x.entry_meta.push_back({x.meta.Intern(r.agency),
                            x.meta.Intern(r.reason.empty() ? "" : "reason: " + r.reason),
                            x.meta.Intern(r.action.empty() ? "" : "action: " + r.action),
                            x.meta.Intern(SharingKey(r.share_with))});
    sk.clear();
    std::size_t shortest = 255;
    for (const auto& form : forms) {
      const auto words = Split(form);
      if (words.empty()) continue;
      std::size_t letters = 0;
      for (auto w : words) letters += w.size();
      shortest = std::min(shortest, letters);
      for (std::size_t i = 0; i < words.size(); ++i) {
        const std::uint32_t t = x.tokens.Intern(words[i]);
        if (t == x.tok_skel.size()) x.tok_skel.push_back(x.skeletons.Intern(Skeleton(words[i])));
        x.form_tokens.push_back(t);
        sk.push_back(x.tok_skel[t]);
      }
      x.form_tokens_start.push_back(static_cast<std::uint32_t>(x.form_tokens.size()));
    }
    x.entry_forms.push_back(static_cast<std::uint32_t>(x.form_tokens_start.size() - 1));
    x.name_length.push_back(static_cast<std::uint8_t>(std::max<std::size_t>(1, shortest)));
    std::sort(sk.begin(), sk.end());
    sk.erase(std::unique(sk.begin(), sk.end()), sk.end());
    entry_skels.insert(entry_skels.end(), sk.begin(), sk.end());
    entry_skel_start.push_back(static_cast<std::uint32_t>(entry_skels.size()));
    r = PersonRecord{};  // release as we go: the index is what stays
  }
  // Postings by counting sort: skeleton → entries in entry order.
  const std::size_t nskel = x.skeletons.arena().size();
  x.post_start.assign(nskel + 1, 0);
  for (std::uint32_t s : entry_skels) ++x.post_start[s + 1];
  for (std::size_t i = 1; i <= nskel; ++i) x.post_start[i] += x.post_start[i - 1];
  x.postings.resize(entry_skels.size());
  x.posting_birth.resize(entry_skels.size());
  x.posting_length.resize(entry_skels.size());
  {
    std::vector<std::uint32_t> fill(x.post_start.begin(), x.post_start.end() - 1);
    for (std::uint32_t e = 0; e + 1 < entry_skel_start.size(); ++e) {
      for (std::uint32_t k = entry_skel_start[e]; k < entry_skel_start[e + 1]; ++k) {
        x.posting_birth[fill[entry_skels[k]]] = x.birth[e];
        x.posting_length[fill[entry_skels[k]]] = x.name_length[e];
        x.postings[fill[entry_skels[k]]++] = e;
      }
    }
  }
  entry_skels = {};
  // Entries with a word twice in one name form (by skeleton): the lists a repeated
  // query word walks.
  {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> twice;  // (skeleton, entry)
    std::vector<std::uint32_t> form_skels;
    for (std::uint32_t e = 0; e < x.Entries(); ++e) {
      for (std::uint32_t f = x.entry_forms[e]; f < x.entry_forms[e + 1]; ++f) {
        form_skels.clear();
        for (std::uint32_t k = x.form_tokens_start[f]; k < x.form_tokens_start[f + 1]; ++k) {
          form_skels.push_back(x.tok_skel[x.form_tokens[k]]);
        }
        std::sort(form_skels.begin(), form_skels.end());
        for (std::size_t i = 1; i < form_skels.size(); ++i) {
          if (form_skels[i] == form_skels[i - 1]) twice.emplace_back(form_skels[i], e);
        }
      }
    }
    std::sort(twice.begin(), twice.end());
    twice.erase(std::unique(twice.begin(), twice.end()), twice.end());
    x.twice_start.assign(nskel + 1, 0);
    for (const auto& [sid, e] : twice) ++x.twice_start[sid + 1];
    for (std::size_t i = 1; i <= nskel; ++i) x.twice_start[i] += x.twice_start[i - 1];
    x.twice.reserve(twice.size());
    for (const auto& [sid, e] : twice) x.twice.push_back(e);
  }
  x.longest_word.assign(nskel, 0);
  x.shortest_word.assign(nskel, kMaxTokenLength);
  for (std::uint32_t t = 0; t < x.tok_skel.size(); ++t) {
    const auto n = static_cast<std::uint8_t>(
        std::min<std::size_t>(x.tokens.arena().Length(t), kMaxTokenLength));
    auto& longest = x.longest_word[x.tok_skel[t]];
    auto& shortest = x.shortest_word[x.tok_skel[t]];
    longest = std::max(longest, n);
    shortest = std::min(shortest, n);
  }
  x.idf.resize(nskel);
  const double n = std::max<double>(1, x.Entries());
  for (std::size_t s = 0; s < nskel; ++s) {
    const double df = x.post_start[s + 1] - x.post_start[s];
    x.idf[s] = static_cast<float>(std::log(1.0 + n / std::max(1.0, df)));
  }
  x.skeleton_deletions.Build(x.skeletons.arena(), false);
  x.token_deletions.Build(x.tokens.arena(), true);
  x.tokens.Freeze();
  x.skeletons.Freeze();
  x.meta.Freeze();
  x.by_id.resize(x.Entries());
  for (std::uint32_t e = 0; e < x.Entries(); ++e) x.by_id[e] = e;
  std::sort(x.by_id.begin(), x.by_id.end(),
            [&](std::uint32_t a, std::uint32_t b) { return x.ids[a] < x.ids[b]; });
  x.ids.Shrink();
  x.form_tokens.shrink_to_fit();
  x.stats.entries = x.Entries();
  x.stats.forms = x.form_tokens_start.size() - 1;
  x.stats.tokens = x.tokens.arena().size();
  x.stats.skeletons = nskel;
  x.stats.postings = x.postings.size();
  x.stats.deletion_keys = x.skeleton_deletions.id.size() + x.token_deletions.id.size();
  x.stats.bytes =
      x.ids.bytes() + x.birth.capacity() * sizeof(CompactDate) + x.nationality.capacity() * 3 +
      x.sex.capacity() + x.entry_meta.capacity() * 16 +
      (x.entry_forms.capacity() + x.form_tokens_start.capacity() + x.form_tokens.capacity() +
       x.tok_skel.capacity() + x.post_start.capacity() + x.postings.capacity() + x.idf.capacity() +
       x.twice_start.capacity() + x.twice.capacity()) *
          4 +
      x.skeleton_deletions.bytes() + x.token_deletions.bytes() + x.tokens.bytes() +
      x.skeletons.bytes() + x.meta.bytes();
  return std::shared_ptr<const PersonIndex>(new PersonIndex(std::move(impl)));
}

namespace {

// The vote of one query, in per-thread scratch reused across queries (see Scratch):
// per entry, whether it has a tally (at slot[e] in `tally`), which walked units met it
// while what it matched could not yet make it a hit (though the units still to walk
// could), and whether it was brought in after it was met (its votes are then cast in
// a last walk).
struct Tally {
  float acc;            // rarity-weighted vote (IDF × similarity): breaks ties
  float letters;        // query letters matched, weighted by similarity
  float listed;         // the entry's letters matched, weighted by similarity
  float birth;          // how far the birth dates agree (BirthFactor)
  std::uint64_t units;  // the query units that voted: each votes once, its best match
  std::uint32_t entry;
  std::uint8_t length;  // the entry's letters (shortest form)
};

// What one query knows of each entry, in one byte so that a posting costs one memory
// access and the array of a million entries (1 MiB) is half what it was (the walk
// of a query on common names is bound by these random accesses): which of the first
// kMetUnits walked units met it (without bringing it in), whether it was brought in
// (has a tally), and whether its votes wait for the last walk. Only the bytes a
// query touched are cleared after it. (Past kMetUnits walked units, which few names
// have, whatever could be a hit is brought in.)
using EntryState = std::uint8_t;
constexpr std::size_t kMetUnits = 6;
constexpr EntryState kSeen = 1U << 6;
constexpr EntryState kLate = 1U << 7;
// What a walked unit does with an entry nothing has met yet, by the entry's length.
enum : std::uint8_t { kSkip, kMarkIt, kBringIn };

struct Scratch {
  std::vector<std::uint32_t> slot;
  std::vector<EntryState> state;
  // The entries whose state is not zero, the first `touched_count` of `touched`
  // (sized to the index once: a mark is one store, not a push_back).
  std::vector<std::uint32_t> touched;
  std::size_t touched_count = 0;
  std::vector<Tally> tally;
  std::vector<NearWord> matches;
  std::vector<std::pair<std::uint32_t, int>> near;
  std::vector<std::uint32_t> candidates;
  std::vector<std::pair<float, std::uint32_t>> ranked;
  std::array<std::uint8_t, 256> fresh{};
  SimilarityCache similarities;

  void Prepare(std::size_t n) {
    if (slot.size() < n) slot.resize(n, 0);
    if (state.size() < n) state.resize(n, 0);
    for (std::size_t i = 0; i < touched_count; ++i) state[touched[i]] = 0;
    if (touched.size() < n) touched.resize(n);
    touched_count = 0;
    tally.clear();
  }
  void Mark(std::uint32_t e, EntryState bits) {
    if (state[e] == 0) touched[touched_count++] = e;
    state[e] = static_cast<EntryState>(state[e] | bits);
  }
  // Mark for an entry nothing has met yet.
  void MarkFresh(std::uint32_t e, EntryState bits) {
    touched[touched_count++] = e;
    state[e] = bits;
  }
};

thread_local Scratch scratch;

float BirthFactor(const PartialDate& q, const CompactDate& e) {
  if (q.year == 0 || e.year == 0) return 1.0F;
  if (q.year % 100 != e.year % 100)
    return std::abs(q.year % 100 - e.year % 100) == 1 ? 0.95F : 0.8F;
  if (q.month == 0 || e.month == 0) return 1.2F;
  if (q.month != e.month) return 1.05F;
  if (q.day == 0 || e.day == 0) return 1.3F;
  return q.day == e.day ? 1.5F : 1.1F;
}

NameTokens QueryTokens(const PersonQuery& q) {
  std::string text;
  for (const std::string* part : {&q.surname, &q.given_names}) {
    auto forms = MrzForms(*part, q.nationality, 1);
    if (forms && !forms->empty()) {
      if (!text.empty()) text += '<';
      text += forms->front();
    }
  }
  return NameTokens::FromMrz(text);
}

}  // namespace

std::vector<PersonHit> PersonIndex::Screen(const PersonQuery& query,
                                           const ScreeningOptions& o) const {
  const Impl& x = *impl_;
  const NameTokens qt = QueryTokens(query);
  const NameView qv = qt.View();
  std::vector<PersonHit> hits;
  if (qv.size == 0 || x.Entries() == 0) return hits;
  Scratch& s = scratch;
  s.Prepare(x.Entries());
  // Units: each token; each adjacent pair joined (listed GARCIALOPEZ, read GARCIA
  // LOPEZ); and each token split where both halves are listed tokens (listed GARCIA
  // LOPEZ, read GARCIALOPEZ). Compounds are handled here, on the query side, so that
  // the index holds single tokens only.
  struct Unit {
    std::string raw, skeleton;
    bool joined = false;  // two query words joined
  };
  std::vector<Unit> units;
  std::size_t query_length = 0;
  for (std::size_t i = 0; i < qv.size; ++i) {
    query_length += qv.tokens[i].size();
    units.push_back({std::string(qv.tokens[i]), std::string(qv.skeletons[i])});
    if (i + 1 < qv.size) {
      std::string joined = std::string(qv.tokens[i]).append(qv.tokens[i + 1]);
      std::string skeleton = Skeleton(joined);
      units.push_back({std::move(joined), std::move(skeleton), true});
    }
    const std::string_view t = qv.tokens[i];
    if (x.skeletons.Find(qv.skeletons[i])) continue;  // a listed word as it is: no split
    for (std::size_t cut = 3; t.size() >= 6 && cut + 3 <= t.size(); ++cut) {
      std::string head = Skeleton(t.substr(0, cut)), tail = Skeleton(t.substr(cut));
      if (x.skeletons.Find(head) && x.skeletons.Find(tail)) {
        units.push_back({std::string(t.substr(0, cut)), std::move(head)});
        units.push_back({std::string(t.substr(cut)), std::move(tail)});
        break;
      }
    }
  }
  // The matches of every unit (the listed words near it), then the vote.
  struct Match {
    std::uint32_t unit, sid;
    float weight;   // IDF × similarity
    float letters;  // the unit's letters × similarity
    float listed;   // the listed word's letters × similarity
  };
  std::vector<Match> matches;
  matches.reserve(64);
  units.resize(std::min<std::size_t>(units.size(), 63));
  std::vector<std::size_t> cost(units.size(), 0);
  // Per unit, the most letters it can match on either side: its own (0 when it
  // matches nothing) and the longest listed word among its matches.
  std::vector<double> unit_letters(units.size(), 0), listed_letters(units.size(), 0);
  for (std::uint32_t u = 0; u < units.size(); ++u) {
    x.Lookup(units[u].raw, units[u].skeleton, units[u].joined, s.candidates, s.near, s.matches);
    if (!s.matches.empty()) unit_letters[u] = static_cast<double>(units[u].raw.size());
    for (const NearWord& w : s.matches) {
      listed_letters[u] = std::max<double>(listed_letters[u], w.most_letters);
      const float sim = w.similarity;
      matches.push_back({u, w.sid, x.idf[w.sid] * sim,
                         static_cast<float>(units[u].raw.size()) * sim, w.letters * sim});
      cost[u] += x.post_start[w.sid + 1] - x.post_start[w.sid];
    }
  }
  const bool born = query.birth.year != 0;
  auto bring_in = [&](std::uint32_t e, const CompactDate& birth, std::uint8_t length,
                      bool fresh_entry = false) {
    if (fresh_entry) {
      s.MarkFresh(e, kSeen);
    } else {
      s.Mark(e, kSeen);
    }
    s.slot[e] = static_cast<std::uint32_t>(s.tally.size());
    s.tally.push_back(Tally{0, 0, 0, born ? BirthFactor(query.birth, birth) : 1.0F, 0, e, length});
  };
  auto vote = [&](std::uint32_t e, const Match& m) {
    Tally& t = s.tally[s.slot[e]];
    const std::uint64_t bit = std::uint64_t{1} << m.unit;
    if ((t.units & bit) != 0) return;  // this unit voted already, with a better match
    t.units |= bit;
    t.acc += m.weight;
    t.letters += m.letters;
    t.listed += m.listed;
  };
  // Walk every unit's posting lists, rarest first. An entry's name score is at most
  // 0.5 × (Q / query letters + L / its own letters), Q the letters of the units it
  // matches and L the longest listed words they match. An entry is brought in (given
  // a tally) once what it has matched so far could make it a hit; until then it is
  // marked with what it matched, as long as the units not yet walked could still make
  // it one, and dropped otherwise. So the many entries that share one common word
  // with the query (most bearers of a common surname or given name) cost a bit and a
  // mark, not a tally. Entries brought in after they were marked get all their votes
  // in a last walk, so that every unit votes with its best match.
  std::vector<std::uint32_t> order;
  for (std::uint32_t u = 0; u < units.size(); ++u) {
    if (unit_letters[u] > 0) order.push_back(u);
  }
  // A unit that repeats an earlier one (BOVCHEN BOVCHEN) can pair only with a second
  // such word of an entry: it walks the lists of entries that have the word twice.
  std::vector<int> repeats(units.size(), -1);
  for (std::uint32_t u = 0; u < units.size(); ++u) {
    for (std::uint32_t v = 0; v < u && repeats[u] < 0; ++v) {
      if (units[v].raw == units[u].raw) repeats[u] = static_cast<int>(v);
    }
    if (repeats[u] >= 0) cost[u] = cost[static_cast<std::size_t>(repeats[u])];
  }
  std::sort(order.begin(), order.end(),
            [&](auto a, auto b) { return cost[a] < cost[b] || (cost[a] == cost[b] && a < b); });
  double rest = 0, rest_listed = 0;
  for (std::uint32_t u : order) {
    rest += unit_letters[u];
    rest_listed += listed_letters[u];
  }
  const double qlen = static_cast<double>(std::max<std::size_t>(query_length, 1));
  // Whether q letters of the query and l listed letters matched could reach the name
  // score needed by an entry of len letters (a hair of slack for rounding).
  const double need = o.min_name_score - 1e-9;
  const double per_query_letter = 1.0 / qlen;
  static const std::array<double, 256> kPerLetter = [] {
    std::array<double, 256> a{};
    for (std::size_t len = 0; len < a.size(); ++len) {
      a[len] = 1.0 / static_cast<double>(std::max<std::size_t>(len, 1));
    }
    return a;
  }();
  auto reach = [&](double q, double l, std::uint8_t len) {
    return 0.5 * (std::min(1.0, q * per_query_letter) + std::min(1.0, l * kPerLetter[len])) >= need;
  };
  bool late = false;
  for (std::size_t walked = 0; walked < order.size(); ++walked) {
    const std::uint32_t u = order[walked];
    const bool repeated = repeats[u] >= 0;
    const double after = rest - unit_letters[u], after_listed = rest_listed - listed_letters[u];
    // An entry nothing has met yet gets at most this unit's letters and the rest's,
    // and at best all of its own letters: if that cannot reach, it is skipped.
    const bool hopeless =
        0.5 * (std::min(1.0, (unit_letters[u] + after) * per_query_letter) + 1.0) < need;
    // Beyond the units that have a bit set, whatever could be a hit comes in.
    const bool marks = walked < kMetUnits;
    // An entry nothing has met yet, by its length (reach falls as the length grows):
    // brought in when this unit alone could make it a hit (or, past the marking
    // units, this unit and the rest), marked when only with the rest, skipped
    // otherwise. Decided per length once, so such a posting costs two loads and a
    // compare.
    std::array<std::uint8_t, 256>& fresh = s.fresh;
    if (!hopeless) {
      const double qu = unit_letters[u], lu = listed_letters[u];
      std::size_t len = 0;
      for (; len < fresh.size(); ++len) {
        const auto l8 = static_cast<std::uint8_t>(len);
        const bool alone = reach(qu, lu, l8);
        const bool with_rest = reach(qu + after, lu + after_listed, l8);
        if (!alone && !with_rest) break;
        fresh[len] = alone || !marks ? kBringIn : kMarkIt;
      }
      std::fill(fresh.begin() + static_cast<std::ptrdiff_t>(len), fresh.end(), kSkip);
    }
    // One posting: entry e, its letters and birth date (beside the posting, or the
    // entry's own for the lists of repeated words).
    auto visit = [&](std::uint32_t e, std::uint8_t len, const CompactDate& birth, std::uint32_t mi)
        __attribute__((always_inline)) {
      const EntryState st = s.state[e];
      if ((st & kSeen) != 0) {
        if ((st & kLate) == 0) vote(e, matches[mi]);
        return;
      }
      if (st == 0) {
        if (hopeless) return;  // this unit and the rest could not make it a hit
        const std::uint8_t verdict = fresh[len];
        if (verdict == kBringIn) {
          bring_in(e, birth, len, true);
          vote(e, matches[mi]);
        } else if (verdict == kMarkIt) {
          s.MarkFresh(e, static_cast<EntryState>(1U << walked));
        }
        return;
      }
      // Met by earlier units: what it matched so far, the units walked before that
      // met it.
      double q = unit_letters[u], l = listed_letters[u];
      for (std::size_t w = 0; w < std::min(walked, kMetUnits); ++w) {
        if ((st >> w) & 1U) {
          q += unit_letters[order[w]];
          l += listed_letters[order[w]];
        }
      }
      if (reach(q, l, len) || (!marks && reach(q + after, l + after_listed, len))) {
        bring_in(e, birth, len);
        s.Mark(e, kLate);  // all its votes are cast in the last walk
        late = true;
      } else if (marks && reach(q + after, l + after_listed, len)) {
        s.Mark(e, static_cast<EntryState>(1U << walked));
      }
    };
    for (std::uint32_t mi = 0; mi < matches.size(); ++mi) {
      const Match& m = matches[mi];
      if (m.unit != u) continue;
      if (repeated) {
        for (std::uint32_t k = x.twice_start[m.sid]; k < x.twice_start[m.sid + 1]; ++k) {
          const std::uint32_t e = x.twice[k];
          visit(e, x.name_length[e], x.birth[e], mi);
        }
      } else {
        const std::uint32_t first = x.post_start[m.sid], last = x.post_start[m.sid + 1];
        const std::uint32_t* const entries = x.postings.data();
        const std::uint8_t* const lengths = x.posting_length.data();
        const CompactDate* const births = x.posting_birth.data();
        for (std::uint32_t k = first; k < last; ++k) visit(entries[k], lengths[k], births[k], mi);
      }
    }
    rest = after;
    rest_listed = after_listed;
  }
  // The last walk: the votes of the entries brought in late, from every match in
  // order. (Looking the late entries up in each list instead was measured: no
  // faster, as they are many wherever the lists are long.)
  if (late) {
    for (const Match& m : matches) {
      const bool repeated = repeats[m.unit] >= 0;
      const std::uint32_t* const list = repeated ? x.twice.data() : x.postings.data();
      const std::uint32_t first = repeated ? x.twice_start[m.sid] : x.post_start[m.sid];
      const std::uint32_t last = repeated ? x.twice_start[m.sid + 1] : x.post_start[m.sid + 1];
      for (std::uint32_t k = first; k < last; ++k) {
        if ((s.state[list[k]] & kLate) != 0) vote(list[k], m);
      }
    }
  }
  if (s.tally.empty()) return hits;
  // Rank by vote, weighed by how far the birth dates agree, so that among many
  // namesakes the ones born that day are scored first.
  std::vector<std::pair<float, std::uint32_t>>& ranked = s.ranked;
  ranked.clear();
  // The rank estimates what the full score measures: the share of the query's and of
  // the entry's letters that matched, weighed by the birth dates; the rarity-weighted
  // vote breaks ties (rarer words first).
  const float qletters = static_cast<float>(std::max<std::size_t>(query_length, 1));
  for (const Tally& t : s.tally) {
    const float matched = std::min(t.letters, qletters);
    const float estimate =
        0.5F * (matched / qletters + std::min(1.0F, t.listed / static_cast<float>(t.length)));
    ranked.emplace_back(estimate * t.birth + 1e-4F * t.acc, t.entry);
  }
  auto by_rank = [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  };
  const std::size_t k = std::min(std::max<std::size_t>(o.shortlist, 1), ranked.size());
  std::nth_element(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(k - 1),
                   ranked.end(), by_rank);
  // Ties with the last shortlisted entry are scored too (namesakes), up to 2×.
  const float cut = ranked[k - 1].first;
  std::size_t end = k;
  for (std::size_t i = k; i < ranked.size() && end < 2 * k; ++i) {
    if (ranked[i].first >= cut) std::swap(ranked[end++], ranked[i]);
  }
  // The listed words are interned (FormView views the dictionary), so a query's
  // similarity to one of them is computed once however many entries share it.
  const PreparedName prepared(qv);
  s.similarities.Reset(prepared);
  for (std::size_t i = 0; i < end; ++i) {
    x.Consider(prepared, query, ranked[i].second, o, hits, &s.similarities);
  }
  return x.Best(std::move(hits), prepared, query, o, &s.similarities);
}

std::vector<PersonHit> PersonIndex::ScreenBruteForce(const PersonQuery& query,
                                                     const ScreeningOptions& o) const {
  const Impl& x = *impl_;
  const NameTokens qt = QueryTokens(query);
  const NameView qv = qt.View();
  std::vector<PersonHit> hits;
  if (qv.size == 0) return hits;
  const PreparedName prepared(qv);
  for (std::uint32_t e = 0; e < x.Entries(); ++e) x.Consider(prepared, query, e, o, hits);
  return x.Best(std::move(hits), prepared, query, o);
}

}  // namespace checkpoint::risk
