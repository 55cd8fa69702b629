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
  std::array<int, kMaxTokenLength + 1> prev2{}, prev{}, cur{};
  for (int j = 0; j <= m; ++j) prev[static_cast<std::size_t>(j)] = j;
  for (int i = 1; i <= n; ++i) {
    cur[0] = i;
    int row_min = i;
    for (int j = 1; j <= m; ++j) {
      const auto ju = static_cast<std::size_t>(j);
      const int cost = a[static_cast<std::size_t>(i - 1)] == b[ju - 1] ? 0 : 1;
      int v = std::min({prev[ju] + 1, cur[ju - 1] + 1, prev[ju - 1] + cost});
      if (i > 1 && j > 1 && a[static_cast<std::size_t>(i - 1)] == b[ju - 2] &&
          a[static_cast<std::size_t>(i - 2)] == b[ju - 1]) {
        v = std::min(v, prev2[ju - 2] + 1);
      }
      cur[ju] = v;
      row_min = std::min(row_min, v);
    }
    if (row_min > limit) return limit + 1;
    prev2 = prev;
    prev = cur;
  }
  return std::min(prev[static_cast<std::size_t>(m)], limit + 1);
}

namespace {

// Similarity of two spellings, 0 below kMinTokenSimilarity.
double Similarity(std::string_view a, std::string_view b) {
  const std::size_t longest = std::max(TokenLength(a), TokenLength(b));
  if (longest == 0) return 0;
  const auto limit = static_cast<int>((1.0 - kMinTokenSimilarity) * static_cast<double>(longest));
  const int d = OsaDistance(a, b, limit);
  if (d > limit) return 0;
  return 1.0 - static_cast<double>(d) / static_cast<double>(longest);
}

}  // namespace

double TokenSimilarity(std::string_view a, std::string_view b, std::string_view skel_a,
                       std::string_view skel_b) {
  if (a.empty() || b.empty()) return 0;
  if (a == b) return 1;
  const double written = Similarity(a, b);
  // A shared skeleton is a romanisation variant, not a typo: worth a little less
  // than the same spelling.
  const double folded = skel_a == skel_b && !skel_a.empty() ? 0.95 : Similarity(skel_a, skel_b);
  return std::max(written, std::min(folded, 0.95));
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

namespace {

// A unit of one side: a token, or two adjacent tokens joined.
struct Unit {
  std::uint8_t mask = 0;
  std::uint8_t first = 0, count = 0;
  std::size_t length = 0;
  std::string_view text, skeleton;
};

// Joined texts live in fixed buffers: no allocation per comparison.
struct Units {
  std::array<Unit, 2 * kMaxNameTokens> unit{};
  std::size_t size = 0;
  std::size_t total_length = 0;
  std::array<std::array<char, 2 * kMaxTokenLength>, kMaxNameTokens> joined{}, joined_skel{};

  explicit Units(const NameView& v) {
    const std::size_t n = std::min(v.size, kMaxNameTokens);
    for (std::size_t i = 0; i < n; ++i) {
      const auto t = v.tokens[i].substr(0, kMaxTokenLength);
      total_length += t.size();
      unit[size++] = {
          static_cast<std::uint8_t>(1U << i),       static_cast<std::uint8_t>(i), 1, t.size(), t,
          v.skeletons[i].substr(0, kMaxTokenLength)};
    }
    for (std::size_t i = 0; i + 1 < n; ++i) {
      unit[size++] = {static_cast<std::uint8_t>(3U << i),
                      static_cast<std::uint8_t>(i),
                      2,
                      0,
                      Join(joined[i], v.tokens[i], v.tokens[i + 1]),
                      Join(joined_skel[i], v.skeletons[i], v.skeletons[i + 1])};
      unit[size - 1].length = unit[size - 1].text.size();
    }
  }

  static std::string_view Join(std::array<char, 2 * kMaxTokenLength>& buf, std::string_view a,
                               std::string_view b) {
    a = a.substr(0, kMaxTokenLength);
    b = b.substr(0, kMaxTokenLength);
    std::copy(a.begin(), a.end(), buf.begin());
    std::copy(b.begin(), b.end(), buf.begin() + static_cast<std::ptrdiff_t>(a.size()));
    return {buf.data(), a.size() + b.size()};
  }
};

struct Candidate {
  double similarity;
  std::uint8_t q, e;
};

std::string UnitText(const NameView& v, const Unit& u) {
  std::string s(v.tokens[u.first]);
  if (u.count == 2) {
    s += ' ';
    s += v.tokens[u.first + 1U];
  }
  return s;
}

}  // namespace

NameScore CompareNames(const NameView& query, const NameView& entry, bool explain) {
  NameScore result;
  if (query.size == 0 || entry.size == 0) return result;
  const Units q(query), e(entry);
  std::array<Candidate, 4 * kMaxNameTokens * kMaxNameTokens> cands;
  std::size_t n = 0;
  for (std::uint8_t i = 0; i < q.size; ++i) {
    for (std::uint8_t j = 0; j < e.size; ++j) {
      const Unit &a = q.unit[i], &b = e.unit[j];
      if (a.count == 2 && b.count == 2) continue;
      // Lengths too far apart cannot reach kMinTokenSimilarity.
      const std::size_t lo = std::min(a.length, b.length), hi = std::max(a.length, b.length);
      if (static_cast<double>(hi - lo) > (1.0 - kMinTokenSimilarity) * static_cast<double>(hi)) {
        continue;
      }
      const double s = TokenSimilarity(a.text, b.text, a.skeleton, b.skeleton);
      if (s >= kMinTokenSimilarity) cands[n++] = {s, i, j};
    }
  }
  std::sort(cands.begin(), cands.begin() + static_cast<std::ptrdiff_t>(n),
            [&](const Candidate& x, const Candidate& y) {
              if (x.similarity != y.similarity) return x.similarity > y.similarity;
              return q.unit[x.q].length + e.unit[x.e].length >
                     q.unit[y.q].length + e.unit[y.e].length;
            });
  std::uint8_t used_q = 0, used_e = 0;
  double matched_q = 0, matched_e = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const Unit &a = q.unit[cands[k].q], &b = e.unit[cands[k].e];
    if ((a.mask & used_q) != 0 || (b.mask & used_e) != 0) continue;
    used_q |= a.mask;
    used_e |= b.mask;
    matched_q += cands[k].similarity * static_cast<double>(a.length);
    matched_e += cands[k].similarity * static_cast<double>(b.length);
    if (explain)
      result.pairs.push_back({UnitText(query, a), UnitText(entry, b), cands[k].similarity});
  }
  result.score = 0.5 * (matched_q / static_cast<double>(q.total_length) +
                        matched_e / static_cast<double>(e.total_length));
  return result;
}

}  // namespace checkpoint::risk
