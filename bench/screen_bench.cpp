// Person screening on one core (issue 5 item 7): index build time, resident memory,
// query latency, and speed and recall against a brute-force scan with the same
// scoring function, side by side in one run.
//
//   screen_bench [persons=1000000] [queries=20000] [brute_queries=100]
//   screen_bench full [persons] [documents] [queries]
// SCREEN_BENCH_VERBOSE=1 also prints the slowest queries and every brute-force hit
// the index missed (stderr).
// SCREEN_BENCH_TAIL=FILE: the tail, measured apart. The first run writes the indexes
// of the slowest 2 % of queries (by CPU time) to FILE; every run screens those queries
// again (ten rounds, each query's least CPU time) and prints their mean, and under
// `valgrind --tool=callgrind --instr-atstart=no` counts the instructions of one round
// of them alone: a figure two builds can be compared by on a shared machine.
//
// The list is generated (fixed seed): surnames and given names with a Zipf-like
// spread over large generated pools, a fifth of the entries listed in Cyrillic, some
// Latin names with diacritics, aliases, full or partial birth dates. Queries are
// variants of listed persons as documents and readers produce them: exact MRZ form,
// a typo, an OCR misreading, another romanisation (German or French for Cyrillic,
// umlauts simplified), names swapped, the middle name missing, a compound surname
// joined; plus travellers not on the list.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#endif

#include "checkpoint/risk/person_index.hpp"
#include "checkpoint/risk/watchlist.hpp"

using namespace checkpoint::risk;
using Clock = std::chrono::steady_clock;

namespace {

// This thread's CPU time in microseconds: on a shared machine, the time a query
// really took, without the time the thread waited for a core.
double ThreadCpuMicros() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// Resident and peak memory of this process, in MiB (Linux /proc).
std::pair<double, double> MemoryMiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  double rss = 0, hwm = 0;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) rss = std::atof(line.c_str() + 6) / 1024;
    if (line.rfind("VmHWM:", 0) == 0) hwm = std::atof(line.c_str() + 6) / 1024;
  }
  return {rss, hwm};
}

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Syllables in Latin and their Cyrillic spelling (Russian), so that a Cyrillic
// listing transliterates back to a Latin name through ICAO 9303 Part 3.
struct Syllable {
  const char* latin;
  const char* cyrillic;
};
constexpr Syllable kSyllables[] = {
    {"KO", "КО"},   {"VA", "ВА"},   {"LEN", "ЛЕН"}, {"KO", "КО"},  {"SHE", "ШЕ"}, {"VCHEN", "ВЧЕН"},
    {"PE", "ПЕ"},   {"TRO", "ТРО"}, {"MI", "МИ"},   {"KHA", "ХА"}, {"IL", "ИЛ"},  {"ZHU", "ЖУ"},
    {"RO", "РО"},   {"MA", "МА"},   {"NO", "НО"},   {"SO", "СО"},  {"BO", "БО"},  {"DA", "ДА"},
    {"GOR", "ГОР"}, {"TSE", "ЦЕ"},  {"NI", "НИ"},   {"LI", "ЛИ"},  {"CHE", "ЧЕ"}, {"RU", "РУ"},
    {"STA", "СТА"}, {"VIK", "ВИК"}, {"TOR", "ТОР"}, {"IU", "Ю"},   {"IA", "Я"},   {"SHCHE", "ЩЕ"},
    {"BER", "БЕР"}, {"KIN", "КИН"}, {"DE", "ДЕ"},   {"ZA", "ЗА"},  {"PO", "ПО"},  {"LO", "ЛО"},
};
constexpr const char* kEndings[] = {"NKO", "OV",  "EV", "IN",  "SKI", "ENKO",
                                    "UK",  "IAN", "ER", "SON", "MAN", "ES"};
constexpr const char* kEndingsCyr[] = {"НКО", "ОВ", "ЕВ", "ИН",  "СКИ", "ЕНКО",
                                       "УК",  "ЯН", "ЕР", "СОН", "МАН", "ЕС"};

struct Name {
  std::string latin, cyrillic;
};

class Generator {
 public:
  explicit Generator(unsigned seed) : rng_(seed) {
    for (int i = 0; i < 120'000; ++i) surnames_.push_back(MakeName(2 + Pick(3), true));
    for (int i = 0; i < 6'000; ++i) given_.push_back(MakeName(2 + Pick(2), false));
    surname_cdf_ = ZipfCdf(surnames_.size());
    given_cdf_ = ZipfCdf(given_.size());
  }

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  // Zipf with exponent 0.8 (name frequencies): the most common surname is about 2 %
  // of the list, the most common given name about 4 %.
  static std::vector<double> ZipfCdf(std::size_t n) {
    std::vector<double> cdf(n);
    double sum = 0;
    for (std::size_t k = 0; k < n; ++k) cdf[k] = sum += std::pow(static_cast<double>(k + 1), -0.8);
    for (double& c : cdf) c /= sum;
    return cdf;
  }
  std::size_t Zipf(const std::vector<double>& cdf) {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng_);
    return std::min(cdf.size() - 1, static_cast<std::size_t>(
                                        std::lower_bound(cdf.begin(), cdf.end(), u) - cdf.begin()));
  }
  const Name& Surname() { return surnames_[Zipf(surname_cdf_)]; }
  const Name& Given() { return given_[Zipf(given_cdf_)]; }

  // A listed person, and the name as a document prints it (ICAO 9303 Part 3 forms:
  // Cyrillic transliterated, Ü as UE), "GIVEN [MIDDLE] SURNAME".
  std::pair<PersonRecord, std::string> Person(std::size_t i) {
    PersonRecord r;
    r.id = "P" + std::to_string(i);
    const bool cyr = Pick(5) == 0;
    const Name &s = Surname(), &g = Given(), &m = Given();
    const bool middle = Pick(3) == 0;
    std::string latin = g.latin + (middle ? " " + m.latin : "") + " " + s.latin;
    if (cyr) {
      r.names.push_back(s.cyrillic + " " + g.cyrillic + (middle ? " " + m.cyrillic : ""));
      r.nationality = "RUS";
    } else {
      r.names.push_back(Pick(10) == 0 ? Diacritics(latin) : latin);
      r.nationality = Pick(2) ? "FRA" : "D";
    }
    if (Pick(4) == 0) r.names.push_back(Given().latin + " " + s.latin);  // an alias
    r.birth.year = 1940 + Pick(65);
    const int precision = Pick(10);
    if (precision > 0) r.birth.month = 1 + Pick(12);
    if (precision > 2) r.birth.day = 1 + Pick(28);
    r.sex = Pick(2) ? 'M' : 'F';
    r.agency = Pick(2) ? "border guard" : "police";
    r.reason = "warrant";
    r.action = "detain";
    return {std::move(r), std::move(latin)};
  }

  std::mt19937_64& rng() { return rng_; }

 private:
  Name MakeName(int syllables, bool surname) {
    Name n;
    for (int i = 0; i < syllables; ++i) {
      const Syllable& s = kSyllables[static_cast<std::size_t>(Pick(std::size(kSyllables)))];
      n.latin += s.latin;
      n.cyrillic += s.cyrillic;
    }
    if (surname) {
      const auto e = static_cast<std::size_t>(Pick(std::size(kEndings)));
      n.latin += kEndings[e];
      n.cyrillic += kEndingsCyr[e];
    }
    return n;
  }
  // U and some O written with an umlaut (the document prints UE and OE, as the
  // generated Latin has U and O, the query is then a simplified spelling: also a
  // variant screening must absorb).
  std::string Diacritics(const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c == 'U') {
        out += "Ü";
      } else if (c == 'O' && Pick(2) == 0) {
        out += "Ö";
      } else {
        out += c;
      }
    }
    return out;
  }

  std::mt19937_64 rng_;
  std::vector<Name> surnames_, given_;
  std::vector<double> surname_cdf_, given_cdf_;
};

// The forms a reader or another romanisation gives of an MRZ name word.
std::string Romanise(std::string s, int system) {
  auto replace = [&](const std::string& from, const std::string& to) {
    for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
      s.replace(p, from.size(), to);
    }
  };
  if (system == 0) {  // German: SH → SCH, ZH → SCH, KH → CH, TS → Z, CH → TSCH, V → W, YU → JU
    replace("SHCH", "SCHTSCH");
    replace("CH", "TSCH");
    replace("SH", "SCH");
    replace("ZH", "SCH");
    replace("KH", "CH");
    replace("V", "W");
    replace("YU", "JU");
    replace("YA", "JA");
  } else {  // French: SH → CH, CH → TCH, KH → KH, U → OU, ZH → J
    replace("CH", "TCH");
    replace("SH", "CH");
    replace("ZH", "J");
    replace("YU", "IOU");
  }
  return s;
}

struct Query {
  PersonQuery q;
  std::string want;  // the listed id it is a variant of ("" when not listed)
  const char* kind;
};

// Splits "GIVEN [MIDDLE] SURNAME" (Latin, as listed) into MRZ surname and given names.
std::pair<std::string, std::string> MrzParts(const std::string& latin) {
  const auto sp = latin.rfind(' ');
  std::string given = latin.substr(0, sp), surname = latin.substr(sp + 1);
  std::replace(given.begin(), given.end(), ' ', '<');
  return {surname, given};
}

Query Variant(Generator& g, const PersonRecord& r, const std::string& latin) {
  Query v;
  v.want = r.id;
  auto [surname, given] = MrzParts(latin);
  v.q.surname = surname;
  v.q.given_names = given;
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d%02d%02d", r.birth.year % 100, r.birth.month, r.birth.day);
  std::string yymmdd(buf, 6);
  if (r.birth.month == 0) yymmdd = yymmdd.substr(0, 2) + "0101";
  if (r.birth.day == 0) yymmdd = yymmdd.substr(0, 4) + "01";
  v.q.birth = ParseMrzDate(yymmdd).value();
  v.q.sex = r.sex;
  v.q.nationality = r.nationality;
  auto typo = [&](std::string& s) {
    if (s.size() < 3) return;
    const auto at = static_cast<std::size_t>(1 + g.Pick(static_cast<int>(s.size()) - 2));
    switch (g.Pick(3)) {
      case 0:
        s[at] = static_cast<char>('A' + g.Pick(26));
        break;
      case 1:
        s.erase(at, 1);
        break;
      default:
        std::swap(s[at], s[at - 1]);
    }
  };
  switch (g.Pick(8)) {
    case 0:
      v.kind = "exact";
      break;
    case 1:
      v.kind = "typo";
      typo(g.Pick(2) ? v.q.surname : v.q.given_names);
      break;
    case 2: {
      v.kind = "ocr";
      std::string& s = v.q.surname;
      for (auto& c : s) {
        if (c == 'O') {
          c = 'Q';
          break;
        }
        if (c == 'E') {
          c = 'F';
          break;
        }
        if (c == 'I') {
          c = 'L';
          break;
        }
      }
      break;
    }
    case 3:
      v.kind = "romanisation";
      v.q.surname = Romanise(v.q.surname, g.Pick(2));
      break;
    case 4:
      v.kind = "swapped";
      std::swap(v.q.surname, v.q.given_names);
      break;
    case 5: {
      v.kind = "no middle name";
      const auto lt = v.q.given_names.find('<');
      if (lt != std::string::npos) v.q.given_names.resize(lt);
      break;
    }
    case 6:
      v.kind = "birth date unknown";
      v.q.birth = PartialDate{};
      break;
    default:
      v.kind = "two typos";
      typo(v.q.surname);
      typo(v.q.given_names);
  }
  return v;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

}  // namespace

// The whole local list as the appliance holds it: persons and the stolen and lost
// documents, built entry by entry through WatchlistBuilder; resident memory, and the
// time to screen one traveller (name and document).
int FullList(std::size_t persons, std::size_t documents, std::size_t nqueries) {
  Generator g(20261129);
  constexpr const char* kStates[] = {"UTO", "D",   "FRA", "GBR", "ITA", "ESP", "POL",
                                     "UKR", "RUS", "NLD", "BEL", "AUT", "CHE", "SWE",
                                     "NOR", "TUR", "USA", "CAN", "BRA", "IND"};
  auto doc_number = [](std::size_t i) {
    std::string n(1, static_cast<char>('A' + i % 26));
    const std::string digits = std::to_string(10'000'000 + (i * 7'919) % 90'000'000);
    return n + digits;
  };
  const auto t0 = Clock::now();
  WatchlistBuilder b;
  std::vector<Query> queries;
  std::vector<std::string> latin;
  for (std::size_t i = 0; i < persons; ++i) {
    auto [r, l] = g.Person(i);
    if (queries.size() < nqueries && i % std::max<std::size_t>(1, persons / nqueries) == 0) {
      queries.push_back(Variant(g, r, l));
    }
    if (!b.AddPerson(std::move(r))) return 1;
  }
  for (std::size_t i = 0; i < documents; ++i) {
    DocumentRecord d;
    d.id = "S" + std::to_string(i);
    d.number = doc_number(i);
    d.issuing_state = kStates[i % 20];
    d.type = "P";
    d.listing = {"interpol", i % 3 ? "stolen" : "lost", "seize", 0, 0, {}};
    if (auto st = b.AddDocument(d); !st) {
      std::fprintf(stderr, "%s\n", st.error().String().c_str());
      return 1;
    }
  }
  Watchlist w;
  if (!b.Publish(w)) return 1;
  const auto t1 = Clock::now();
  const auto [rss, hwm] = MemoryMiB();
  // One traveller: the name screened and the document checked (half the documents
  // are listed ones, read with O for 0 where the number has a 0).
  std::vector<double> lat, cpu;
  std::size_t doc_hits = 0, person_hits = 0;
  const ScreeningOptions o;
  auto document = [&](std::size_t i) {
    std::string number = doc_number((i * 104'729) % std::max<std::size_t>(documents, 1));
    if (i % 2 == 1) number[0] = static_cast<char>('A' + (number[0] - 'A' + 1) % 26);
    std::replace(number.begin(), number.end(), '0', 'O');
    return std::pair{number, kStates[((i * 104'729) % std::max<std::size_t>(documents, 1)) % 20]};
  };
  for (std::size_t i = 0; i < queries.size(); ++i) {
    const auto [number, state] = document(i);
    const auto a = Clock::now();
    const double c = ThreadCpuMicros();
    person_hits += w.ScreenPerson(queries[i].q, o, 0).empty() ? 0U : 1U;
    doc_hits += w.CheckDocument(number, state, 0).size();
    cpu.push_back(ThreadCpuMicros() - c);
    lat.push_back(std::chrono::duration<double, std::micro>(Clock::now() - a).count());
  }
  // SCREEN_BENCH_ROUNDS=N: each traveller's least CPU time over N more rounds, as in
  // the names-only run.
  double least_p50 = 0, least_p99 = 0;
  if (const char* r = std::getenv("SCREEN_BENCH_ROUNDS"); r != nullptr) {
    std::vector<double> least = cpu;
    for (long round = std::strtol(r, nullptr, 10); round > 0; --round) {
      for (std::size_t i = 0; i < queries.size(); ++i) {
        const auto [number, state] = document(i);
        const double c = ThreadCpuMicros();
        (void)w.ScreenPerson(queries[i].q, o, 0);
        (void)w.CheckDocument(number, state, 0);
        least[i] = std::min(least[i], ThreadCpuMicros() - c);
      }
    }
    least_p50 = Percentile(least, 0.5);
    least_p99 = Percentile(least, 0.99);
  }
  const auto st = w.stats();
  std::printf(
      "{\"persons\":%zu,\"documents\":%zu,\"build_s\":%.1f,\"index_mib\":%.0f,"
      "\"rss_mib\":%.0f,\"peak_rss_mib\":%.0f,\"travellers\":%zu,\"p50_us\":%.1f,"
      "\"p99_us\":%.1f,\"cpu_p50_us\":%.1f,\"cpu_p99_us\":%.1f,\"document_hits\":%zu,"
      "\"person_hits\":%zu,\"least_cpu_p50_us\":%.1f,\"least_cpu_p99_us\":%.1f}\n",
      st.persons, st.documents, Seconds(t0, t1), static_cast<double>(st.bytes) / 1048576.0, rss,
      hwm, lat.size(), Percentile(lat, 0.5), Percentile(lat, 0.99), Percentile(cpu, 0.5),
      Percentile(cpu, 0.99), doc_hits, person_hits, least_p50, least_p99);
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "full") {
    return FullList(argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 1'000'000,
                    argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 10'000'000,
                    argc > 4 ? std::strtoul(argv[4], nullptr, 10) : 10'000);
  }
  const std::size_t persons = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1'000'000;
  const std::size_t nqueries = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 20'000;
  const std::size_t nbrute = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 100;

  Generator g(20261129);
  std::vector<PersonRecord> list;
  std::vector<std::string> latin;
  list.reserve(persons);
  latin.reserve(persons);
  for (std::size_t i = 0; i < persons; ++i) {
    auto [r, l] = g.Person(i);
    list.push_back(std::move(r));
    latin.push_back(std::move(l));
  }
  // Queries are drawn before the list is handed over (Build consumes it).
  std::vector<Query> queries;
  for (std::size_t i = 0; i < nqueries; ++i) {
    if (i % 10 == 9) {  // not listed
      Query v;
      v.kind = "not listed";
      v.q.surname = g.Surname().latin + "X";
      v.q.given_names = g.Given().latin;
      queries.push_back(v);
      continue;
    }
    const auto at = static_cast<std::size_t>(g.rng()() % persons);
    queries.push_back(Variant(g, list[at], latin[at]));
  }
  latin = {};
  const auto [rss0, hwm0] = MemoryMiB();
  const auto t0 = Clock::now();
  auto built = PersonIndex::Build(std::move(list));
  const auto t1 = Clock::now();
  if (!built) {
    std::fprintf(stderr, "build: %s\n", built.error().String().c_str());
    return 1;
  }
  const auto& idx = **built;
  const auto [rss1, hwm1] = MemoryMiB();
  const auto& st = idx.stats();
  std::printf(
      "{\"persons\":%zu,\"build_s\":%.2f,\"index_mib\":%.0f,\"rss_mib\":%.0f,"
      "\"peak_rss_mib\":%.0f,\"rss_before_build_mib\":%.0f,\"tokens\":%zu,"
      "\"skeletons\":%zu,\"postings\":%zu,\"deletion_keys\":%zu,\"rejected_names\":%zu}\n",
      st.entries, Seconds(t0, t1), static_cast<double>(st.bytes) / 1048576.0, rss1, hwm1, rss0,
      st.tokens, st.skeletons, st.postings, st.deletion_keys, st.rejected_names);
  (void)hwm0;

  // Index: every query, latency and whether the person it varies is among the hits.
  const ScreeningOptions o;
  std::vector<double> lat, cpu;
  lat.reserve(queries.size());
  std::size_t listed = 0, found = 0;
  std::vector<std::pair<std::string, std::pair<int, int>>> by_kind;
  std::vector<std::vector<PersonHit>> fast(queries.size());
  for (std::size_t i = 0; i < queries.size(); ++i) {
    const auto a = Clock::now();
    const double c = ThreadCpuMicros();
    fast[i] = idx.Screen(queries[i].q, o);
    cpu.push_back(ThreadCpuMicros() - c);
    lat.push_back(std::chrono::duration<double, std::micro>(Clock::now() - a).count());
    if (queries[i].want.empty()) continue;
    ++listed;
    const bool hit = std::any_of(fast[i].begin(), fast[i].end(),
                                 [&](const PersonHit& h) { return h.id == queries[i].want; });
    found += hit ? 1 : 0;
    auto it = std::find_if(by_kind.begin(), by_kind.end(),
                           [&](const auto& k) { return k.first == queries[i].kind; });
    if (it == by_kind.end()) it = by_kind.insert(by_kind.end(), {queries[i].kind, {0, 0}});
    ++it->second.first;
    it->second.second += hit ? 1 : 0;
  }
  std::printf(
      "{\"queries\":%zu,\"p50_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,"
      "\"cpu_p50_us\":%.1f,\"cpu_p99_us\":%.1f,\"found_listed\":%.4f}\n",
      queries.size(), Percentile(lat, 0.5), Percentile(lat, 0.99), Percentile(lat, 1.0),
      Percentile(cpu, 0.5), Percentile(cpu, 0.99),
      static_cast<double>(found) / static_cast<double>(std::max<std::size_t>(listed, 1)));
  // On a shared machine, preemption lands in the tail. SCREEN_BENCH_ROUNDS=N screens
  // the whole query set N more times, in the same order (so caches are no warmer for
  // a query than in the first round), and reports the percentiles of each query's
  // least CPU time over all rounds: a figure preemption does not move.
  if (const char* r = std::getenv("SCREEN_BENCH_ROUNDS"); r != nullptr) {
    std::vector<double> least = cpu;
    for (long round = std::strtol(r, nullptr, 10); round > 0; --round) {
      for (std::size_t i = 0; i < queries.size(); ++i) {
        const double c = ThreadCpuMicros();
        (void)idx.Screen(queries[i].q, o);
        least[i] = std::min(least[i], ThreadCpuMicros() - c);
      }
    }
    std::printf("{\"rounds\":%s,\"least_cpu_p50_us\":%.1f,\"least_cpu_p99_us\":%.1f}\n", r,
                Percentile(least, 0.5), Percentile(least, 0.99));
  }
  if (const char* file = std::getenv("SCREEN_BENCH_TAIL"); file != nullptr) {
    std::vector<std::size_t> tail;
    if (std::ifstream in(file); in) {
      for (std::size_t i; in >> i;) {
        if (i < queries.size()) tail.push_back(i);
      }
    } else {
      tail.resize(queries.size());
      for (std::size_t i = 0; i < tail.size(); ++i) tail[i] = i;
      std::sort(tail.begin(), tail.end(), [&](auto a, auto b) { return cpu[a] > cpu[b]; });
      tail.resize(std::max<std::size_t>(1, queries.size() / 50));
      std::ofstream out(file);
      for (std::size_t i : tail) out << i << '\n';
    }
    CALLGRIND_START_INSTRUMENTATION;
    for (std::size_t i : tail) (void)idx.Screen(queries[i].q, o);
    CALLGRIND_STOP_INSTRUMENTATION;
    std::vector<double> least(tail.size(), 1e30);
    for (int round = 0; round < 10; ++round) {
      for (std::size_t j = 0; j < tail.size(); ++j) {
        const double c = ThreadCpuMicros();
        (void)idx.Screen(queries[tail[j]].q, o);
        least[j] = std::min(least[j], ThreadCpuMicros() - c);
      }
    }
    double sum = 0;
    for (double v : least) sum += v;
    std::printf(
        "{\"tail_queries\":%zu,\"tail_least_cpu_mean_us\":%.1f,\"tail_least_cpu_max_us\":%.1f}\n",
        tail.size(), sum / static_cast<double>(tail.size()), Percentile(least, 1.0));
  }
  if (std::getenv("SCREEN_BENCH_VERBOSE") != nullptr) {
    std::vector<std::size_t> slow(queries.size());
    for (std::size_t i = 0; i < slow.size(); ++i) slow[i] = i;
    std::sort(slow.begin(), slow.end(), [&](auto a, auto b) { return lat[a] > lat[b]; });
    for (std::size_t i = 0; i < 15 && i < slow.size(); ++i) {
      const auto& q = queries[slow[i]];
      const auto a = Clock::now();
      (void)idx.Screen(q.q, o);
      std::fprintf(stderr, "slow %.0f us (again: %.0f us): %s / %s [%s] %zu hits\n", lat[slow[i]],
                   Seconds(a, Clock::now()) * 1e6, q.q.surname.c_str(), q.q.given_names.c_str(),
                   q.kind, fast[slow[i]].size());
    }
  }
  for (const auto& [kind, n] : by_kind) {
    std::printf("  %-20s %5d queries, person found %.4f\n", kind.c_str(), n.first,
                static_cast<double>(n.second) / n.first);
  }

  // Brute force on the first queries: the same scoring over every entry.
  std::vector<double> brute_lat;
  std::size_t brute_hits = 0, index_agrees = 0;
  for (std::size_t i = 0; i < std::min(nbrute, queries.size()); ++i) {
    const auto a = Clock::now();
    const auto slow = idx.ScreenBruteForce(queries[i].q, o);
    brute_lat.push_back(std::chrono::duration<double, std::micro>(Clock::now() - a).count());
    for (const auto& h : slow) {
      ++brute_hits;
      const bool in_fast = std::any_of(fast[i].begin(), fast[i].end(),
                                       [&](const PersonHit& f) { return f.id == h.id; });
      // A full fast list whose last hit scores at least as high is as good (ties).
      const bool displaced = fast[i].size() == o.max_hits && fast[i].back().score >= h.score;
      index_agrees += in_fast || displaced ? 1 : 0;
      if (!in_fast && !displaced && std::getenv("SCREEN_BENCH_VERBOSE") != nullptr) {
        std::fprintf(stderr, "missed %s %.3f (%s) for %s / %s [%s]; index had %zu\n", h.id.c_str(),
                     h.score, h.reasons[0].c_str(), queries[i].q.surname.c_str(),
                     queries[i].q.given_names.c_str(), queries[i].kind, fast[i].size());
      }
    }
  }
  double fast_mean = 0, brute_mean = 0;
  for (std::size_t i = 0; i < brute_lat.size(); ++i) {
    fast_mean += lat[i];
    brute_mean += brute_lat[i];
  }
  std::printf(
      "{\"brute_queries\":%zu,\"brute_mean_us\":%.0f,\"index_mean_us_same_queries\":%.1f,"
      "\"speedup\":%.0f,\"brute_hits\":%zu,\"recall_vs_brute\":%.4f}\n",
      brute_lat.size(), brute_mean / static_cast<double>(brute_lat.size()),
      fast_mean / static_cast<double>(brute_lat.size()), brute_mean / fast_mean, brute_hits,
      static_cast<double>(index_agrees) /
          static_cast<double>(std::max<std::size_t>(brute_hits, 1)));
  return 0;
}
