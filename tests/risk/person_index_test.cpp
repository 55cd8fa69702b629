#include "checkpoint/risk/person_index.hpp"

#include <catch2/catch.hpp>
#include <random>
#include <thread>

using namespace checkpoint::risk;

namespace {

PersonRecord Person(std::string id, std::vector<std::string> names, std::string birth,
                    std::string nationality, char sex) {
  PersonRecord r;
  r.id = std::move(id);
  r.names = std::move(names);
  if (!birth.empty()) r.birth = ParseListDate(birth).value();
  r.nationality = std::move(nationality);
  r.sex = sex;
  r.agency = "police";
  r.reason = "arrest warrant";
  r.action = "detain";
  return r;
}

std::vector<PersonRecord> SmallList() {
  return {
      Person("P1", {"Шевченко Тарас Григорович"}, "1961-03-09", "UKR", 'M'),
      Person("P2", {"Müller, Hans", "Hans Mueller-Schmidt"}, "1975-07", "D", 'M'),
      Person("P3", {"Anna Maria Eriksson"}, "1974-08-12", "SWE", 'F'),
      Person("P4", {"García López, Juan"}, "1980", "ESP", 'M'),
      Person("P5", {"John Smith"}, "1970-01-01", "GBR", 'M'),
      Person("P6", {"Παπαδόπουλος Γεώργιος"}, "1968-05-20", "GRC", 'M'),
  };
}

std::shared_ptr<const PersonIndex> Index(std::vector<PersonRecord> list) {
  auto idx = PersonIndex::Build(std::move(list));
  REQUIRE(idx);
  return *idx;
}

PersonQuery Query(std::string surname, std::string given, std::string yymmdd = "",
                  std::string nationality = "", char sex = 0) {
  PersonQuery q;
  q.surname = std::move(surname);
  q.given_names = std::move(given);
  if (!yymmdd.empty()) q.birth = ParseMrzDate(yymmdd).value();
  q.nationality = std::move(nationality);
  q.sex = sex;
  return q;
}

std::vector<std::string> Ids(const std::vector<PersonHit>& hits) {
  std::vector<std::string> out;
  for (const auto& h : hits) out.push_back(h.id);
  return out;
}

}  // namespace

TEST_CASE("list and MRZ dates", "[risk][screening]") {
  CHECK(ParseListDate("1961-03-09").value() == PartialDate{1961, 3, 9, false});
  CHECK(ParseListDate("1961-03").value() == PartialDate{1961, 3, 0, false});
  CHECK(ParseListDate("1961").value() == PartialDate{1961, 0, 0, false});
  for (const char* bad : {"", "61", "1961-3-9", "1961-13", "1961-00-01", "1961-01-32", "19610309",
                          "1961-03-09x", "0000", "abcd"}) {
    CHECK_FALSE(ParseListDate(bad));
  }
  CHECK(ParseMrzDate("610309").value() == PartialDate{61, 3, 9, true});
  CHECK(ParseMrzDate("61<<<<").value() == PartialDate{61, 0, 0, true});
  CHECK(ParseMrzDate("000101").value().year == 100);  // year 00 is known
  CHECK_FALSE(ParseMrzDate("61O309"));
  CHECK_FALSE(ParseMrzDate("611309"));
  CHECK_FALSE(ParseMrzDate("6103"));
}

TEST_CASE("a listed person is found despite script, spelling and order", "[risk][screening]") {
  const auto idx = Index(SmallList());
  CHECK(idx->size() == 6);
  const ScreeningOptions o;
  // The MRZ of a Ukrainian passport (ICAO: SHEVCHENKO<<TARAS).
  CHECK(Ids(idx->Screen(Query("SHEVCHENKO", "TARAS<HRYHOROVYCH", "610309", "UKR", 'M'), o)) ==
        std::vector<std::string>{"P1"});
  // German romanisation, no middle name, birth date only.
  CHECK(Ids(idx->Screen(Query("SCHEWTSCHENKO", "TARAS", "610309"), o)) ==
        std::vector<std::string>{"P1"});
  // Umlaut written as U, alias with a compound surname.
  CHECK(Ids(idx->Screen(Query("MULLER", "HANS", "750712", "D"), o)) ==
        std::vector<std::string>{"P2"});
  CHECK(Ids(idx->Screen(Query("MUELLERSCHMIDT", "HANS", "75<<<<"), o)) ==
        std::vector<std::string>{"P2"});
  // Swapped fields and a typo.
  CHECK(Ids(idx->Screen(Query("ANNA<MARIA", "ERIKSON", "740812", "SWE", 'F'), o)) ==
        std::vector<std::string>{"P3"});
  // Compound surname written as one word; Greek listing.
  CHECK(Ids(idx->Screen(Query("GARCIALOPEZ", "JUAN", "800101"), o)) ==
        std::vector<std::string>{"P4"});
  CHECK(Ids(idx->Screen(Query("PAPADOPOULOS", "GEORGIOS", "680520"), o)) ==
        std::vector<std::string>{"P6"});
}

TEST_CASE("birth date, nationality and sex corroborate or weaken", "[risk][screening]") {
  const auto idx = Index(SmallList());
  const ScreeningOptions o;
  const auto exact = idx->Screen(Query("SMITH", "JOHN", "700101", "GBR", 'M'), o);
  REQUIRE(exact.size() == 1);
  CHECK(exact[0].score == Approx(1.0));
  CHECK(exact[0].reasons == std::vector<std::string>{"name 100%: SMITH=SMITH JOHN=JOHN",
                                                     "birth date matches (listed 1970-01-01)",
                                                     "nationality matches (GBR)", "sex matches",
                                                     "listed by police", "reason: arrest warrant",
                                                     "action: detain"});
  CHECK(exact[0].agency == "police");
  // Born twenty years later: the same name is somebody else.
  CHECK(idx->Screen(Query("SMITH", "JOHN", "900101", "GBR", 'M'), o).empty());
  // Another sex and nationality weaken.
  const auto weaker = idx->Screen(Query("SMITH", "JOHN", "", "USA", 'F'), o);
  REQUIRE(weaker.size() == 1);
  CHECK(weaker[0].score == Approx(0.85));
  CHECK(weaker[0].reasons[1] == "nationality differs (listed GBR)");
  CHECK(weaker[0].reasons[2] == "sex differs (listed M)");
  ScreeningOptions strict;
  strict.threshold = 0.9;
  CHECK(idx->Screen(Query("SMITH", "JOHN", "", "USA", 'F'), strict).empty());
  // Name alone: a hit, without corroboration.
  const auto name_only = idx->Screen(Query("SMITH", "JOHN"), o);
  REQUIRE(name_only.size() == 1);
  CHECK(name_only[0].reasons.size() == 4);  // name and the listing's three lines
  // Day and month swapped is a small penalty, not a miss.
  const auto swapped = idx->Screen(Query("ERIKSSON", "ANNA<MARIA", "741208"), o);
  REQUIRE(swapped.size() == 1);
  CHECK(swapped[0].reasons[1] == "birth day and month swapped (listed 1974-08-12)");
}

TEST_CASE("the index finds what brute force finds", "[risk][screening]") {
  // A list of generated namesakes and near-namesakes, queried with variants.
  const std::vector<std::string> surnames = {"ERIKSSON", "ERIKSEN",  "ERICSON",  "SMITH",
                                             "SMYTH",    "SCHMIDT",  "SCHMITT",  "NOWAK",
                                             "NOVAK",    "KOWALSKI", "KOVALSKY", "SHEVCHENKO"};
  const std::vector<std::string> given = {"ANNA", "ANA",   "JOHN",   "JON",   "PIOTR",
                                          "PETR", "MARIA", "MARIJA", "TARAS", "HANS"};
  std::mt19937 rng(7);
  std::vector<PersonRecord> list;
  for (int i = 0; i < 2000; ++i) {
    const auto& s = surnames[rng() % surnames.size()];
    const auto& g = given[rng() % given.size()];
    list.push_back(Person("E" + std::to_string(i), {g + " " + s},
                          std::to_string(1940 + rng() % 60) + "-0" + std::to_string(1 + rng() % 9),
                          "", 0));
  }
  const auto idx = Index(list);
  const ScreeningOptions o;
  int compared = 0, found = 0;
  std::string misses;
  for (const auto& s : surnames) {
    for (const auto& g : given) {
      for (const char* born : {"", "550505"}) {
        std::string typo = s;
        typo[typo.size() / 2] = 'X';
        for (const auto& surname : {s, typo}) {
          const auto fast = idx->Screen(Query(surname, g, born), o);
          const auto slow = idx->ScreenBruteForce(Query(surname, g, born), o);
          // Everything brute force finds at the top, the index finds too (ties aside).
          for (const auto& h : slow) {
            ++compared;
            if (std::any_of(fast.begin(), fast.end(),
                            [&](const PersonHit& f) { return f.id == h.id; }) ||
                (!fast.empty() && fast.back().score >= h.score)) {
              ++found;
            } else {
              misses += "missed " + h.id + " " + std::to_string(h.score) + " for " + surname + " " +
                        g + " " + born + " " + h.reasons[0] + "; fast " +
                        std::to_string(fast.size()) + "\n";
            }
          }
          for (const auto& f : fast) CHECK(f.score >= o.threshold);
        }
      }
    }
  }
  // The index sees every pair of words brute force pairs (docs/risk/screening.md) and
  // its bounds only leave out entries that cannot reach the threshold.
  CHECK(compared > 500);
  INFO(misses);
  CHECK(found == compared);
}

TEST_CASE("bad lists are refused with the entry named; unreadable aliases are counted",
          "[risk][screening]") {
  auto dup =
      PersonIndex::Build({Person("X1", {"A B"}, "", "", 0), Person("X1", {"C D"}, "", "", 0)});
  REQUIRE_FALSE(dup);
  CHECK(dup.error().message() == "listed person X1 appears twice");
  auto noname = PersonIndex::Build({Person("X2", {"12345", "\x01"}, "", "", 0)});
  REQUIRE_FALSE(noname);
  CHECK(noname.error().message() == "listed person X2 has no readable name");
  auto noid = PersonIndex::Build({Person("", {"A B"}, "", "", 0)});
  CHECK_FALSE(noid);
  auto partial = PersonIndex::Build({Person("X3", {"Anna Berg", "\xff\xfe", "漢字"}, "", "", 0)});
  REQUIRE(partial);
  CHECK((*partial)->stats().names == 3);
  CHECK((*partial)->stats().rejected_names == 2);
}

TEST_CASE("hostile queries stay bounded and concurrent readers agree", "[risk][screening]") {
  const auto idx = Index(SmallList());
  const ScreeningOptions o;
  std::string huge;
  for (int i = 0; i < 5000; ++i) huge += "ШЕВЧЕНКО ΑΒΓ SMITH \x01\x02 ";
  CHECK_NOTHROW(idx->Screen(Query(huge, huge, "610309"), o));
  CHECK(idx->Screen(Query("", ""), o).empty());
  CHECK(idx->Screen(Query("\xff\xfe", "\xc0\x80"), o).empty());
  // Readers in several threads, each with its own scratch space, get the same answers.
  const auto want = Ids(idx->Screen(Query("SHEVCHENKO", "TARAS", "610309"), o));
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (Ids(idx->Screen(Query("SHEVCHENKO", "TARAS", "610309"), o)) != want) ++wrong;
        if (!idx->Screen(Query("NOBODY", "ATALL"), o).empty()) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(wrong == 0);
  CHECK(want == std::vector<std::string>{"P1"});
}

TEST_CASE("words two edits apart and repeated words: the index finds what brute force finds",
          "[risk][screening]") {
  // Long words (two edits allowed from ten letters: MaxWordEdits) and names that repeat
  // a word, listed among many namesakes, so that the vote's bounds are what decides.
  const std::vector<std::string> surnames = {"IUIUZHUSKI",    "TROGORMAUK",   "KHALENIANX",
                                             "WOJCIECHOWSKI", "SHCHERBAKOVA", "ABDULLAHI"};
  const std::vector<std::string> given = {"MARIA", "ANNA", "IVAN", "OLEKSANDR", "MOHAMMED"};
  std::mt19937 rng(11);
  std::vector<PersonRecord> list;
  for (int i = 0; i < 3000; ++i) {
    const auto& s = surnames[rng() % surnames.size()];
    const auto& g = given[rng() % given.size()];
    std::string name = g + " " + s;
    if (i % 5 == 0) name = g + " " + g + " " + s;  // a repeated given name
    if (i % 7 == 0) name = g + " " + given[rng() % given.size()] + " " + s;
    list.push_back(Person("E" + std::to_string(i), {name}, "", "", 0));
  }
  const auto idx = Index(list);
  const ScreeningOptions o;
  auto two_edits = [](std::string w) {
    w[2] = 'X';
    w.erase(w.size() - 3, 1);
    return w;
  };
  int compared = 0, found = 0;
  std::string misses;
  for (const auto& s : surnames) {
    for (const auto& g : given) {
      for (const std::string& surname : {s, two_edits(s)}) {
        for (const std::string& given_names : {g, g + "<" + g, two_edits(g) + "<" + g}) {
          const auto q = Query(surname, given_names);
          const auto fast = idx->Screen(q, o);
          const auto slow = idx->ScreenBruteForce(q, o);
          for (const auto& h : slow) {
            ++compared;
            if (std::any_of(fast.begin(), fast.end(),
                            [&](const PersonHit& f) { return f.id == h.id; }) ||
                (fast.size() == o.max_hits && fast.back().score >= h.score)) {
              ++found;
            } else {
              misses += "missed " + h.id + " for " + surname + " / " + given_names + ": " +
                        h.reasons[0] + "\n";
            }
          }
        }
      }
    }
  }
  CHECK(compared > 300);
  INFO(misses);
  CHECK(found == compared);
  // The case that first showed the gap: a romanisation two letters apart.
  PersonRecord listed = Person("R1", {"BERVCHEN RODENO IUIUZHUSKI"}, "", "", 0);
  const auto small = Index({listed, Person("R2", {"ALAN RODENO SMITH"}, "", "", 0)});
  const auto hits = small->Screen(Query("IUIUJUSKI", "BERVCHEN<RODENO"), o);
  REQUIRE(Ids(hits) == std::vector<std::string>{"R1"});
  CHECK(hits[0].reasons[0].find("IUIUJUSKI~IUIUZHUSKI (80%)") != std::string::npos);
}
