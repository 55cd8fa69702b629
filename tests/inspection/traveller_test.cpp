// TravellerInspector: pairing of MRZ and chip reads per booth with explicit times
// (no sleeps, no timers), decoding, passive authentication, screening, facts.
#include "checkpoint/inspection/traveller.hpp"

#include "checkpoint/inspection/pipeline.hpp"
#include "inspection_test_support.hpp"
#include "support/test_pki.hpp"

using namespace checkpoint;
using namespace checkpoint::inspection;
using checkpoint::testing::Event;
using checkpoint::testing::kJune2026;
namespace pki = checkpoint::testing::pki;
using risk::Field;

namespace {

const std::vector<std::string> kSpecimen = {std::string(pki::kSpecimenLine1),
                                            std::string(pki::kSpecimenLine2)};

hal::DeviceEvent Mrz(std::int64_t wall, std::vector<std::string> lines = kSpecimen,
                     std::string booth = "B1") {
  return Event("mrz-b1", std::move(booth), hal::DeviceClass::kDocumentReader, wall,
               hal::MrzRead{std::move(lines)});
}

std::string Str(const pki::Bytes& b) {
  return std::string(b.begin(), b.end());
}

// The specimen's chip: DG1, DG2 and an EF.SOD signed by the test PKI's DS.
hal::ChipRead SpecimenChip() {
  const auto& w = pki::TheWorld();
  return hal::ChipRead{Str(w.dg1), Str(w.dg2), Str(pki::MakeSod(w.dgs(), w.ds, w.ds_key))};
}

hal::DeviceEvent Chip(std::int64_t wall, hal::ChipRead chip = SpecimenChip(),
                      std::string booth = "B1") {
  return Event("chip-b1", std::move(booth), hal::DeviceClass::kDocumentReader, wall,
               std::move(chip));
}

struct Fixture {
  risk::Watchlist watchlist;
  SharedAnchors anchors;
  TravellerInspector inspector;

  explicit Fixture(std::set<std::string> chip_booths = {"B1"})
      : inspector(TravellerOptions{.chip_window = std::chrono::milliseconds(10'000),
                                   .screening = {},
                                   .chip_booths = std::move(chip_booths)},
                  watchlist, anchors) {
    const auto& w = pki::TheWorld();
    auto set = documents::TrustAnchorSet::Build({{pki::Der(w.csca)}, {}});
    REQUIRE(set);
    anchors.Set(std::make_shared<const documents::TrustAnchorSet>(std::move(*set)));
  }
};

const std::string& S(const Pending& p, Field f) {
  REQUIRE(p.facts.String(f));
  return *p.facts.String(f);
}
bool B(const Pending& p, Field f) {
  REQUIRE(p.facts.Bool(f));
  return *p.facts.Bool(f);
}

}  // namespace

TEST_CASE("MRZ then chip within the window: one inspection with passive authentication",
          "[inspection][traveller]") {
  Fixture fx;
  auto out = fx.inspector.OnEvent(Mrz(kJune2026), 1'000);
  CHECK(out.empty());
  CHECK(fx.inspector.held() == 1);
  CHECK(fx.inspector.NextDeadline() == 11'000);
  out = fx.inspector.OnEvent(Chip(kJune2026 + 3'000), 4'000);
  REQUIRE(out.size() == 1);
  CHECK(fx.inspector.held() == 0);
  CHECK_FALSE(fx.inspector.NextDeadline());
  const Pending& p = out[0];
  CHECK(p.kind == "traveller");
  CHECK(p.booth == "B1");
  CHECK(p.created_at_ms == kJune2026);
  CHECK(S(p, Field::kChipStatus) == "passed");
  CHECK_FALSE(B(p, Field::kChipDg1Mismatch));
  CHECK(B(p, Field::kDocumentValid));
  CHECK(B(p, Field::kDocumentExpired));  // the specimen expired in 2012
  CHECK(S(p, Field::kDocumentNumber) == "L898902C3");
  CHECK(S(p, Field::kDocumentIssuingState) == "UTO");
  CHECK(S(p, Field::kDocumentCode) == "P");
  CHECK(S(p, Field::kTravellerNationality) == "UTO");
  REQUIRE(p.facts.Number(Field::kTravellerAge));
  CHECK(*p.facts.Number(Field::kTravellerAge) == 51);  // born 1974-08-12, on 2026-06-01
  CHECK(*p.facts.Number(Field::kWatchlistPersonHits) == 0);
  CHECK_FALSE(B(p, Field::kWatchlistDocumentHit));
  CHECK(p.crossing_document == "L898902C3");
  CHECK(p.body["document"]["surname"] == "ERIKSSON");
  CHECK(p.body["chip"]["status"] == "passed");
  CHECK(p.body["chip"]["steps"].size() == documents::kPaStepCount);
  CHECK(p.body["sources"]["chip"]["device"] == "chip-b1");
}

TEST_CASE("chip then MRZ within the window: the same inspection", "[inspection][traveller]") {
  Fixture fx;
  CHECK(fx.inspector.OnEvent(Chip(kJune2026), 500).empty());
  CHECK(fx.inspector.NextDeadline() == 10'500);
  auto out = fx.inspector.OnEvent(Mrz(kJune2026 + 9'000), 10'499);  // last ms of the window
  REQUIRE(out.size() == 1);
  CHECK(out[0].created_at_ms == kJune2026);  // the first read
  CHECK(S(out[0], Field::kChipStatus) == "passed");
  CHECK(out[0].body["document"]["source"] == "printed");
  CHECK_FALSE(B(out[0], Field::kChipDg1Mismatch));
}

TEST_CASE("a chip that never comes: the MRZ is inspected alone when the window closes",
          "[inspection][traveller]") {
  Fixture fx;
  CHECK(fx.inspector.OnEvent(Mrz(kJune2026), 0).empty());
  CHECK(fx.inspector.Advance(9'999).empty());
  auto out = fx.inspector.Advance(10'000);
  REQUIRE(out.size() == 1);
  CHECK(S(out[0], Field::kChipStatus) == "no_chip");
  CHECK_FALSE(out[0].facts.Has(Field::kChipDg1Mismatch));
  CHECK(fx.inspector.held() == 0);
  // A chip after the window is a read of its own (inspected from DG1 when its window
  // closes), not paired with the MRZ already inspected.
  CHECK(fx.inspector.OnEvent(Chip(kJune2026 + 10'000), 10'000).empty());
  out = fx.inspector.Advance(20'000);
  REQUIRE(out.size() == 1);
  CHECK(out[0].body["document"]["source"] == "chip");
  CHECK(S(out[0], Field::kDocumentNumber) == "L898902C3");
  CHECK(out[0].body["chip"]["steps"][5]["state"] == "not_checked");  // no printed MRZ
}

TEST_CASE("a second MRZ at the booth sends the held one alone", "[inspection][traveller]") {
  Fixture fx;
  CHECK(fx.inspector.OnEvent(Mrz(kJune2026), 0).empty());
  std::vector<std::string> td1 = {"I<UTOD231458907<<<<<<<<<<<<<<<",
                                  "7408122F1204159UTO<<<<<<<<<<<6",
                                  "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"};
  auto out = fx.inspector.OnEvent(Mrz(kJune2026 + 100, td1), 100);
  REQUIRE(out.size() == 1);
  CHECK(S(out[0], Field::kDocumentNumber) == "L898902C3");
  CHECK(fx.inspector.held() == 1);
  out = fx.inspector.Flush();
  REQUIRE(out.size() == 1);
  CHECK(S(out[0], Field::kDocumentNumber) == "D23145890");
  CHECK(S(out[0], Field::kDocumentCode) == "I");
}

TEST_CASE("booths are independent; a booth without a chip reader does not wait",
          "[inspection][traveller]") {
  Fixture fx({"B1"});
  CHECK(fx.inspector.OnEvent(Mrz(kJune2026, kSpecimen, "B1"), 0).empty());
  auto out = fx.inspector.OnEvent(Mrz(kJune2026, kSpecimen, "B2"), 10);
  REQUIRE(out.size() == 1);
  CHECK(out[0].booth == "B2");
  out = fx.inspector.OnEvent(Chip(kJune2026, SpecimenChip(), "B1"), 20);
  REQUIRE(out.size() == 1);
  CHECK(out[0].booth == "B1");
  CHECK(S(out[0], Field::kChipStatus) == "passed");
}

TEST_CASE("a chip whose DG1 differs from the printed MRZ is an alert", "[inspection][traveller]") {
  Fixture fx;
  const std::vector<std::string> other = {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                                          "L898902C36UTO7408122F1204159ZE184226B<<<<<10"};
  // The chip of another document: DG1 of a different number, signed consistently.
  const auto& w = pki::TheWorld();
  const std::string mrz2 =
      "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<X123456784UTO7408122F3204159<<<<<<<<<<<<<<04";
  auto dg1 = pki::Dg1(mrz2);
  std::map<int, pki::Bytes> dgs{{1, dg1}, {2, w.dg2}};
  hal::ChipRead chip{Str(dg1), Str(w.dg2), Str(pki::MakeSod(dgs, w.ds, w.ds_key))};
  CHECK(fx.inspector.OnEvent(Mrz(kJune2026, other), 0).empty());
  auto out = fx.inspector.OnEvent(Chip(kJune2026 + 1, chip), 1);
  REQUIRE(out.size() == 1);
  CHECK(B(out[0], Field::kChipDg1Mismatch));
  CHECK(S(out[0], Field::kChipStatus) == "failed");
  risk::NoHistory none;
  auto outcome = Assess(out[0], testing::DefaultBundle().get(), none);
  CHECK(outcome.record.level == "alert");
  CHECK(outcome.lane == store::Lane::kPriority);
  auto ids = testing::RuleIds(outcome.assessment);
  CHECK(std::find(ids.begin(), ids.end(), "chip.dg1Mismatch") != ids.end());
}

TEST_CASE("OCR errors are corrected and shown; an unreadable MRZ is still an inspection",
          "[inspection][traveller]") {
  Fixture fx(std::set<std::string>{});
  // '0' read for 'O' in the name, and 'O' for '0' in the birth date.
  auto out = fx.inspector.OnEvent(Mrz(kJune2026, {"P<UTOERIKSS0N<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                                                  "L898902C36UTO74O8122F1204159ZE184226B<<<<<10"}),
                                  0);
  REQUIRE(out.size() == 1);
  CHECK(B(out[0], Field::kDocumentValid));
  CHECK(out[0].body["document"]["surname"] == "ERIKSSON");
  CHECK(out[0].body["document"]["corrections"].size() == 2);

  out = fx.inspector.OnEvent(Mrz(kJune2026, {"not an mrz"}), 1);
  REQUIRE(out.size() == 1);
  CHECK_FALSE(B(out[0], Field::kDocumentValid));
  CHECK(out[0].body["document"]["readable"] == false);
  CHECK_FALSE(out[0].crossing_document);
}

TEST_CASE("a listed person and a stolen document are found", "[inspection][traveller]") {
  Fixture fx(std::set<std::string>{});
  risk::WatchlistData data;
  risk::PersonRecord person;
  person.id = "P-17";
  person.names = {"Anna Maria Eriksson"};
  person.birth = risk::ParseListDate("1974-08-12").value();
  person.agency = "police";
  person.reason = "warrant";
  person.action = "detain";
  person.share_with = std::vector<std::string>{"customs"};
  data.persons.push_back(person);
  data.documents.push_back(
      {"D-9", "L898902C3", "UTO", "P", {"interpol", "stolen", "seize", 0, 0, {}}});
  REQUIRE(fx.watchlist.Replace(std::move(data)));
  auto out = fx.inspector.OnEvent(Mrz(kJune2026), 0);
  REQUIRE(out.size() == 1);
  CHECK(*out[0].facts.Number(Field::kWatchlistPersonHits) == 1);
  CHECK(*out[0].facts.Number(Field::kWatchlistMaxScore) >= 0.8);
  CHECK(B(out[0], Field::kWatchlistDocumentHit));
  CHECK(out[0].body["watchlist"]["persons"][0]["id"] == "P-17");
  CHECK(out[0].body["watchlist"]["documents"][0]["id"] == "D-9");
  // The list's sharing policy travels with the hit, and only when the list set one.
  CHECK(out[0].body["watchlist"]["persons"][0]["agency"] == "police");
  CHECK(out[0].body["watchlist"]["persons"][0]["shareWith"] == nlohmann::json::array({"customs"}));
  CHECK_FALSE(out[0].body["watchlist"]["documents"][0].contains("shareWith"));
}

// Not run by ctest: `inspection_tests "[.bench]"` prints the loop time of one
// traveller inspection (MRZ + chip with passive authentication, screening against
// 10 000 listed persons and a document list).
TEST_CASE("traveller inspection time", "[.bench]") {
  Fixture fx;
  risk::WatchlistData data;
  const char* first[] = {"Ivan", "Olena", "Petro", "Maria", "John", "Anna", "Taras", "Oksana"};
  const char* last[] = {"Kovalenko", "Shevchenko", "Bondarenko", "Tkachenko", "Smith",
                        "Novak",     "Kowalski",   "Melnyk",     "Boyko",     "Kravets"};
  for (int i = 0; i < 10'000; ++i) {
    risk::PersonRecord p;
    p.id = "P" + std::to_string(i);
    std::string word;  // a distinct letters-only name part per entry
    for (int n = i; word.size() < 4; n /= 26) word += static_cast<char>('a' + n % 26);
    p.names = {std::string(first[i % 8]) + " " + last[(i / 8) % 10] + " " + word};
    p.birth = risk::ParseListDate(std::to_string(1950 + i % 50)).value();
    data.persons.push_back(std::move(p));
    data.documents.push_back({"D" + std::to_string(i),
                              "X" + std::to_string(1'000'000 + i),
                              "UKR",
                              "P",
                              {"interpol", "stolen", "seize", 0, 0, {}}});
  }
  REQUIRE(fx.watchlist.Replace(std::move(data)));
  const auto chip = SpecimenChip();
  constexpr int kRuns = 200;
  std::int64_t total_pa = 0, total_mrz = 0, max_pa = 0;
  for (int i = 0; i < kRuns; ++i) {
    (void)fx.inspector.OnEvent(Mrz(kJune2026), i * 20);
    auto out = fx.inspector.OnEvent(Chip(kJune2026, chip), i * 20 + 1);
    REQUIRE(out.size() == 1);
    REQUIRE(*out[0].facts.String(Field::kChipStatus) == "passed");
    total_pa += out[0].cpu_us;
    max_pa = std::max(max_pa, out[0].cpu_us);
  }
  for (int i = 0; i < kRuns; ++i) {  // B9 has no chip reader: inspected at once
    auto out = fx.inspector.OnEvent(Mrz(kJune2026, kSpecimen, "B9"), 10'000 + i);
    REQUIRE(out.size() == 1);
    total_mrz += out[0].cpu_us;
  }
  WARN("MRZ + chip (PA, ECDSA P-256) + screening: mean " << total_pa / kRuns << " us, max "
                                                         << max_pa << " us; MRZ + screening: mean "
                                                         << total_mrz / kRuns << " us");
}
