#include "checkpoint/risk/watchlist.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

using namespace checkpoint::risk;

namespace {

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t k2026 = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

PersonRecord Person(std::string id, std::string name, std::string birth) {
  PersonRecord p;
  p.id = std::move(id);
  p.names = {std::move(name)};
  p.birth = ParseListDate(birth).value();
  p.agency = "police";
  p.reason = "warrant";
  p.action = "detain";
  return p;
}

DocumentRecord Document(std::string id, std::string number, std::string state) {
  DocumentRecord d;
  d.id = std::move(id);
  d.number = std::move(number);
  d.issuing_state = std::move(state);
  d.type = "P";
  d.listing = {"interpol", "stolen", "seize", 0, 0, {}};
  return d;
}

WatchlistData Sample() {
  WatchlistData w;
  w.persons = {Person("P1", "Шевченко Тарас", "1961-03-09"), Person("P2", "John Smith", "1970")};
  w.documents = {Document("D1", "L898902C3", "UTO"), Document("D2", "C01X00T47", "D")};
  w.vehicles = {{"V1", "B-MW 1234", "DE", {"police", "stolen", "stop", 0, 0, {}}}};
  w.containers = {{"C1", "CSQU 305438 3", {"customs", "smuggling", "inspect", 0, 0, {}}}};
  return w;
}

PersonQuery Query(std::string surname, std::string given) {
  PersonQuery q;
  q.surname = std::move(surname);
  q.given_names = std::move(given);
  return q;
}

std::vector<std::string> Ids(const std::vector<WatchlistHit>& hits) {
  std::vector<std::string> ids;
  for (const auto& h : hits) ids.push_back(h.id);
  return ids;
}

using Ids_ = std::vector<std::string>;

}  // namespace

TEST_CASE("watchlist: every kind is found, tolerant of how it is read", "[risk][watchlist]") {
  Watchlist w;
  REQUIRE(w.Replace(Sample()));
  const ScreeningOptions o;
  CHECK(Ids(w.ScreenPerson(Query("SHEVCHENKO", "TARAS"), o, k2026)) == Ids_{"P1"});
  // A document read with O for 0 and a filler; Germany as DEU or D.
  const auto doc = w.CheckDocument("L8989O2C3<", "UTO", k2026);
  REQUIRE(doc.size() == 1);
  CHECK(doc[0].id == "D1");
  CHECK(doc[0].kind == "document");
  CHECK(doc[0].score == 1.0);
  CHECK(doc[0].reasons == Ids_{"document number listed for UTO (type P)", "listed by interpol",
                               "reason: stolen", "action: seize"});
  CHECK(doc[0].agency == "interpol");
  CHECK(Ids(w.CheckDocument("C01X00T47", "DEU", k2026)) == Ids_{"D2"});
  CHECK(w.CheckDocument("L898902C3", "GBR", k2026).empty());  // another state's number
  CHECK(w.CheckDocument("", "UTO", k2026).empty());
  // Plates as cameras write them; container codes with spaces and O for 0.
  CHECK(Ids(w.CheckVehicle("bmw1234", "DE", k2026)) == Ids_{"V1"});
  CHECK(Ids(w.CheckVehicle("B MW 1234", "DE", k2026)) == Ids_{"V1"});
  CHECK(w.CheckVehicle("BMW1234", "PL", k2026).empty());
  CHECK(Ids(w.CheckContainer("CSQU3O54383", k2026)) == Ids_{"C1"});
  CHECK(w.CheckContainer("CSQU3054384", k2026).empty());
  const auto st = w.stats();
  CHECK(st.persons == 2);
  CHECK(st.documents == 2);
  CHECK(st.vehicles == 1);
  CHECK(st.containers == 1);
}

TEST_CASE("watchlist: validity is applied when screening", "[risk][watchlist]") {
  WatchlistData data;
  auto d = Document("D1", "X1234567", "UTO");
  d.listing.valid_from_ms = k2026;
  d.listing.valid_until_ms = k2026 + 10 * kDay + 3'600'000;  // 11 Jan 01:00
  data.documents.push_back(d);
  auto p = Person("P1", "Anna Berg", "1980-01-01");
  p.valid_until_ms = k2026;
  data.persons.push_back(p);
  Watchlist w;
  REQUIRE(w.Replace(data));
  CHECK(w.CheckDocument("X1234567", "UTO", k2026 - 1).empty());  // before: kept to the day
  CHECK(w.CheckDocument("X1234567", "UTO", k2026).size() == 1);
  CHECK(w.CheckDocument("X1234567", "UTO", k2026 + 10 * kDay + 7'200'000).size() == 1);  // that day
  CHECK(w.CheckDocument("X1234567", "UTO", k2026 + 11 * kDay).empty());
  CHECK(w.CheckDocument("X1234567", "UTO", 0).size() == 1);  // no reference time: all
  CHECK(w.ScreenPerson(Query("BERG", "ANNA"), {}, k2026 - 1).size() == 1);
  CHECK(w.ScreenPerson(Query("BERG", "ANNA"), {}, k2026).empty());
}

TEST_CASE("watchlist: deltas add, change and remove without a rebuild", "[risk][watchlist]") {
  Watchlist w;
  REQUIRE(w.Replace(Sample()));
  const auto v0 = w.stats().version;
  WatchlistDelta delta;
  delta.upsert.documents.push_back(Document("D3", "AB1234567", "FRA"));
  delta.upsert.persons.push_back(Person("P2", "Jonathan Smythe", "1970"));  // changed
  delta.remove_ids = {"D1", "C1", "NOPE"};
  REQUIRE(w.Apply(delta));
  CHECK(w.stats().version == v0 + 1);
  CHECK(w.stats().overlay_entries == 2);
  CHECK(Ids(w.CheckDocument("AB1234567", "FRA", k2026)) == Ids_{"D3"});
  CHECK(w.CheckDocument("L898902C3", "UTO", k2026).empty());
  CHECK(w.CheckContainer("CSQU3054383", k2026).empty());
  CHECK(Ids(w.CheckDocument("C01X00T47", "D", k2026)) == Ids_{"D2"});  // untouched
  CHECK(w.ScreenPerson(Query("SMITH", "JOHN"), {}, k2026).empty());    // the old P2 is gone
  CHECK(Ids(w.ScreenPerson(Query("SMYTHE", "JONATHAN"), {}, k2026)) == Ids_{"P2"});
  // A second delta rebuilds the overlay from the first one's records.
  WatchlistDelta again;
  again.upsert.documents.push_back(Document("D1", "L898902C3", "UTO"));  // back again
  REQUIRE(w.Apply(again));
  CHECK(Ids(w.CheckDocument("L898902C3", "UTO", k2026)) == Ids_{"D1"});
  CHECK(Ids(w.CheckDocument("AB1234567", "FRA", k2026)) == Ids_{"D3"});
  CHECK(Ids(w.ScreenPerson(Query("SMYTHE", "JONATHAN"), {}, k2026)) == Ids_{"P2"});
}

TEST_CASE("watchlist: a bad list or delta leaves the old one in force", "[risk][watchlist]") {
  Watchlist w;
  REQUIRE(w.Replace(Sample()));
  const auto before = w.stats();
  WatchlistData bad = Sample();
  bad.documents.push_back(Document("D9", "<<<", "UTO"));
  auto r = w.Replace(bad);
  REQUIRE_FALSE(r);
  CHECK(r.error().message() == "listed document D9 has no number");
  WatchlistDelta delta;
  delta.upsert.containers.push_back({"C9", "???", {}});
  auto a = w.Apply(delta);
  REQUIRE_FALSE(a);
  CHECK(a.error().message() == "listed container C9 has no readable code");
  CHECK(w.stats().version == before.version);
  CHECK(w.CheckDocument("L898902C3", "UTO", k2026).size() == 1);
  WatchlistData long_id = Sample();
  long_id.vehicles[0].id = std::string(200, 'V');
  CHECK_FALSE(w.Replace(long_id));
}

TEST_CASE("watchlist: readers keep screening while deltas and replacements land",
          "[risk][watchlist]") {
  Watchlist w;
  REQUIRE(w.Replace(Sample()));
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0}, reads{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        // D2 is never touched by the writer: it must be found in every snapshot.
        if (w.CheckDocument("C01X00T47", "D", k2026).size() != 1) ++wrong;
        if (w.ScreenPerson(Query("SHEVCHENKO", "TARAS"), {}, k2026).size() != 1) ++wrong;
        ++reads;
      }
    });
  }
  for (int i = 0; i < 200; ++i) {
    WatchlistDelta d;
    d.upsert.documents.push_back(
        Document("N" + std::to_string(i), "N" + std::to_string(1000000 + i), "UTO"));
    if (i % 2 == 1) d.remove_ids.push_back("N" + std::to_string(i - 1));
    REQUIRE(w.Apply(d));
    if (i % 50 == 49) REQUIRE(w.Replace(Sample()));
  }
  // Let the readers see the final snapshot at least once before stopping them.
  const int seen = reads.load();
  while (reads.load() < seen + 3) std::this_thread::yield();
  stop = true;
  for (auto& r : readers) r.join();
  CHECK(wrong == 0);
  CHECK(w.stats().version >= 204);
}
