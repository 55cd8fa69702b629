#include "checkpoint/risk/person_index.hpp"

#include <algorithm>
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
  std::size_t bytes() const { return text_.capacity() + offsets_.capacity() * 4; }
  void Shrink() {
    text_.shrink_to_fit();
    offsets_.shrink_to_fit();
  }

 private:
  std::string text_;
  std::vector<std::uint32_t> offsets_{0};
};

// Interns strings: equal strings get one id.
class Interner {
 public:
  std::uint32_t Intern(std::string_view s) {
    auto it = ids_.find(std::string(s));
    if (it != ids_.end()) return it->second;
    const std::uint32_t id = arena_.Add(s);
    ids_.emplace(std::string(s), id);
    return id;
  }
  std::optional<std::uint32_t> Find(std::string_view s) const {
    auto it = ids_.find(std::string(s));
    if (it == ids_.end()) return std::nullopt;
    return it->second;
  }
  const Arena& arena() const { return arena_; }
  Arena& arena() { return arena_; }
  std::size_t bytes() const { return arena_.bytes() + ids_.size() * 64; }

 private:
  Arena arena_;
  std::unordered_map<std::string, std::uint32_t> ids_;
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

struct PersonIndex::Impl {
  // Entries.
  Arena ids;
  std::vector<CompactDate> birth;
  std::vector<std::array<char, 3>> nationality;
  std::vector<char> sex;
  Interner meta;  // agency, reason, action
  std::vector<std::array<std::uint32_t, 3>> entry_meta;
  // Name forms: entry → forms → raw token ids.
  std::vector<std::uint32_t> entry_forms{0}, form_tokens_start{0}, form_tokens;
  // Token dictionaries.
  Interner tokens;                      // raw tokens
  std::vector<std::uint32_t> tok_skel;  // raw token → skeleton id
  Interner skeletons;
  std::vector<float> idf;
  // Postings: skeleton → entries (CSR).
  std::vector<std::uint32_t> post_start, postings;
  // Deletion index: hashes of one-deletion variants → skeleton ids, sorted by hash.
  std::vector<std::uint64_t> del_hash;
  std::vector<std::uint32_t> del_skel;
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
      ++v.size;
    }
    return v;
  }

  // The full score of one entry: the best name form, then corroboration.
  PersonHit Score(const NameView& q, const PersonQuery& query, std::uint32_t e,
                  const ScreeningOptions& o, bool explain) const {
    PersonHit hit;
    hit.entry = e;
    NameScore best;
    std::uint32_t best_form = entry_forms[e];
    for (std::uint32_t f = entry_forms[e]; f < entry_forms[e + 1]; ++f) {
      NameScore s = CompareNames(q, FormView(f), false);
      if (s.score > best.score) {
        best = s;
        best_form = f;
      }
    }
    hit.name_score = best.score;
    hit.score = best.score;
    if (best.score < o.min_name_score) return hit;
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
    hit.score = std::clamp(hit.score, 0.0, 1.0);
    if (!explain) return hit;
    hit.id = ids[e];
    const NameScore why = CompareNames(q, FormView(best_form), true);
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
    for (std::uint32_t m : entry_meta[e]) {
      if (m != 0) hit.reasons.push_back(std::string(meta.arena()[m]));
    }
    return hit;
  }

  // Scores entry e and keeps it when it is a hit (explained only then).
  void Consider(const NameView& q, const PersonQuery& query, std::uint32_t e,
                const ScreeningOptions& o, std::vector<PersonHit>& hits) const {
    const PersonHit h = Score(q, query, e, o, false);
    if (h.score >= o.threshold && h.name_score >= o.min_name_score) {
      hits.push_back(Score(q, query, e, o, true));
    }
  }

  // Skeleton ids within one edit of s, with their similarity, best first.
  void Lookup(std::string_view s, std::vector<std::pair<std::uint32_t, float>>& out) const {
    out.clear();
    if (s.empty()) return;
    auto add = [&](std::uint32_t sid) {
      for (const auto& [id, sim] : out) {
        if (id == sid) return;
      }
      const std::string_view t = skeletons.arena()[sid];
      const int d = OsaDistance(s, t, 1);
      if (d > 1) return;
      const auto longest = static_cast<float>(std::max(s.size(), t.size()));
      out.emplace_back(sid, 1.0F - static_cast<float>(d) / longest);
    };
    if (auto sid = skeletons.Find(s)) add(*sid);
    if (s.size() + 1 >= kMinFuzzyLength) {
      auto by_hash = [&](std::uint64_t h) {
        auto [lo, hi] = std::equal_range(del_hash.begin(), del_hash.end(), h);
        for (auto it = lo; it != hi; ++it) {
          add(del_skel[static_cast<std::size_t>(it - del_hash.begin())]);
        }
      };
      by_hash(Hash(s));  // listed tokens one letter longer
      if (s.size() >= kMinFuzzyLength) {
        std::string v;
        for (std::size_t i = 0; i < s.size(); ++i) {
          if (i > 0 && s[i] == s[i - 1]) continue;  // same variant as the last one
          v.assign(s.substr(0, i)).append(s.substr(i + 1));
          if (auto sid = skeletons.Find(v)) add(*sid);  // listed tokens one letter shorter
          by_hash(Hash(v));                             // one letter different or swapped
        }
      }
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.second > b.second; });
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
    x.entry_meta.push_back({x.meta.Intern(r.agency.empty() ? "" : "listed by " + r.agency),
                            x.meta.Intern(r.reason.empty() ? "" : "reason: " + r.reason),
                            x.meta.Intern(r.action.empty() ? "" : "action: " + r.action)});
    sk.clear();
    for (const auto& form : forms) {
      const auto words = Split(form);
      if (words.empty()) continue;
      for (std::size_t i = 0; i < words.size(); ++i) {
        const std::uint32_t t = x.tokens.Intern(words[i]);
        if (t == x.tok_skel.size()) x.tok_skel.push_back(x.skeletons.Intern(Skeleton(words[i])));
        x.form_tokens.push_back(t);
        sk.push_back(x.tok_skel[t]);
        if (i + 1 < words.size()) {
          sk.push_back(x.skeletons.Intern(Skeleton(std::string(words[i]).append(words[i + 1]))));
        }
      }
      x.form_tokens_start.push_back(static_cast<std::uint32_t>(x.form_tokens.size()));
    }
    x.entry_forms.push_back(static_cast<std::uint32_t>(x.form_tokens_start.size() - 1));
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
  {
    std::vector<std::uint32_t> fill(x.post_start.begin(), x.post_start.end() - 1);
    for (std::uint32_t e = 0; e + 1 < entry_skel_start.size(); ++e) {
      for (std::uint32_t k = entry_skel_start[e]; k < entry_skel_start[e + 1]; ++k) {
        x.postings[fill[entry_skels[k]]++] = e;
      }
    }
  }
  entry_skels = {};
  x.idf.resize(nskel);
  const double n = std::max<double>(1, x.Entries());
  for (std::size_t s = 0; s < nskel; ++s) {
    const double df = x.post_start[s + 1] - x.post_start[s];
    x.idf[s] = static_cast<float>(std::log(1.0 + n / std::max(1.0, df)));
  }
  // Deletion index over the dictionary of skeletons.
  std::vector<std::pair<std::uint64_t, std::uint32_t>> dels;
  std::string v;
  for (std::uint32_t s = 0; s < nskel; ++s) {
    const std::string_view t = x.skeletons.arena()[s];
    if (t.size() < kMinFuzzyLength) continue;
    for (std::size_t i = 0; i < t.size(); ++i) {
      if (i > 0 && t[i] == t[i - 1]) continue;
      v.assign(t.substr(0, i)).append(t.substr(i + 1));
      dels.emplace_back(Hash(v), s);
    }
  }
  std::sort(dels.begin(), dels.end());
  x.del_hash.reserve(dels.size());
  x.del_skel.reserve(dels.size());
  for (const auto& [h, s] : dels) {
    x.del_hash.push_back(h);
    x.del_skel.push_back(s);
  }
  dels = {};
  x.ids.Shrink();
  x.form_tokens.shrink_to_fit();
  x.stats.entries = x.Entries();
  x.stats.forms = x.form_tokens_start.size() - 1;
  x.stats.tokens = x.tokens.arena().size();
  x.stats.skeletons = nskel;
  x.stats.postings = x.postings.size();
  x.stats.deletion_keys = x.del_hash.size();
  x.stats.bytes = x.ids.bytes() + x.birth.capacity() * sizeof(CompactDate) +
                  x.nationality.capacity() * 3 + x.sex.capacity() + x.entry_meta.capacity() * 12 +
                  (x.entry_forms.capacity() + x.form_tokens_start.capacity() +
                   x.form_tokens.capacity() + x.tok_skel.capacity() + x.post_start.capacity() +
                   x.postings.capacity() + x.del_skel.capacity() + x.idf.capacity()) *
                      4 +
                  x.del_hash.capacity() * 8 + x.tokens.bytes() + x.skeletons.bytes() +
                  x.meta.bytes();
  return std::shared_ptr<const PersonIndex>(new PersonIndex(std::move(impl)));
}

namespace {

// Per-thread scratch for the vote, reused across queries (no per-query clearing of
// a million counters: a generation number says which values are current).
struct Scratch {
  std::vector<float> acc;
  std::vector<std::uint32_t> seen, voted;
  std::vector<std::uint32_t> touched;
  std::uint32_t generation = 0;
  std::vector<std::pair<std::uint32_t, float>> matches;

  void Prepare(std::size_t n) {
    if (acc.size() < n) {
      acc.resize(n);
      seen.resize(n, 0);
      voted.resize(n, 0);
    }
    touched.clear();
    if (++generation > (1U << 26)) {  // voted packs generation and unit: restart cleanly
      std::fill(seen.begin(), seen.end(), 0);
      std::fill(voted.begin(), voted.end(), 0);
      generation = 1;
    }
  }
};

thread_local Scratch scratch;

// Best first (ties by id, so results are deterministic), at most max_hits.
std::vector<PersonHit> Best(std::vector<PersonHit> hits, const ScreeningOptions& o) {
  std::sort(hits.begin(), hits.end(), [](const PersonHit& a, const PersonHit& b) {
    return a.score > b.score || (a.score == b.score && a.id < b.id);
  });
  if (hits.size() > o.max_hits) hits.resize(o.max_hits);
  return hits;
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
  // Units: each token, and each adjacent pair joined (compound names).
  std::vector<std::string> units;
  for (std::size_t i = 0; i < qv.size; ++i) {
    units.emplace_back(qv.skeletons[i]);
    if (i + 1 < qv.size) {
      units.push_back(Skeleton(std::string(qv.tokens[i]).append(qv.tokens[i + 1])));
    }
  }
  for (std::uint32_t u = 0; u < units.size(); ++u) {
    x.Lookup(units[u], s.matches);
    const std::uint32_t mark = (s.generation << 5) | (u & 31U);
    for (const auto& [sid, sim] : s.matches) {
      const float w = x.idf[sid] * sim;
      for (std::uint32_t k = x.post_start[sid]; k < x.post_start[sid + 1]; ++k) {
        const std::uint32_t e = x.postings[k];
        if (s.seen[e] != s.generation) {
          s.seen[e] = s.generation;
          s.acc[e] = 0;
          s.touched.push_back(e);
        }
        if (s.voted[e] == mark) continue;  // this unit already voted for e (better match)
        s.voted[e] = mark;
        s.acc[e] += w;
      }
    }
  }
  if (s.touched.empty()) return hits;
  // Rank by vote, nudged by the birth year when both are known.
  std::vector<std::pair<float, std::uint32_t>> ranked;
  ranked.reserve(s.touched.size());
  for (std::uint32_t e : s.touched) {
    float r = s.acc[e];
    if (query.birth.year != 0 && x.birth[e].year != 0) {
      const int qy = query.birth.year % 100, ey = x.birth[e].year % 100;
      r *= qy == ey ? 1.25F : 0.9F;
    }
    ranked.emplace_back(r, e);
  }
  const std::size_t k = std::min(std::max<std::size_t>(o.shortlist, 1), ranked.size());
  auto by_rank = [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  };
  std::nth_element(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(k - 1),
                   ranked.end(), by_rank);
  // Ties with the last shortlisted entry are scored too (namesakes), up to 4×.
  const float cut = ranked[k - 1].first;
  std::size_t end = k;
  for (std::size_t i = k; i < ranked.size() && end < 4 * k; ++i) {
    if (ranked[i].first >= cut) std::swap(ranked[end++], ranked[i]);
  }
  for (std::size_t i = 0; i < end; ++i) x.Consider(qv, query, ranked[i].second, o, hits);
  return Best(std::move(hits), o);
}

std::vector<PersonHit> PersonIndex::ScreenBruteForce(const PersonQuery& query,
                                                     const ScreeningOptions& o) const {
  const Impl& x = *impl_;
  const NameTokens qt = QueryTokens(query);
  const NameView qv = qt.View();
  std::vector<PersonHit> hits;
  if (qv.size == 0) return hits;
  for (std::uint32_t e = 0; e < x.Entries(); ++e) x.Consider(qv, query, e, o, hits);
  return Best(std::move(hits), o);
}

}  // namespace checkpoint::risk
