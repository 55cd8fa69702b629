// MRZ parse + validate throughput on one core (issue 4 item 6).
//
//   mrz_bench write FILE COUNT [--common]   generate a corpus: documents separated by
//                                           blank lines; --common keeps to the formats
//                                           the npm package `mrz` also reads (TD1, TD2,
//                                           TD3, French ID), without visas
//   mrz_bench run FILE [ROUNDS]             parse the corpus ROUNDS times (default 7),
//                                           with OCR correction on (as shipped) and off;
//                                           prints one JSON line per variant
//
// bench/run.sh runs this and bench/mrz-js/bench.mjs on the same file, side by side.
// The corpus is deterministic (fixed seed): mostly valid documents, some with a wrong
// check digit, some with an OCR misreading that correction repairs.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/documents/mrz.hpp"

namespace documents = checkpoint::documents;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::array<std::string_view, 12> kSurnames = {
    "ERIKSSON", "MUSTERMANN", "DUPONT",       "SMITH",  "GARCIA<LOPEZ", "NOWAK",
    "KOWALSKA", "ROSSI",      "VAN<DER<BERG", "OBRIEN", "PAPADOPOULOS", "SHEVCHENKO"};
constexpr std::array<std::string_view, 12> kGiven = {"ANNA<MARIA", "ERIKA", "JEAN<PIERRE", "JOHN",
                                                     "MARIA<JOSE", "PIOTR", "EWA",         "LUCA",
                                                     "PIETER",     "SEAN",  "GEORGIOS",    "OLENA"};
constexpr std::array<std::string_view, 10> kStates = {"UTO", "D<<", "FRA", "GBR", "NLD",
                                                      "POL", "ITA", "ESP", "GRC", "UKR"};

// The library's check digit: the corpus is checked by the npm package too, which
// agrees with it document for document (bench/RESULTS.md).
char Cd(std::string_view s) {
  return static_cast<char>('0' + documents::CheckDigit(s).value_or(0));
}

std::string Pad(std::string s, std::size_t n) {
  s.resize(n, '<');
  return s;
}

class Generator {
 public:
  explicit Generator(bool common) : common_(common) {}

  std::vector<std::string> Next() {
    const int kinds = common_ ? 4 : 6;
    std::vector<std::string> doc;
    switch (Pick(kinds)) {
      case 0:
        doc = Td3();
        break;
      case 1:
        doc = Td1();
        break;
      case 2:
        doc = Td2();
        break;
      case 3:
        doc = French();
        break;
      case 4:
        doc = Visa(44);
        break;
      default:
        doc = Visa(36);
    }
    const int fault = Pick(100);
    if (fault < 10) {  // a wrong digit somewhere on the last line
      std::string& l = doc.back();
      const std::size_t at = static_cast<std::size_t>(Pick(static_cast<int>(l.size())));
      if (l[at] >= '0' && l[at] <= '8') ++l[at];
    } else if (fault < 15) {  // O read for 0 on the last line (correctable in dates)
      std::string& l = doc.back();
      const auto at = l.find('0');
      if (at != std::string::npos) l[at] = 'O';
    }
    return doc;
  }

 private:
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  std::string Digits(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += static_cast<char>('0' + Pick(10));
    return s;
  }
  std::string Number() {
    std::string s;
    s += static_cast<char>('A' + Pick(26));
    return s + Digits(8);
  }
  std::string Date(int from_year, int years) {
    std::string s;
    for (int part : {(from_year + Pick(years)) % 100, 1 + Pick(12), 1 + Pick(28)}) {
      s += static_cast<char>('0' + part / 10);
      s += static_cast<char>('0' + part % 10);
    }
    return s;
  }
  std::string Name(std::size_t width) {
    return Pad(std::string(kSurnames[static_cast<std::size_t>(Pick(12))]) + "<<" +
                   std::string(kGiven[static_cast<std::size_t>(Pick(12))]),
               width);
  }
  // The common corpus keeps to what both parsers accept: the npm package refuses the
  // sex X (ICAO 9303 8th edition allows it) and the specimen state UTO.
  std::string State() {
    return std::string(kStates[static_cast<std::size_t>(common_ ? 1 + Pick(9) : Pick(10))]);
  }
  char Sex() { return common_ ? "MF<"[Pick(3)] : "MFX<"[Pick(4)]; }

  std::vector<std::string> Td3() {
    const std::string num = Number(), birth = Date(1940, 80), expiry = Date(2020, 15);
    const std::string personal = Pick(2) ? Pad(Digits(9), 14) : std::string(14, '<');
    std::string l2 = num + Cd(num) + State() + birth + Cd(birth) + Sex() + expiry + Cd(expiry) +
                     personal + (personal[0] == '<' ? '<' : Cd(personal));
    l2 += Cd(l2.substr(0, 10) + l2.substr(13, 7) + l2.substr(21, 22));
    return {"P<" + State() + Name(39), l2};
  }
  std::vector<std::string> Td1() {
    const std::string num = Number(), birth = Date(1940, 80), expiry = Date(2020, 15);
    const std::string l1 = "I<" + State() + num + Cd(num) + std::string(15, '<');
    std::string l2 =
        birth + Cd(birth) + Sex() + expiry + Cd(expiry) + State() + std::string(11, '<');
    l2 += Cd(l1.substr(5, 25) + l2.substr(0, 7) + l2.substr(8, 7) + l2.substr(18, 11));
    return {l1, l2, Name(30)};
  }
  std::vector<std::string> Td2() {
    const std::string num = Number(), birth = Date(1940, 80), expiry = Date(2020, 15);
    std::string l2 = num + Cd(num) + State() + birth + Cd(birth) + Sex() + expiry + Cd(expiry) +
                     std::string(7, '<');
    l2 += Cd(l2.substr(0, 10) + l2.substr(13, 7) + l2.substr(21, 14));
    return {"I<" + State() + Name(31), l2};
  }
  std::vector<std::string> French() {
    const std::string l1 =
        "IDFRA" + Pad(std::string(kSurnames[static_cast<std::size_t>(Pick(12))]), 25) + "750123";
    // Year and month of issue, department, office, serial.
    std::string l2 = Date(1988, 33).substr(0, 4) + Digits(8);
    l2 += Cd(l2);
    const std::string birth = Date(1940, 80);
    l2 += Pad(std::string(kGiven[static_cast<std::size_t>(Pick(12))]), 14) + birth + Cd(birth);
    l2 += "MF"[Pick(2)];
    l2 += Cd(l1 + l2);
    return {l1, l2};
  }
  std::vector<std::string> Visa(std::size_t width) {
    const std::string num = Number(), birth = Date(1940, 80), expiry = Date(2020, 15);
    const std::string l2 = num + Cd(num) + State() + birth + Cd(birth) + Sex() + expiry +
                           Cd(expiry) + std::string(width - 28, '<');
    return {"V<" + State() + Name(width - 5), l2};
  }

  bool common_;
  std::mt19937_64 rng_{20261129};
};

int Write(const char* path, long count, bool common) {
  std::ofstream out(path, std::ios::binary);
  Generator g(common);
  for (long i = 0; i < count; ++i) {
    for (const auto& l : g.Next()) out << l << '\n';
    out << '\n';
  }
  return out ? 0 : 1;
}

struct Corpus {
  std::string text;
  std::vector<std::vector<std::string_view>> docs;
};

Corpus Load(const char* path) {
  Corpus c;
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  c.text = ss.str();
  std::vector<std::string_view> doc;
  std::string_view rest = c.text;
  while (!rest.empty()) {
    const std::size_t nl = std::min(rest.find('\n'), rest.size());
    const std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(std::min(nl + 1, rest.size()));
    if (line.empty()) {
      if (!doc.empty()) c.docs.push_back(std::move(doc));
      doc.clear();
    } else {
      doc.push_back(line);
    }
  }
  if (!doc.empty()) c.docs.push_back(std::move(doc));
  return c;
}

void Run(const Corpus& c, int rounds, bool correct) {
  const documents::ParseOptions options{2026, 11, 29, correct};
  std::vector<double> rates;
  long valid = 0, errors = 0, corrected = 0;
  for (int r = 0; r < rounds; ++r) {
    valid = errors = corrected = 0;
    const auto t0 = Clock::now();
    for (const auto& d : c.docs) {
      auto res = documents::ParseMrz(d, options);
      if (!res) {
        ++errors;
        continue;
      }
      valid += res->valid ? 1 : 0;
      corrected += res->corrections.empty() ? 0 : 1;
    }
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    rates.push_back(static_cast<double>(c.docs.size()) / s);
  }
  std::sort(rates.begin(), rates.end());
  std::printf(
      "{\"parser\":\"checkpoint-edge\",\"correct\":%s,\"documents\":%zu,\"rounds\":%d,"
      "\"median_docs_per_s\":%.0f,\"best_docs_per_s\":%.0f,\"valid\":%ld,\"corrected\":%ld,"
      "\"errors\":%ld}\n",
      correct ? "true" : "false", c.docs.size(), rounds, rates[rates.size() / 2], rates.back(),
      valid, corrected, errors);
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.size() >= 3 && args[0] == "write") {
    const bool common = args.size() >= 4 && args[3] == "--common";
    return Write(argv[2], std::strtol(argv[3], nullptr, 10), common);
  }
  if (args.size() >= 2 && args[0] == "run") {
    const int rounds = args.size() >= 3 ? std::atoi(argv[3]) : 7;
    const Corpus c = Load(argv[2]);
    if (c.docs.empty() || rounds < 1) {
      std::fprintf(stderr, "mrz_bench: empty corpus or bad round count\n");
      return 2;
    }
    Run(c, rounds, true);
    Run(c, rounds, false);
    return 0;
  }
  std::fprintf(stderr, "usage: mrz_bench write FILE COUNT [--common] | run FILE [ROUNDS]\n");
  return 2;
}
