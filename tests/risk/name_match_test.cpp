#include "checkpoint/risk/name_match.hpp"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

using namespace checkpoint::risk;

namespace {
double Compare(std::string_view q, std::string_view e) {
  const NameTokens a = NameTokens::FromMrz(q), b = NameTokens::FromMrz(e);
  return CompareNames(a.View(), b.View(), false).score;
}
}  // namespace

TEST_CASE("skeletons fold romanisation systems together", "[risk][names]") {
  // ICAO, German and Czech-style spellings of Шевченко.
  CHECK(Skeleton("SHEVCHENKO") == "SEVCENKO");
  CHECK(Skeleton("SCHEWTSCHENKO") == "SEVCENKO");
  CHECK(Skeleton("SEVCENKO") == "SEVCENKO");
  // German umlaut alternatives, doubled letters.
  CHECK(Skeleton("MUELLER") == Skeleton("MULLER"));
  // Й, Ю, Я and friends.
  CHECK(Skeleton("IURII") == Skeleton("YURIY"));
  CHECK(Skeleton("ALEKSANDR") == Skeleton("ALEXANDR"));
  CHECK(Skeleton("KHARKIV") == Skeleton("HARKIV"));
  CHECK(Skeleton("ZHUKOV") == Skeleton("ZUKOV"));
  CHECK(Skeleton("") == "");
  CHECK(Skeleton("A1B2<C") == "ABC");
  CHECK(Skeleton("SMITH") != Skeleton("SMYTHE"));
}

TEST_CASE("optimal string alignment distance", "[risk][names]") {
  CHECK(OsaDistance("KITTEN", "SITTING", 5) == 3);
  CHECK(OsaDistance("ABCD", "ABDC", 3) == 1);  // one transposition
  CHECK(OsaDistance("ABCD", "ABCD", 0) == 0);
  CHECK(OsaDistance("", "ABC", 5) == 3);
  CHECK(OsaDistance("ABCDEFGH", "A", 2) == 3);  // beyond the limit: limit + 1
  CHECK(OsaDistance("KITTEN", "SITTING", 1) == 2);
  const std::string longer(100, 'A');
  CHECK(OsaDistance(longer, longer, 0) == 0);  // cut to kMaxTokenLength, no overflow
}

TEST_CASE("name comparison: order, compounds, middle names, typos, spellings", "[risk][names]") {
  CHECK(Compare("ERIKSSON<<ANNA<MARIA", "ERIKSSON<<ANNA<MARIA") == Approx(1.0));
  CHECK(Compare("ANNA<MARIA<ERIKSSON", "ERIKSSON<<ANNA<MARIA") == Approx(1.0));  // swapped
  CHECK(Compare("GARCIALOPEZ<<JUAN", "GARCIA<LOPEZ<<JUAN") > 0.95);              // compound
  CHECK(Compare("GARCIA<LOPEZ<<JUAN", "GARCIALOPEZ<<JUAN") > 0.95);
  const double middle = Compare("ERIKSSON<<ANNA", "ERIKSSON<<ANNA<MARIA");
  CHECK(middle > 0.8);
  CHECK(middle < 1.0);
  CHECK(Compare("ERIKSON<<ANNA<MARIA", "ERIKSSON<<ANNA<MARIA") > 0.9);  // typo
  CHECK(Compare("SCHEWTSCHENKO<<TARAS", "SHEVCHENKO<<TARAS") > 0.9);    // German spelling
  CHECK(Compare("MULLER<<HANS", "MUELLER<<HANS") > 0.9);
  CHECK(Compare("SMITH<<JOHN", "ERIKSSON<<ANNA") == 0.0);
  CHECK(Compare("SMITH<<JOHN", "SMITH<<ANNA") < 0.6);  // a shared surname is not a match
  CHECK(Compare("", "SMITH") == 0.0);
}

TEST_CASE("name comparison explains its pairs", "[risk][names]") {
  const NameTokens q = NameTokens::FromMrz("SEVCENKO<<TARAS"),
                   e = NameTokens::FromMrz("SHEVCHENKO<<TARAS<HRYHOROVYCH");
  const NameScore s = CompareNames(q.View(), e.View(), true);
  REQUIRE(s.pairs.size() == 2);
  CHECK(s.pairs[0].query == "TARAS");
  CHECK(s.pairs[0].similarity == 1.0);
  CHECK(s.pairs[1].query == "SEVCENKO");
  CHECK(s.pairs[1].entry == "SHEVCHENKO");
  CHECK(s.pairs[1].similarity == Approx(0.95));
}

TEST_CASE("hostile names are cut, not slow", "[risk][names]") {
  std::string huge;
  for (int i = 0; i < 10000; ++i) huge += "ABCDEFGHIJKLMNOPQRSTUVWXYZ<";
  const NameTokens t = NameTokens::FromMrz(huge);
  CHECK(t.size() == kMaxNameTokens);
  for (const auto& tok : t.tokens()) CHECK(tok.size() <= kMaxTokenLength);
  std::string control(1000, '\x01');
  CHECK(NameTokens::FromMrz(control).size() == 0);
  CHECK(Compare(huge, huge) == Approx(1.0));
}

TEST_CASE("OsaPattern agrees with the dynamic programme on every pair tried") {
  // Random words over small alphabets (many repeats, so transpositions and runs are
  // common), every length up to the cut, every limit that matters.
  std::mt19937 rng(20261129);
  const std::string alphabets[] = {"AB", "ABC", "ABCDE", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"};
  auto word = [&](const std::string& alphabet, std::size_t n) {
    std::string w;
    for (std::size_t i = 0; i < n; ++i) w += alphabet[rng() % alphabet.size()];
    return w;
  };
  std::size_t pairs = 0;
  for (const auto& alphabet : alphabets) {
    for (int round = 0; round < 3000; ++round) {
      const std::string a = word(alphabet, rng() % (kMaxTokenLength + 3));
      std::string b = a;
      // Either a few edits away from a, or unrelated.
      if (rng() % 4 == 0) {
        b = word(alphabet, rng() % (kMaxTokenLength + 3));
      } else {
        for (int e = static_cast<int>(rng() % 4); e > 0; --e) {
          const std::size_t at = b.empty() ? 0 : rng() % b.size();
          switch (rng() % 4) {
            case 0:
              if (!b.empty()) b[at] = alphabet[rng() % alphabet.size()];
              break;
            case 1:
              if (!b.empty()) b.erase(at, 1);
              break;
            case 2:
              b.insert(at, 1, alphabet[rng() % alphabet.size()]);
              break;
            default:
              if (at + 1 < b.size()) std::swap(b[at], b[at + 1]);
          }
        }
      }
      const OsaPattern p(a);
      for (int limit = 0; limit <= 4; ++limit) {
        INFO(a << " / " << b << " limit " << limit);
        REQUIRE(p.Distance(b, limit) == OsaDistance(a, b, limit));
      }
      REQUIRE(p.Distance(b, 64) == OsaDistance(a, b, 64));
      ++pairs;
    }
  }
  CHECK(pairs == 12000);
  CHECK(OsaPattern("").Distance("ABC", 5) == 3);
  CHECK(OsaPattern("CA").Distance("ABC", 5) == 3);  // OSA, not Damerau: no edit of a moved pair
  CHECK(OsaPattern("ABCD").Distance("ABDC", 3) == 1);
}

TEST_CASE("a similarity cache changes no score and belongs to one query", "[risk][names]") {
  // Listed names over a small vocabulary of interned words (one string per word, as
  // the index's dictionary holds them), compared with queries with and without the
  // cache: the scores and the explanations must be identical.
  const std::vector<std::string> words = {
      "IVANOV",    "IVANOVA",   "PETRO",       "PETROV", "SERGEI",     "SERGIY",
      "GARCIA",    "LOPEZ",     "GARCIALOPEZ", "MARIA",  "SHEVCHENKO", "SCHEWTSCHENKO",
      "OLEKSANDR", "ALEKSANDR", "AL",          "NGUYEN", "VAN"};
  std::vector<std::string> skeletons;
  for (const auto& w : words) skeletons.push_back(Skeleton(w));
  std::mt19937 rng(7);
  auto name = [&](std::size_t n) {
    NameView v;
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t k = rng() % words.size();
      v.tokens[i] = words[k];
      v.skeletons[i] = skeletons[k];
    }
    v.size = n;
    return v;
  };
  std::vector<NameView> entries;
  for (int i = 0; i < 300; ++i) entries.push_back(name(1 + rng() % 4));
  const std::vector<std::string> queries = {
      "IVANOV<<SERGEI",      "IVANOVA<<MARIA",       "GARCIA<LOPEZ<<MARIA", "GARCIALOPEZ<<MARIA",
      "SEVCENKO<<OLEKSANDR", "PETROV<<SERGIY<PETRO", "NGUYEN<VAN<<AL"};
  SimilarityCache cache;
  std::size_t compared = 0, matched = 0;
  for (int round = 0; round < 2; ++round) {
    for (const auto& text : queries) {
      const NameTokens qt = NameTokens::FromMrz(text);
      const PreparedName q(qt.View());
      cache.Reset(q);
      for (const NameView& e : entries) {
        const PreparedName pe(e);
        const NameScore plain = CompareNames(q, pe, true);
        const NameScore cached = CompareNames(q, pe, true, &cache);
        REQUIRE(cached.score == plain.score);
        REQUIRE(cached.pairs.size() == plain.pairs.size());
        for (std::size_t i = 0; i < plain.pairs.size(); ++i) {
          CHECK(cached.pairs[i].query == plain.pairs[i].query);
          CHECK(cached.pairs[i].entry == plain.pairs[i].entry);
          CHECK(cached.pairs[i].similarity == plain.pairs[i].similarity);
        }
        ++compared;
        matched += plain.score > 0.5 ? 1 : 0;
      }
    }
  }
  CHECK(compared == 2 * queries.size() * entries.size());
  CHECK(matched > 100);  // the comparisons exercised real pairs, not only misses

  // The cache belongs to the query it was reset for: with another query it is not
  // used (it would answer for that query's unit 0), and Reset makes it forget.
  const NameTokens a = NameTokens::FromMrz("IVANOV"), b = NameTokens::FromMrz("PETROV");
  const PreparedName qa(a.View()), qb(b.View());
  NameView ivanov;
  ivanov.tokens[0] = words[0];
  ivanov.skeletons[0] = skeletons[0];
  ivanov.size = 1;
  const PreparedName e(ivanov);
  cache.Reset(qa);
  CHECK(CompareNames(qa, e, false, &cache).score == 1.0);
  CHECK(CompareNames(qb, e, false, &cache).score == CompareNames(qb, e, false).score);
  cache.Reset(qb);
  CHECK(CompareNames(qb, e, false, &cache).score == CompareNames(qb, e, false).score);
  CHECK(CompareNames(qb, e, false).score < 0.9);
}
