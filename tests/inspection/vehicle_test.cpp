// VehicleInspector: correlation of a lane's events into passages with explicit
// times, container code validation, declarations, and the rules' verdicts.
#include "checkpoint/inspection/vehicle.hpp"

#include "inspection_test_support.hpp"

using namespace checkpoint;
using namespace checkpoint::inspection;
using checkpoint::testing::Event;
using checkpoint::testing::kJune2026;
using risk::Field;

namespace {

hal::DeviceEvent Plate(std::string text, std::int64_t wall = kJune2026, std::string lane = "L1") {
  return Event("anpr-l1", std::move(lane), hal::DeviceClass::kPlateCamera, wall,
               hal::PlateRead{text, "ua", 0.9, {{text, 0.9}}});
}
hal::DeviceEvent Container(std::string code, std::int64_t wall = kJune2026) {
  return Event("ccr-l1", "L1", hal::DeviceClass::kContainerCamera, wall,
               hal::ContainerCodeRead{std::move(code), 0.9, {}});
}
hal::DeviceEvent Weight(double kg, std::int64_t wall = kJune2026) {
  return Event("wb-l1", "L1", hal::DeviceClass::kWeighbridge, wall,
               hal::WeightReading{kg, 0, false});
}
hal::DeviceEvent Radiation(bool gamma, bool neutron = false, std::int64_t wall = kJune2026) {
  hal::RadiationReading r;
  r.format = "N42-2011";
  r.occupied = true;
  r.gamma_cps = 300;
  r.gamma_alarm = gamma;
  r.neutron_alarm = neutron;
  return Event("rpm-l1", "L1", hal::DeviceClass::kRadiationPortal, wall, r);
}
hal::DeviceEvent Seal(std::string id, std::int64_t wall = kJune2026) {
  return Event("seal-l1", "L1", hal::DeviceClass::kSealReader, wall,
               hal::SealRead{std::move(id), "rfid", std::string("intact")});
}

struct Fixture {
  risk::Watchlist watchlist;
  InMemoryDeclarations declarations;
  VehicleInspector inspector{VehicleOptions{.passage_window = std::chrono::milliseconds(60'000),
                                            .plate_candidate_min_confidence = 0.5},
                             watchlist, declarations};
  std::shared_ptr<const risk::CompiledBundle> bundle = testing::DefaultBundle();
  risk::NoHistory none;

  Outcome Score(const Pending& p) { return Assess(p, bundle.get(), none); }
};

bool Has(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

TEST_CASE("a passage takes the lane's events within the window and closes at its end",
          "[inspection][vehicle]") {
  Fixture fx;
  CHECK(fx.inspector.OnEvent(Plate("AA1234BB"), 1'000).empty());
  CHECK(fx.inspector.OnEvent(Container("CSQU3054383"), 2'000).empty());
  CHECK(fx.inspector.OnEvent(Weight(38'420), 3'000).empty());
  CHECK(fx.inspector.OnEvent(Radiation(false), 4'000).empty());
  CHECK(fx.inspector.OnEvent(Seal("UA7734120"), 60'999).empty());  // last ms of the window
  CHECK(fx.inspector.NextDeadline() == 61'000);
  CHECK(fx.inspector.Advance(60'999).empty());
  auto out = fx.inspector.Advance(61'000);
  REQUIRE(out.size() == 1);
  const Pending& p = out[0];
  CHECK(p.kind == "vehicle");
  CHECK(p.booth == "L1");
  CHECK(*p.facts.String(Field::kVehiclePlate) == "AA1234BB");
  CHECK(*p.facts.Bool(Field::kVehiclePlateHit) == false);
  CHECK(*p.facts.List(Field::kContainerCodes) == std::vector<std::string>{"CSQU3054383"});
  CHECK(p.facts.List(Field::kContainerInvalidCodes)->empty());
  CHECK(*p.facts.Number(Field::kCargoMeasuredWeightKg) == 38'420);
  CHECK(*p.facts.Bool(Field::kRadiationGammaAlarm) == false);
  CHECK(*p.facts.Bool(Field::kRadiationNeutronAlarm) == false);
  CHECK(*p.facts.List(Field::kSealRead) == std::vector<std::string>{"UA7734120"});
  CHECK_FALSE(p.facts.Has(Field::kCargoDeclaredWeightKg));  // no declaration
  CHECK(p.body["declaration"].is_null());
  CHECK(fx.Score(p).record.level == "clear");
  CHECK(fx.inspector.open_passages() == 0);
}

TEST_CASE("an event at the window's end opens the next passage", "[inspection][vehicle]") {
  Fixture fx;
  CHECK(fx.inspector.OnEvent(Plate("AA1234BB"), 0).empty());
  auto out = fx.inspector.OnEvent(Weight(12'000), 60'000);  // t0 + window: not in it
  REQUIRE(out.size() == 1);
  CHECK_FALSE(out[0].facts.Has(Field::kCargoMeasuredWeightKg));
  CHECK(fx.inspector.open_passages() == 1);
  // The weight opened a passage without a plate; the next plate joins it.
  CHECK(fx.inspector.OnEvent(Plate("BC7781AK"), 60'500).empty());
  out = fx.inspector.Flush();
  REQUIRE(out.size() == 1);
  CHECK(*out[0].facts.String(Field::kVehiclePlate) == "BC7781AK");
  CHECK(*out[0].facts.Number(Field::kCargoMeasuredWeightKg) == 12'000);
}

TEST_CASE("a new plate in the lane closes the previous passage; lanes are independent",
          "[inspection][vehicle]") {
  Fixture fx;
  CHECK(fx.inspector.OnEvent(Plate("AA1234BB"), 0).empty());
  CHECK(fx.inspector.OnEvent(Plate("KA0001AA", kJune2026, "L2"), 10).empty());
  CHECK(fx.inspector.OnEvent(Seal("S1"), 100).empty());
  auto out = fx.inspector.OnEvent(Plate("BC7781AK"), 5'000);
  REQUIRE(out.size() == 1);
  CHECK(*out[0].facts.String(Field::kVehiclePlate) == "AA1234BB");
  CHECK(*out[0].facts.List(Field::kSealRead) == std::vector<std::string>{"S1"});
  CHECK(fx.inspector.open_passages() == 2);
  out = fx.inspector.Advance(60'010);  // L1's new passage opened at 5 000 stays open
  REQUIRE(out.size() == 1);
  CHECK(out[0].booth == "L2");
  CHECK(fx.inspector.NextDeadline() == 65'000);
}

TEST_CASE("a radiation alarm is an alert for the priority lane", "[inspection][vehicle]") {
  Fixture fx;
  (void)fx.inspector.OnEvent(Plate("AA1234BB"), 0);
  (void)fx.inspector.OnEvent(Radiation(false, true), 1);
  auto out = fx.inspector.Flush();
  REQUIRE(out.size() == 1);
  CHECK(*out[0].facts.Bool(Field::kRadiationNeutronAlarm));
  auto o = fx.Score(out[0]);
  CHECK(o.record.level == "alert");
  CHECK(o.lane == store::Lane::kPriority);
  CHECK(Has(testing::RuleIds(o.assessment), "cargo.radiationAlarm"));
}

TEST_CASE("weight, containers and seals against the declaration", "[inspection][vehicle]") {
  Fixture fx;
  fx.declarations.Add(Declaration{"MRN-1", "AA 1234 BB", {"CSQU 305438 3"}, 30'000.0, {"S1"}});
  SECTION("within 10 % and as declared: clear") {
    (void)fx.inspector.OnEvent(Plate("AA1234BB"), 0);
    (void)fx.inspector.OnEvent(Container("CSQU3054383"), 1);
    (void)fx.inspector.OnEvent(Weight(32'000), 2);
    (void)fx.inspector.OnEvent(Seal("S1"), 3);
    auto p = fx.inspector.Flush().at(0);
    CHECK(*p.facts.Number(Field::kCargoDeclaredWeightKg) == 30'000);
    CHECK(p.body["declaration"]["id"] == "MRN-1");
    auto o = fx.Score(p);
    CHECK(o.record.level == "clear");
    CHECK(o.assessment.reasons.empty());
  }
  SECTION("over 10 % heavier: referred") {
    (void)fx.inspector.OnEvent(Plate("AA1234B8"), 0);  // OCR B/8: the same plate
    (void)fx.inspector.OnEvent(Container("CSQU3054383"), 1);
    (void)fx.inspector.OnEvent(Weight(34'000), 2);
    (void)fx.inspector.OnEvent(Seal("S1"), 3);
    auto o = fx.Score(fx.inspector.Flush().at(0));
    CHECK(o.record.level == "refer");
    CHECK(o.lane == store::Lane::kRecords);
    CHECK(testing::RuleIds(o.assessment) == std::vector<std::string>{"cargo.weightDeviation"});
  }
  SECTION("another container and another seal: the score reaches alert") {
    (void)fx.inspector.OnEvent(Plate("AA1234BB"), 0);
    (void)fx.inspector.OnEvent(Container("CSQU3054383"), 1);
    (void)fx.inspector.OnEvent(Container("MSCU1234566"), 2);
    (void)fx.inspector.OnEvent(Weight(30'500), 3);
    (void)fx.inspector.OnEvent(Seal("S2"), 4);
    auto o = fx.Score(fx.inspector.Flush().at(0));
    CHECK(o.record.level == "alert");
    CHECK(o.lane == store::Lane::kPriority);
    auto ids = testing::RuleIds(o.assessment);
    CHECK(Has(ids, "cargo.containerNotDeclared"));
    CHECK(Has(ids, "cargo.sealMismatch"));
    CHECK_FALSE(Has(ids, "cargo.weightDeviation"));
  }
}

TEST_CASE("an invalid container code is listed and referred", "[inspection][vehicle]") {
  Fixture fx;
  (void)fx.inspector.OnEvent(Plate("AA1234BB"), 0);
  (void)fx.inspector.OnEvent(Container("CSQU3054384"), 1);  // wrong check digit
  auto p = fx.inspector.Flush().at(0);
  CHECK(*p.facts.List(Field::kContainerInvalidCodes) == std::vector<std::string>{"CSQU3054384"});
  CHECK(p.body["containers"][0]["valid"] == false);
  auto o = fx.Score(p);
  CHECK(o.record.level == "refer");
  CHECK(Has(testing::RuleIds(o.assessment), "cargo.containerCodeInvalid"));
}

TEST_CASE("an OCR-misread container code is corrected when only one reading is valid",
          "[inspection][vehicle]") {
  Fixture fx;
  (void)fx.inspector.OnEvent(Container("CSQU3O54383"), 0);
  auto p = fx.inspector.Flush().at(0);
  CHECK(*p.facts.List(Field::kContainerCodes) == std::vector<std::string>{"CSQU3054383"});
  CHECK(p.facts.List(Field::kContainerInvalidCodes)->empty());
  CHECK(p.body["containers"][0]["correctedFrom"] == "CSQU3O54383");
  CHECK_FALSE(p.facts.Has(Field::kVehiclePlate));
}

TEST_CASE("a listed plate is an alert", "[inspection][vehicle]") {
  Fixture fx;
  risk::WatchlistData data;
  data.vehicles.push_back({"V-1", "AA 1234 BB", "UA", {"police", "stolen", "stop", 0, 0, {}}});
  REQUIRE(fx.watchlist.Replace(std::move(data)));
  (void)fx.inspector.OnEvent(Plate("AA1234BB"), 0);
  auto p = fx.inspector.Flush().at(0);
  CHECK(*p.facts.Bool(Field::kVehiclePlateHit));
  CHECK(p.body["watchlist"][0]["id"] == "V-1");
  CHECK(fx.Score(p).record.level == "alert");
}

TEST_CASE("document reader events and faults are not vehicle events", "[inspection][vehicle]") {
  Fixture fx;
  CHECK(fx.inspector
            .OnEvent(Event("x", "L1", hal::DeviceClass::kDocumentReader, 0, hal::MrzRead{{"A"}}), 0)
            .empty());
  CHECK(fx.inspector
            .OnEvent(
                Event("x", "L1", hal::DeviceClass::kWeighbridge, 0, hal::DeviceFault{"k", "d"}), 0)
            .empty());
  CHECK(fx.inspector.open_passages() == 0);
}

TEST_CASE("a listed container is an alert that names the code", "[inspection][vehicle]") {
  Fixture fx;
  risk::WatchlistData data;
  data.containers.push_back({"C-1", "CSQU3054383", {"customs", "smuggling", "inspect", 0, 0, {}}});
  REQUIRE(fx.watchlist.Replace(std::move(data)));
  (void)fx.inspector.OnEvent(Plate("AA1234BB"), 0);
  (void)fx.inspector.OnEvent(Container("CSQU3054383"), 1);
  (void)fx.inspector.OnEvent(Container("MSKU1234565"), 2);  // valid, not listed
  auto p = fx.inspector.Flush().at(0);
  CHECK(*p.facts.List(Field::kContainerListedCodes) == std::vector<std::string>{"CSQU3054383"});
  CHECK(p.body["watchlist"][0]["id"] == "C-1");
  const auto out = fx.Score(p);
  CHECK(out.record.level == "alert");
  CHECK(Has(testing::RuleIds(out.assessment), "watchlist.container"));
  // Not listed: the field is there and empty, and the rule stays quiet.
  Fixture clean;
  (void)clean.inspector.OnEvent(Container("CSQU3054383"), 0);
  auto q = clean.inspector.Flush().at(0);
  CHECK(q.facts.List(Field::kContainerListedCodes)->empty());
  CHECK_FALSE(Has(testing::RuleIds(clean.Score(q).assessment), "watchlist.container"));
}
