// Throughput of the cargo and vehicle checks on one core (issue 5 item 3):
//
//   cargo_bench [COUNT]   COUNT container codes, plates and document numbers
//                         (default 10,000,000 document numbers, a tenth as many of
//                         the others); prints one JSON line per function
//
// Inputs are generated from a fixed seed before timing: container codes with
// separators and some misreadings, plates in Latin and Cyrillic, document numbers
// of nine characters with some O/0 confusions.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "checkpoint/cargo/iso6346.hpp"
#include "checkpoint/risk/document_key.hpp"
#include "checkpoint/risk/plate.hpp"

using Clock = std::chrono::steady_clock;

namespace {

template <typename F>
void Time(const char* name, std::size_t n, F&& f) {
  const auto t0 = Clock::now();
  const std::size_t sink = f();
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf(
      "{\"function\":\"%s\",\"count\":%zu,\"seconds\":%.3f,\"perSecond\":%.0f,\"sink\":%zu}\n",
      name, n, s, static_cast<double>(n) / s, sink);
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t docs = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10'000'000;
  const std::size_t n = docs / 10;
  std::mt19937_64 rng(42);
  auto pick = [&rng](std::string_view alphabet) {
    return alphabet[static_cast<std::size_t>(rng() % alphabet.size())];
  };
  const std::string_view letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const std::string_view digits = "0123456789";

  std::vector<std::string> codes;
  codes.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::string c;
    for (int k = 0; k < 3; ++k) c.push_back(pick(letters));
    c.push_back('U');
    for (int k = 0; k < 6; ++k) c.push_back(pick(digits));
    c.push_back(static_cast<char>('0' + checkpoint::cargo::Iso6346CheckDigit(c).value_or(0)));
    if (i % 4 == 1) c.insert(4, " ").insert(11, " ");
    if (i % 10 == 3) c[5] = 'O';
    codes.push_back(std::move(c));
  }
  std::vector<std::string> plates;
  plates.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::string p;
    if (i % 2 == 0) {
      p = {pick(letters), pick(letters), pick(digits),  pick(digits),
           ' ',           pick(letters), pick(letters), pick(letters)};
    } else {
      p = "\u0410\u0412 " + std::string{pick(digits), pick(digits), pick(digits), pick(digits)} +
          " \u041A\u0425";
    }
    plates.push_back(std::move(p));
  }
  std::vector<std::string> numbers;
  numbers.reserve(docs);
  for (std::size_t i = 0; i < docs; ++i) {
    std::string d{pick(letters)};
    for (int k = 0; k < 8; ++k) d.push_back(i % 16 == 0 && k == 4 ? 'O' : pick(digits));
    numbers.push_back(std::move(d));
  }

  Time("ParseContainerCode", n, [&] {
    std::size_t valid = 0;
    for (const auto& c : codes) valid += checkpoint::cargo::ParseContainerCode(c).valid;
    return valid;
  });
  Time("OcrVariants", n, [&] {
    std::size_t total = 0;
    for (const auto& c : codes) total += checkpoint::cargo::OcrVariants(c).size();
    return total;
  });
  Time("NormalisePlate+PlateMatchKey(GB)", n, [&] {
    std::size_t total = 0;
    for (const auto& p : plates) {
      total += checkpoint::risk::PlateMatchKey(checkpoint::risk::NormalisePlate(p, "GB").text, "GB")
                   .size();
    }
    return total;
  });
  Time("DocumentNumberKeyInto", docs, [&] {
    std::size_t total = 0;
    std::string key;
    for (const auto& d : numbers) {
      checkpoint::risk::DocumentNumberKeyInto(d, "UTO", key);
      total += static_cast<unsigned char>(key[4]);
    }
    return total;
  });
  return 0;
}
