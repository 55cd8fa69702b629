#include "checkpoint/risk/name_match.hpp"

#include <algorithm>

namespace checkpoint::risk {
namespace {

struct Rule {
  std::string_view from, to;
};

// Longest first at each position (the scan tries them in this order).
constexpr Rule kRules[] = {
    {"SHCH", "S"}, {"TSCH", "C"}, {"SCH", "S"}, {"TCH", "C"}, {"ZH", "Z"}, {"KH", "H"}, {"SH", "S"},
    {"CH", "C"},   {"TS", "C"},   {"TZ", "C"},  {"CZ", "C"},  {"SZ", "S"}, {"PH", "F"}, {"TH", "T"},
    {"GH", "G"},   {"CK", "K"},   {"KS", "X"},  {"DJ", "D"},  {"IE", "E"}, {"YE", "E"}, {"JE", "E"},
    {"IU", "U"},   {"YU", "U"},   {"JU", "U"},  {"IA", "A"},  {"YA", "A"}, {"JA", "A"}, {"IO", "O"},
    {"YO", "O"},   {"JO", "O"},   {"AE", "A"},  {"OE", "O"},  {"UE", "U"}, {"Y", "I"},  {"J", "I"},
    {"W", "V"},    {"Q", "K"},
};

bool IsLetter(char c) {
  return c >= 'A' && c <= 'Z';
}

std::size_t TokenLength(std::string_view s) {
  return std::min(s.size(), kMaxTokenLength);
}

}  // namespace

std::string Skeleton(std::string_view token) {
  std::string letters;
  letters.reserve(token.size());
  for (char c : token) {
    if (IsLetter(c)) letters += c;
  }
  std::string out;
  out.reserve(letters.size());
  std::string_view rest = letters;
  while (!rest.empty()) {
    std::string_view piece = rest.substr(0, 1);
    std::size_t used = 1;
    for (const Rule& r : kRules) {
      if (rest.size() >= r.from.size() && rest.compare(0, r.from.size(), r.from) == 0) {
        piece = r.to;
        used = r.from.size();
        break;
      }
    }
    for (char c : piece) {
      if (out.empty() || out.back() != c) out += c;  // doubled letters once
    }
    rest.remove_prefix(used);
  }
  return out;
}

int OsaDistance(std::string_view a, std::string_view b, int limit) {
  a = a.substr(0, kMaxTokenLength);
  b = b.substr(0, kMaxTokenLength);
  const int n = static_cast<int>(a.size()), m = static_cast<int>(b.size());
  if (std::abs(n - m) > limit) return limit + 1;
  if (n == 0 || m == 0) return std::max(n, m);
  // Three rows, rotated: the one two back (transpositions), the last, the current.
  std::array<std::array<int, kMaxTokenLength + 1>, 3> rows;
  int* prev2 = rows[0].data();
  int* prev = rows[1].data();
  int* cur = rows[2].data();
  for (int j = 0; j <= m; ++j) prev[j] = j;
  for (int i = 1; i <= n; ++i) {
    cur[0] = i;
    int row_min = i;
    const char ai = a[static_cast<std::size_t>(i - 1)];
    for (int j = 1; j <= m; ++j) {
      const char bj = b[static_cast<std::size_t>(j - 1)];
      int v = std::min(std::min(prev[j], cur[j - 1]) + 1, prev[j - 1] + (ai == bj ? 0 : 1));
      if (i > 1 && j > 1 && ai == b[static_cast<std::size_t>(j - 2)] &&
          a[static_cast<std::size_t>(i - 2)] == bj) {
        v = std::min(v, prev2[j - 2] + 1);
      }
      cur[j] = v;
      row_min = std::min(row_min, v);
    }
    if (row_min > limit) return limit + 1;
    int* const old = prev2;
    prev2 = prev;
    prev = cur;
    cur = old;
  }
  return std::min(prev[m], limit + 1);
}

static_assert(kMaxTokenLength <= 32, "OsaPattern keeps a token in 32 bits");

OsaPattern::OsaPattern(std::string_view pattern) {
  pattern = pattern.substr(0, kMaxTokenLength);
  length_ = static_cast<int>(pattern.size());
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    peq_[static_cast<unsigned char>(pattern[i])] |= 1U << i;
  }
}

int OsaPattern::Distance(std::string_view text, int limit) const {
  text = text.substr(0, kMaxTokenLength);
  const int n = static_cast<int>(text.size());
  if (std::abs(n - length_) > limit) return limit + 1;
  if (length_ == 0 || n == 0) return std::max(n, length_);
  // Column by column over text: VP/VN the vertical +1/-1 differences of the current
  // column, D0 its diagonal zero-differences; bit length_ - 1 carries the distance.
  const std::uint32_t last = 1U << (length_ - 1);
  std::uint32_t vp = ~0U, vn = 0, d0 = 0, pm_before = 0;
  int d = length_;
  for (char c : text) {
    const std::uint32_t pm = peq_[static_cast<unsigned char>(c)];
    const std::uint32_t tr = ((~d0 & pm) << 1) & pm_before;  // a transposition
    d0 = (((pm & vp) + vp) ^ vp) | pm | vn | tr;
    const std::uint32_t hp = vn | ~(d0 | vp);
    const std::uint32_t hn = vp & d0;
    if ((hp & last) != 0) {
      ++d;
    } else if ((hn & last) != 0) {
      --d;
    }
    const std::uint32_t x = (hp << 1) | 1U;
    vn = x & d0;
    vp = (hn << 1) | ~(x | d0);
    pm_before = pm;
  }
  return std::min(d, limit + 1);
}

namespace {

std::uint32_t Letters(std::string_view s) {
  std::uint32_t m = 0;
  for (char c : s) {
    if (IsLetter(c)) m |= 1U << (c - 'A');
  }
  return m;
}

// Similarity of two spellings, 0 beyond MaxWordEdits. A substitution changes
// at most two letters of the letter sets, an insertion or deletion one, a
// transposition none: half the letters in one set only is a lower bound on the
// distance, which rules most pairs out without the dynamic programme.
// a_pattern, when given, is a prepared for the bit-parallel distance.
double Similarity(std::string_view a, std::string_view b, std::uint32_t la, std::uint32_t lb,
                  const OsaPattern* a_pattern = nullptr) {
  const std::size_t longest = std::max(TokenLength(a), TokenLength(b));
  if (longest == 0) return 0;
  const int limit = MaxWordEdits(longest);
  if ((CountBits(la ^ lb) + 1) / 2 > limit) return 0;
  const int d = a_pattern != nullptr ? a_pattern->Distance(b, limit) : OsaDistance(a, b, limit);
  if (d > limit) return 0;
  return 1.0 - static_cast<double>(d) / static_cast<double>(longest);
}

// The patterns, when given, are a's text and skeleton prepared (SimilarityCache).
double UnitSimilarity(const PreparedName::Unit& a, const PreparedName::Unit& b,
                      const OsaPattern* text_pattern = nullptr,
                      const OsaPattern* skeleton_pattern = nullptr) {
  if (a.text == b.text) return 1;
  // A shared skeleton is a romanisation variant, not a typo: worth a little less
  // than the same spelling.
  const double folded = a.skeleton == b.skeleton && !a.skeleton.empty()
                            ? 0.95
                            : std::min(0.95, Similarity(a.skeleton, b.skeleton, a.skeleton_letters,
                                                        b.skeleton_letters, skeleton_pattern));
  if (folded >= 0.95) return folded;
  return std::max(folded, Similarity(a.text, b.text, a.letters, b.letters, text_pattern));
}

}  // namespace

double TokenSimilarity(std::string_view a, std::string_view b, std::string_view skel_a,
                       std::string_view skel_b) {
  if (a.empty() || b.empty()) return 0;
  PreparedName::Unit ua, ub;
  ua.text = a;
  ub.text = b;
  ua.skeleton = skel_a;
  ub.skeleton = skel_b;
  ua.letters = Letters(a);
  ub.letters = Letters(b);
  ua.skeleton_letters = Letters(skel_a);
  ub.skeleton_letters = Letters(skel_b);
  return UnitSimilarity(ua, ub);
}

NameTokens NameTokens::FromMrz(std::string_view text) {
  NameTokens t;
  std::string word;
  auto flush = [&] {
    if (!word.empty() && t.tokens_.size() < kMaxNameTokens) {
      if (word.size() > kMaxTokenLength) word.resize(kMaxTokenLength);
      t.skeletons_.push_back(Skeleton(word));
      t.tokens_.push_back(std::move(word));
    }
    word.clear();
  };
  for (char c : text) {
    if (IsLetter(c)) {
      word += c;
    } else {
      flush();
    }
  }
  flush();
  return t;
}

NameView NameTokens::View() const {
  NameView v;
  v.size = tokens_.size();
  for (std::size_t i = 0; i < v.size; ++i) {
    v.tokens[i] = tokens_[i];
    v.skeletons[i] = skeletons_[i];
  }
  return v;
}

PreparedName::PreparedName(const NameView& name) : name_(name) {
  const std::size_t n = std::min(name.size, kMaxNameTokens);
  name_.size = n;
  auto join = [](std::array<char, 2 * kMaxTokenLength>& buf, std::string_view a,
                 std::string_view b) {
    a = a.substr(0, kMaxTokenLength);
    b = b.substr(0, kMaxTokenLength);
    std::copy(a.begin(), a.end(), buf.begin());
    std::copy(b.begin(), b.end(), buf.begin() + static_cast<std::ptrdiff_t>(a.size()));
    return std::string_view(buf.data(), a.size() + b.size());
  };
  for (std::size_t i = 0; i < n; ++i) {
    Unit& u = unit_[size_++];
    u.text = name.tokens[i].substr(0, kMaxTokenLength);
    u.skeleton = name.skeletons[i].substr(0, kMaxTokenLength);
    u.tokens = static_cast<std::uint8_t>(1U << i);
    u.first = static_cast<std::uint8_t>(i);
    u.count = 1;
    total_length_ += u.text.size();
  }
  for (std::size_t i = 0; i + 1 < n; ++i) {
    Unit& u = unit_[size_++];
    u.text = join(joined_[i], name.tokens[i], name.tokens[i + 1]);
    u.skeleton = join(joined_skeleton_[i], name.skeletons[i], name.skeletons[i + 1]);
    u.tokens = static_cast<std::uint8_t>(3U << i);
    u.first = static_cast<std::uint8_t>(i);
    u.count = 2;
  }
  for (std::size_t i = 0; i < n; ++i) {
    unit_[i].letters = name.has_letters ? name.letters[i] : Letters(unit_[i].text);
    unit_[i].skeleton_letters =
        name.has_letters ? name.skeleton_letters[i] : Letters(unit_[i].skeleton);
  }
  for (std::size_t i = n; i < size_; ++i) {  // a joined pair: its two words' letters
    const Unit &a = unit_[unit_[i].first], &b = unit_[unit_[i].first + 1U];
    unit_[i].letters = a.letters | b.letters;
    unit_[i].skeleton_letters = a.skeleton_letters | b.skeleton_letters;
  }
}

namespace {

struct Candidate {
  double similarity;
  std::uint8_t q, e;
};

std::string UnitText(const NameView& v, const PreparedName::Unit& u) {
  std::string s(v.tokens[u.first]);
  if (u.count == 2) {
    s += ' ';
    s += v.tokens[u.first + 1U];
  }
  return s;
}

}  // namespace

SimilarityCache::SimilarityCache() : slots_(std::size_t{1} << kBits) {}

void SimilarityCache::Reset(const PreparedName& query) {
  if (++generation_ == 0) {  // wrapped: no slot may look current
    std::fill(slots_.begin(), slots_.end(), Slot{});
    generation_ = 1;
  }
  query_ = &query;
  text_.clear();
  skeleton_.clear();
  for (std::size_t i = 0; i < query.size(); ++i) {
    text_.emplace_back(query.unit(i).text);
    skeleton_.emplace_back(query.unit(i).skeleton);
  }
}

NameScore CompareNames(const PreparedName& q, const PreparedName& e, bool explain,
                       SimilarityCache* cache) {
  if (cache != nullptr && cache->query() != &q) cache = nullptr;  // reset for another query
  NameScore result;
  if (q.size() == 0 || e.size() == 0 || q.total_length() == 0 || e.total_length() == 0) {
    return result;
  }
  std::array<Candidate, 4 * kMaxNameTokens * kMaxNameTokens> cands;
  std::size_t n = 0;
  for (std::uint8_t i = 0; i < q.size(); ++i) {
    for (std::uint8_t j = 0; j < e.size(); ++j) {
      const auto &a = q.unit(i), &b = e.unit(j);
      if (a.count == 2 && b.count == 2) continue;
      // Lengths too far apart cannot reach kMinTokenSimilarity.
      const std::size_t la = a.text.size(), lb = b.text.size();
      const std::size_t lo = std::min(la, lb), hi = std::max(la, lb);
      if (static_cast<double>(hi - lo) > (1.0 - kMinTokenSimilarity) * static_cast<double>(hi)) {
        continue;
      }
      double s;
      if (cache == nullptr) {
        s = UnitSimilarity(a, b);
      } else {
        auto compute = [&] {
          return UnitSimilarity(a, b, &cache->text_pattern(i), &cache->skeleton_pattern(i));
        };
        s = b.count == 1 ? cache->Get(i, b.text, compute) : compute();
      }
      if (s >= kMinTokenSimilarity) cands[n++] = {s, i, j};
    }
  }
  std::sort(cands.begin(), cands.begin() + static_cast<std::ptrdiff_t>(n),
            [&](const Candidate& x, const Candidate& y) {
              if (x.similarity != y.similarity) return x.similarity > y.similarity;
              return q.unit(x.q).text.size() + e.unit(x.e).text.size() >
                     q.unit(y.q).text.size() + e.unit(y.e).text.size();
            });
  std::uint8_t used_q = 0, used_e = 0;
  double matched_q = 0, matched_e = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const auto &a = q.unit(cands[k].q), &b = e.unit(cands[k].e);
    if ((a.tokens & used_q) != 0 || (b.tokens & used_e) != 0) continue;
    used_q |= a.tokens;
    used_e |= b.tokens;
    matched_q += cands[k].similarity * static_cast<double>(a.text.size());
    matched_e += cands[k].similarity * static_cast<double>(b.text.size());
    if (explain) {
      result.pairs.push_back({UnitText(q.name(), a), UnitText(e.name(), b), cands[k].similarity});
    }
  }
  result.score = 0.5 * (matched_q / static_cast<double>(q.total_length()) +
                        matched_e / static_cast<double>(e.total_length()));
  return result;
}

NameScore CompareNames(const NameView& query, const NameView& entry, bool explain) {
  const PreparedName q(query), e(entry);
  return CompareNames(q, e, explain);
}

}  // namespace checkpoint::risk
