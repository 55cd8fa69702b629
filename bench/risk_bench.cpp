// Rule evaluation throughput on one core (issue 5 item 4): the default bundle (or the
// one given) over three inspections — a clean traveller (no rule fires), a clean
// cargo lane (no rule fires), and a flagged traveller (three rules fire, so reasons
// and evidence are built). History counts go to an in-memory fake: 8 crossings in 35 days, no
// refusals.
//
//   risk_bench [BUNDLE] [EVALUATIONS]   defaults: config/rules/default.json, 2000000
//
// Prints one JSON line per inspection kind: evaluations/s and ns per evaluation.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "checkpoint/risk/rules.hpp"

namespace risk = checkpoint::risk;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;

class MemoryHistory final : public risk::HistoryProvider {
 public:
  MemoryHistory() {
    for (std::int64_t d = 0; d < 8; ++d) at_.push_back(kNow - d * 5 * 86'400'000);
  }
  checkpoint::Expected<std::int64_t> Count(const risk::HistoryQuery& q) override {
    if (q.kind != risk::HistoryKind::kCrossings) return std::int64_t{0};
    std::int64_t n = 0;
    for (auto t : at_) n += (t >= q.since_ms && t <= q.until_ms) ? 1 : 0;
    return n;
  }

 private:
  std::vector<std::int64_t> at_;
};

risk::Facts Traveller() {
  namespace f = risk::fields;
  risk::Facts facts;
  facts.Set(f::kTravellerAge, 34.0)
      .Set(f::kTravellerAccompanied, false)
      .Set(f::kTravellerNationality, "FRA")
      .Set(f::kDocumentValid, true)
      .Set(f::kDocumentExpired, false)
      .Set(f::kDocumentNumber, "X4RTBPFW4")
      .Set(f::kDocumentIssuingState, "FRA")
      .Set(f::kChipStatus, "passed")
      .Set(f::kChipDg1Mismatch, false)
      .Set(f::kWatchlistPersonHits, 0.0)
      .Set(f::kWatchlistDocumentHit, false)
      .Set(f::kWatchlistMaxScore, 0.4);
  return facts;
}

risk::Facts Cargo() {
  namespace f = risk::fields;
  risk::Facts facts;
  facts.Set(f::kVehiclePlate, "AB123CD")
      .Set(f::kVehiclePlateHit, false)
      .Set(f::kCargoDeclaredWeightKg, 24000.0)
      .Set(f::kCargoMeasuredWeightKg, 25100.0)
      .Set(f::kRadiationGammaAlarm, false)
      .Set(f::kRadiationNeutronAlarm, false)
      .Set(f::kContainerCodes, {"CSQU3054383"})
      .Set(f::kContainerInvalidCodes, {})
      .Set(f::kDeclarationContainerCodes, {"CSQU3054383", "MSKU1234565"})
      .Set(f::kSealExpected, {"A123", "B456"})
      .Set(f::kSealRead, {"B456", "A123"});
  return facts;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "config/rules/default.json";
  const long n = argc > 2 ? std::atol(argv[2]) : 2'000'000;
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  const auto t0 = Clock::now();
  auto bundle = risk::CompileBundle(ss.str());
  const auto compile_us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
  if (!bundle) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), bundle.error().message().c_str());
    return 1;
  }
  std::printf("{\"bundle\": \"%s\", \"rules\": %zu, \"compile_us\": %.0f}\n", path.c_str(),
              (*bundle)->info().rules, compile_us);

  risk::Facts flagged = Traveller();
  flagged.Set(risk::fields::kDocumentExpired, true)
      .Set(risk::fields::kChipStatus, "failed")
      .Set(risk::fields::kTravellerAge, 15.0);
  const std::pair<const char*, risk::Facts> cases[] = {
      {"clean traveller", Traveller()}, {"clean cargo", Cargo()}, {"flagged traveller", flagged}};
  MemoryHistory history;
  for (const auto& [name, facts] : cases) {
    double checksum = 0;
    const auto start = Clock::now();
    for (long i = 0; i < n; ++i) {
      const auto a = (*bundle)->Evaluate(facts, history, kNow);
      checksum += a.score + static_cast<double>(a.reasons.size());
    }
    const double s = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf(
        "{\"inspection\": \"%s\", \"evaluations\": %ld, \"per_second\": %.0f, \"ns_each\": "
        "%.0f, \"checksum\": %.0f}\n",
        name, n, static_cast<double>(n) / s, s * 1e9 / static_cast<double>(n), checksum);
  }
  return 0;
}
