// The default bundle shipped in config/rules/default.json: every indicator fires on a
// matching inspection, and nothing fires on a clean one.
#include <catch2/catch.hpp>
#include <fstream>
#include <functional>
#include <sstream>

#include "checkpoint/risk/rules.hpp"
#include "rules_test_support.hpp"

using namespace checkpoint::risk;
using namespace checkpoint::risk::testing;

namespace {

std::shared_ptr<const CompiledBundle> DefaultBundle() {
  std::ifstream in(CHECKPOINT_DEFAULT_RULES);
  std::stringstream ss;
  ss << in.rdbuf();
  auto b = CompileBundle(ss.str());
  if (!b) FAIL(b.error().message());
  return *b;
}

Facts CleanTraveller() {
  Facts f;
  f.Set(fields::kTravellerAge, 34.0)
      .Set(fields::kTravellerAccompanied, false)
      .Set(fields::kTravellerNationality, "FRA")
      .Set(fields::kDocumentValid, true)
      .Set(fields::kDocumentExpired, false)
      .Set(fields::kDocumentNumber, "X4RTBPFW4")
      .Set(fields::kDocumentIssuingState, "FRA")
      .Set(fields::kDocumentCode, "P")
      .Set(fields::kChipStatus, "passed")
      .Set(fields::kChipDg1Mismatch, false)
      .Set(fields::kWatchlistPersonHits, 0.0)
      .Set(fields::kWatchlistDocumentHit, false)
      .Set(fields::kWatchlistMaxScore, 0.42)
      .Set(fields::kInspectionDirection, "entry");
  return f;
}

Facts CleanCargo() {
  Facts f;
  f.Set(fields::kVehiclePlate, "AB123CD")
      .Set(fields::kVehiclePlateHit, false)
      .Set(fields::kCargoDeclaredWeightKg, 24000.0)
      .Set(fields::kCargoMeasuredWeightKg, 25100.0)  // +4.6 %
      .Set(fields::kRadiationGammaAlarm, false)
      .Set(fields::kRadiationNeutronAlarm, false)
      .Set(fields::kContainerCodes, {"CSQU3054383"})
      .Set(fields::kContainerInvalidCodes, {})
      .Set(fields::kContainerListedCodes, {})
      .Set(fields::kDeclarationContainerCodes, {"CSQU3054383", "MSKU1234565"})
      .Set(fields::kSealExpected, {"A123", "B456"})
      .Set(fields::kSealRead, {"B456", "A123"})
      .Set(fields::kInspectionDirection, "entry");
  return f;
}

struct Indicator {
  const char* rule;
  Level level;
  std::function<void(Facts&, FakeHistory&)> make;
  bool cargo = false;
};

}  // namespace

TEST_CASE("the default bundle loads") {
  const auto b = DefaultBundle();
  CHECK(b->info().version >= 1);
  CHECK(b->info().enabled_rules == b->info().rules);
  RuleEngine engine;
  CHECK(engine.Install(b, {}));
}

TEST_CASE("the default bundle clears clean inspections") {
  const auto b = DefaultBundle();
  FakeHistory h;
  h.Add(HistoryKind::kCrossings, Field::kDocumentNumber, "X4RTBPFW4", kNow - 3 * kDayMs);
  for (const Facts& f : {CleanTraveller(), CleanCargo(), Facts{}}) {
    const auto a = b->Evaluate(f, h, kNow);
    CHECK(a.reasons.empty());
    CHECK(a.score == 0);
    CHECK(a.level == Level::kClear);
    CHECK(a.warnings.empty());
  }
}

TEST_CASE("every indicator of the default bundle fires on a matching inspection") {
  const auto b = DefaultBundle();
  const std::vector<Indicator> indicators = {
      {"document.invalid", Level::kSecondary,
       [](Facts& f, FakeHistory&) { f.Set(fields::kDocumentValid, false); }},
      {"document.expired", Level::kSecondary,
       [](Facts& f, FakeHistory&) { f.Set(fields::kDocumentExpired, true); }},
      {"chip.authenticationFailed", Level::kSecondary,
       [](Facts& f, FakeHistory&) { f.Set(fields::kChipStatus, "failed"); }},
      {"chip.dg1Mismatch", Level::kAlert,
       [](Facts& f, FakeHistory&) { f.Set(fields::kChipDg1Mismatch, true); }},
      {"watchlist.person", Level::kAlert,
       [](Facts& f, FakeHistory&) { f.Set(fields::kWatchlistPersonHits, 1.0); }},
      {"watchlist.stolenDocument", Level::kAlert,
       [](Facts& f, FakeHistory&) { f.Set(fields::kWatchlistDocumentHit, true); }},
      {"traveller.minorAlone", Level::kSecondary,
       [](Facts& f, FakeHistory&) { f.Set(fields::kTravellerAge, 15.0); }},
      {"traveller.frequentCrossings", Level::kClear,
       [](Facts&, FakeHistory& h) {
         for (int d = 1; d <= 8; ++d) {
           h.Add(HistoryKind::kCrossings, Field::kDocumentNumber, "X4RTBPFW4", kNow - d * kDayMs);
         }
       }},
      {"traveller.previousRefusal", Level::kClear,
       [](Facts&, FakeHistory& h) {
         h.Add(HistoryKind::kRefusals, Field::kDocumentNumber, "X4RTBPFW4", kNow - 100 * kDayMs);
       }},
      {"watchlist.vehicle", Level::kAlert,
       [](Facts& f, FakeHistory&) { f.Set(fields::kVehiclePlateHit, true); }, true},
      {"watchlist.container", Level::kAlert,
       [](Facts& f, FakeHistory&) { f.Set(fields::kContainerListedCodes, {"CSQU3054383"}); }, true},
      {"cargo.weightDeviation", Level::kSecondary,
       [](Facts& f, FakeHistory&) { f.Set(fields::kCargoMeasuredWeightKg, 26500.0); }, true},
      {"cargo.radiationAlarm", Level::kAlert,
       [](Facts& f, FakeHistory&) { f.Set(fields::kRadiationGammaAlarm, true); }, true},
      {"cargo.radiationAlarm", Level::kAlert,
       [](Facts& f, FakeHistory&) { f.Set(fields::kRadiationNeutronAlarm, true); }, true},
      {"cargo.containerCodeInvalid", Level::kSecondary,
       [](Facts& f, FakeHistory&) { f.Set(fields::kContainerInvalidCodes, {"CSQU3054384"}); },
       true},
      {"cargo.containerNotDeclared", Level::kSecondary,
       [](Facts& f, FakeHistory&) {
         f.Set(fields::kContainerCodes, {"CSQU3054383", "TGHU0000001"});
       },
       true},
      {"cargo.sealMismatch", Level::kSecondary,
       [](Facts& f, FakeHistory&) {
         f.Set(fields::kSealRead, {"A123", "B457"});
       },
       true},
  };
  for (const auto& ind : indicators) {
    INFO(ind.rule);
    Facts f = ind.cargo ? CleanCargo() : CleanTraveller();
    FakeHistory h;
    ind.make(f, h);
    const auto a = b->Evaluate(f, h, kNow);
    REQUIRE(a.reasons.size() == 1);
    CHECK(a.reasons[0].rule_id == ind.rule);
    CHECK_FALSE(a.reasons[0].evidence.empty());
    CHECK(a.level == ind.level);
  }
}

TEST_CASE("the default bundle combines indicators into a higher level") {
  const auto b = DefaultBundle();
  Facts f = CleanTraveller();
  f.Set(fields::kDocumentExpired, true).Set(fields::kChipStatus, "failed");
  NoHistory none;
  const auto a = b->Evaluate(f, none, kNow);
  CHECK(a.score == 90);
  CHECK(a.level == Level::kAlert);
  REQUIRE(a.reasons.size() == 2);
  CHECK(a.reasons[0].rule_id == "chip.authenticationFailed");
  CHECK(a.reasons[1].rule_id == "document.expired");
}
