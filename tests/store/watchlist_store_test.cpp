// The watchlist store on real SQLite files: import, reopen, deltas, atomicity of a
// refused, failed or cancelled import, and a 100 000-entry import.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "checkpoint/risk/watchlist_json.hpp"
#include "store_fixture.hpp"

using namespace checkpoint;
using store::WatchlistCounts;
using store::WatchlistSource;
using testing::OpenStore;
using testing::TempDir;

namespace {
constexpr std::int64_t kNowMs = 1'781'000'000'000;

const std::string kList =
    R"({"id":"P-1","kind":"person","names":["Иван Петров"],"birthDate":"1970-03-02","agency":"police"})"
    "\n"
    R"({"id":"P-2","kind":"person","names":["Anna Berg","Anna Bergström"],"sex":"F"})"
    "\n"
    R"({"id":"D-1","kind":"document","number":"L898902C3","issuingState":"UTO","validUntil":"2030-01-01"})"
    "\n"
    R"({"id":"V-1","kind":"vehicle","plate":"AB123CD","country":"FR"})"
    "\n"
    R"({"id":"C-1","kind":"container","code":"CSQU3054383"})"
    "\n";

WatchlistSource Source(const std::string& text, std::string name = "list.jsonl") {
  return WatchlistSource{.name = std::move(name), .read = risk::ReadFromString(text)};
}

std::vector<std::string> StoredIds(store::Store& st) {
  std::vector<std::string> ids;
  auto s = st.watchlist().ForEach([&](risk::WatchlistEntry&& e) -> Status {
    ids.push_back(e.id);
    return {};
  });
  REQUIRE(s);
  return ids;
}

std::string Entry(int i) {
  switch (i % 4) {
    case 0:
      return R"({"id":"P-)" + std::to_string(i) + R"(","kind":"person","names":["Person )" +
             std::to_string(i) +
             R"( Testov","Персона Тестова"],"birthDate":"1970","nationality":"UTO","agency":"police"})";
    case 1:
      return R"({"id":"D-)" + std::to_string(i) + R"(","kind":"document","number":"X)" +
             std::to_string(i) + R"(","issuingState":"UTO"})";
    case 2:
      return R"({"id":"V-)" + std::to_string(i) + R"(","kind":"vehicle","plate":"AB)" +
             std::to_string(i) + R"("})";
    default:
      return R"({"id":"C-)" + std::to_string(i) + R"(","kind":"container","code":"CSQU3054383"})";
  }
}
}  // namespace

TEST_CASE("watchlist store: import, reopen, load", "[store][watchlist]") {
  TempDir dir;
  {
    auto st = OpenStore(dir / "cp.db");
    auto none = st.watchlist().Current();
    REQUIRE(none);
    CHECK(!none->has_value());
    auto v = st.watchlist().ImportFull(Source(kList), kNowMs);
    REQUIRE(v);
    CHECK(v->version == 1);
    CHECK(v->kind == "full");
    CHECK(v->source == "list.jsonl");
    CHECK(v->sha256 == common::ToHex(common::Sha256::Of(kList)));
    CHECK(v->upserts == 5);
    CHECK(v->counts ==
          WatchlistCounts{.persons = 2, .documents = 1, .vehicles = 1, .containers = 1});
  }
  auto st = OpenStore(dir / "cp.db");
  auto cur = st.watchlist().Current();
  REQUIRE(cur);
  REQUIRE(cur->has_value());
  CHECK((*cur)->version == 1);
  CHECK((*cur)->imported_at_ms == kNowMs);
  CHECK((*cur)->counts.total() == 5);
  auto data = st.watchlist().Load();
  REQUIRE(data);
  REQUIRE(data->persons.size() == 2);
  CHECK(data->persons[0].id == "P-1");
  CHECK(data->persons[0].names == std::vector<std::string>{"Иван Петров"});
  CHECK(data->persons[0].birth.day == 2);
  CHECK(data->persons[0].agency == "police");
  CHECK(data->persons[1].sex == 'F');
  REQUIRE(data->documents.size() == 1);
  CHECK(data->documents[0].listing.valid_until_ms == 1'893'542'400'000);  // 2030-01-02
  CHECK(data->vehicles.at(0).country == "FR");
  CHECK(data->containers.at(0).code == "CSQU3054383");
  // The columns beside the JSON.
  auto agency = st.db().Prepare("SELECT agency, kind FROM watchlist_entries WHERE id = 'P-1'");
  REQUIRE(agency);
  REQUIRE(*agency->Step());
  CHECK(agency->Text(0) == "police");
  CHECK(agency->Text(1) == "person");
}

TEST_CASE("watchlist store: the sharing policy survives import, reopen, delta and load",
          "[store][watchlist][sharing]") {
  using Agencies = std::optional<std::vector<std::string>>;
  const std::string list =
      R"({"id":"P-1","kind":"person","names":["Anna Berg"],"agency":"customs","shareWith":["police","border_guard"]})"
      "\n"
      R"({"id":"D-1","kind":"document","number":"X1","issuingState":"UTO","agency":"police","shareWith":[]})"
      "\n"
      R"({"id":"V-1","kind":"vehicle","plate":"AB123CD","agency":"customs","shareWith":["police"]})"
      "\n"
      R"({"id":"C-1","kind":"container","code":"CSQU3054383","agency":"customs"})"
      "\n";
  TempDir dir;
  {
    auto st = OpenStore(dir / "cp.db");
    REQUIRE(st.watchlist().ImportFull(Source(list), kNowMs));
  }
  auto st = OpenStore(dir / "cp.db");
  auto data = st.watchlist().Load();
  REQUIRE(data);
  REQUIRE(data->persons.size() == 1);
  CHECK(data->persons[0].share_with == Agencies({"border_guard", "police"}));
  REQUIRE(data->documents.size() == 1);
  CHECK(data->documents[0].listing.share_with == Agencies(std::vector<std::string>{}));
  CHECK(data->vehicles.at(0).listing.share_with == Agencies({"police"}));
  CHECK(!data->containers.at(0).listing.share_with);
  // A delta changes an entry's policy (or drops it: the box default again).
  const std::string delta =
      R"({"id":"C-1","kind":"container","code":"CSQU3054383","agency":"customs","shareWith":["border_guard"]})"
      "\n"
      R"({"id":"V-1","kind":"vehicle","plate":"AB123CD","agency":"customs"})"
      "\n";
  REQUIRE(st.watchlist().ApplyDelta(Source(delta, "delta.jsonl"), kNowMs + 1));
  auto after = st.watchlist().Load();
  REQUIRE(after);
  CHECK(after->containers.at(0).listing.share_with == Agencies({"border_guard"}));
  CHECK(!after->vehicles.at(0).listing.share_with);
  CHECK(after->persons.at(0).share_with == Agencies({"border_guard", "police"}));
}

TEST_CASE("watchlist store: a full list replaces, a delta changes", "[store][watchlist]") {
  TempDir dir;
  auto st = OpenStore(dir / "cp.db");
  REQUIRE(st.watchlist().ImportFull(Source(kList), kNowMs));
  const std::string delta =
      R"({"op":"remove","id":"P-2"})"
      "\n"
      R"({"op":"remove","id":"nobody"})"
      "\n"
      R"({"op":"upsert","id":"V-1","kind":"vehicle","plate":"ZZ999ZZ","country":"FR"})"
      "\n"
      R"({"id":"C-2","kind":"container","code":"MSCU1234566"})"
      "\n";
  risk::WatchlistDelta applied;
  auto v = st.watchlist().ApplyDelta(Source(delta, "delta.jsonl"), kNowMs + 1, nullptr, &applied);
  REQUIRE(v);
  CHECK(v->version == 2);
  CHECK(v->kind == "delta");
  CHECK(v->upserts == 2);
  CHECK(v->removals == 2);
  CHECK(v->removed == 1);
  CHECK(v->counts == WatchlistCounts{.persons = 1, .documents = 1, .vehicles = 1, .containers = 2});
  CHECK(applied.remove_ids == std::vector<std::string>{"P-2", "nobody"});
  CHECK(applied.upsert.vehicles.size() == 1);
  CHECK(applied.upsert.containers.size() == 1);
  CHECK(StoredIds(st) == std::vector<std::string>{"P-1", "D-1", "V-1", "C-1", "C-2"});
  auto data = st.watchlist().Load();
  REQUIRE(data);
  CHECK(data->vehicles.at(0).plate == "ZZ999ZZ");
  // A delta may change an entry's kind: ids are unique across kinds.
  REQUIRE(st.watchlist().ApplyDelta(
      Source(R"({"id":"V-1","kind":"container","code":"TGHU1234561"})"), kNowMs + 2));
  auto counts = st.watchlist().Current();
  REQUIRE(counts);
  CHECK((*counts)->counts ==
        WatchlistCounts{.persons = 1, .documents = 1, .vehicles = 0, .containers = 3});
  // A full list replaces everything.
  auto full = st.watchlist().ImportFull(Source(R"({"id":"P-9","kind":"person","names":["Neu"]})"),
                                        kNowMs + 3);
  REQUIRE(full);
  CHECK(full->version == 4);
  CHECK(StoredIds(st) == std::vector<std::string>{"P-9"});
  auto history = st.watchlist().History(10);
  REQUIRE(history);
  REQUIRE(history->size() == 4);
  CHECK(history->at(0).kind == "full");
  CHECK(history->at(3).version == 1);
}

TEST_CASE("watchlist store: a refused, failed or cancelled import leaves the old list",
          "[store][watchlist][atomic]") {
  TempDir dir;
  auto st = OpenStore(dir / "cp.db");
  REQUIRE(st.watchlist().ImportFull(Source(kList), kNowMs));
  const auto before = StoredIds(st);
  REQUIRE(before.size() == 5);

  // 2000 good entries, then a bad one on the last line.
  std::string big;
  for (int i = 0; i < 2000; ++i) big += Entry(i) + "\n";
  big += R"({"id":"X","kind":"person","names":["A"],"birthDate":"1970-02-30"})";
  auto refused = st.watchlist().ImportFull(Source(big), kNowMs + 1);
  REQUIRE(!refused);
  CHECK(refused.error().message() == "line 2001: \"birthDate\" is not a calendar date");
  CHECK(StoredIds(st) == before);

  // The same for a delta: its first lines were written, then rolled back.
  auto bad_delta = st.watchlist().ApplyDelta(Source(R"({"op":"remove","id":"P-1"})"
                                                    "\n"
                                                    R"({"op":"remove","id":"P-1"})"),
                                             kNowMs + 1);
  REQUIRE(!bad_delta);
  CHECK(bad_delta.error().message() == "line 2: id \"P-1\" is already on line 1");
  CHECK(StoredIds(st) == before);

  // A read error half way (an unplugged USB stick).
  std::size_t calls = 0;
  const risk::WatchlistReadFn failing = [&](std::span<char> b) -> Expected<std::size_t> {
    if (++calls > 1) return MakeError(CommonErrc::kIo, "EIO");
    return risk::ReadFromString(big.substr(0, b.size()))(b);
  };
  auto io = st.watchlist().ImportFull(WatchlistSource{.name = "usb", .read = failing}, kNowMs);
  REQUIRE(!io);
  CHECK(io.error().Is(CommonErrc::kIo));
  CHECK(StoredIds(st) == before);

  // Cancelled from the progress callback (the technician pressed Ctrl-C).
  std::string good;
  for (int i = 0; i < 5000; ++i) good += Entry(i) + "\n";
  auto cancelled = st.watchlist().ImportFull(
      Source(good), kNowMs, [](const risk::WatchlistProgress& p) { return p.entries < 1000; });
  REQUIRE(!cancelled);
  CHECK(cancelled.error().Is(CommonErrc::kCancelled));
  CHECK(StoredIds(st) == before);

  // And after all that the store still takes a good list, as version 2.
  auto cur = st.watchlist().Current();
  REQUIRE(cur);
  CHECK((*cur)->version == 1);
  auto ok = st.watchlist().ImportFull(Source(kList), kNowMs + 5);
  REQUIRE(ok);
  CHECK(ok->version == 2);
}

TEST_CASE("watchlist store: an import killed half way leaves the old list",
          "[store][watchlist][atomic]") {
  // A second connection sees the old list while the import's transaction is open,
  // and after the connection is dropped without commit (what a kill amounts to for
  // SQLite: the WAL frames of an uncommitted transaction are never read).
  TempDir dir;
  {
    auto st = OpenStore(dir / "cp.db");
    REQUIRE(st.watchlist().ImportFull(Source(kList), kNowMs));
  }
  std::string big;
  for (int i = 0; i < 5000; ++i) big += Entry(i) + "\n";
  {
    auto writer = OpenStore(dir / "cp.db");
    auto reader = OpenStore(dir / "cp.db");
    bool checked = false;
    auto r =
        writer.watchlist().ImportFull(Source(big), kNowMs, [&](const risk::WatchlistProgress&) {
          // Mid-import: the other connection still reads the old list.
          CHECK(StoredIds(reader).size() == 5);
          checked = true;
          return false;
        });
    CHECK(!r);
    CHECK(checked);
  }
  auto st = OpenStore(dir / "cp.db");
  CHECK(StoredIds(st).size() == 5);
  auto cur = st.watchlist().Current();
  REQUIRE(cur);
  CHECK((*cur)->version == 1);
}

TEST_CASE("watchlist store: 100 000 entries", "[store][watchlist][large]") {
  TempDir dir;
  std::string big;
  big.reserve(100'000 * 120);
  for (int i = 0; i < 100'000; ++i) big += Entry(i) + "\n";
  auto st = OpenStore(dir / "cp.db");
  std::size_t progress_calls = 0;
  const auto t0 = std::chrono::steady_clock::now();
  auto v = st.watchlist().ImportFull(Source(big), kNowMs, [&](const risk::WatchlistProgress&) {
    ++progress_calls;
    return true;
  });
  const auto t1 = std::chrono::steady_clock::now();
  REQUIRE(v);
  CHECK(v->counts ==
        WatchlistCounts{
            .persons = 25'000, .documents = 25'000, .vehicles = 25'000, .containers = 25'000});
  CHECK(progress_calls == 100'000 / 4096 + 1);
  auto data = st.watchlist().Load();
  const auto t2 = std::chrono::steady_clock::now();
  REQUIRE(data);
  CHECK(data->persons.size() == 25'000);
  CHECK(data->persons.back().names.at(1) == "Персона Тестова");
  const auto ms = [](auto d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  };
  // The figure for docs/store.md; not asserted (machines differ).
  WARN("100000 entries (" << big.size() / 1024 << " KiB): import " << ms(t1 - t0) << " ms, load "
                          << ms(t2 - t1) << " ms");
}

TEST_CASE("watchlist store: a large full import lets other writers in between its chunks",
          "[store][watchlist][atomic]") {
  TempDir dir;
  auto st = OpenStore(dir / "cp.db");
  REQUIRE(st.watchlist().ImportFull(Source(kList), kNowMs));
  const auto before = StoredIds(st);
  // checkpointd's connection, which must never wait for a whole list: it tries to
  // record with no busy timeout at all each time the import reports progress.
  auto other =
      store::Store::Open({.path = dir / "cp.db", .device_id = "CP-T1", .busy_timeout_ms = 1});
  REQUIRE(other);
  std::string big;
  for (int i = 0; i < 30'000; ++i) big += Entry(i) + "\n";
  int written = 0, tries = 0;
  bool old_list_seen_midway = false;
  auto v = st.watchlist().ImportFull(Source(big), kNowMs + 1, [&](const risk::WatchlistProgress&) {
    ++tries;
    auto r = testing::SampleRecord();
    written +=
        other->RecordInspection(r, testing::SampleAudit(r.uuid), store::Lane::kRecords) ? 1 : 0;
    // Until the swap, readers see the list in force, whole.
    old_list_seen_midway = old_list_seen_midway || StoredIds(*other) == before;
    return true;
  });
  REQUIRE(v);
  CHECK(v->counts.persons + v->counts.documents + v->counts.vehicles + v->counts.containers ==
        30'000);
  CHECK(tries >= 3);
  CHECK(written >= tries - 1);  // at most the progress call inside the first chunk waits
  CHECK(old_list_seen_midway);
  CHECK(StoredIds(*other).size() == 30'000);
  CHECK(st.db()
            .QueryInt("SELECT count(*) FROM sqlite_master WHERE name LIKE 'watchlist_entries_%'")
            .value() == 0);
}

TEST_CASE(
    "watchlist store: a list refused after several chunks, or an import killed, leaves "
    "the old list",
    "[store][watchlist][atomic]") {
  TempDir dir;
  auto st = OpenStore(dir / "cp.db");
  REQUIRE(st.watchlist().ImportFull(Source(kList), kNowMs));
  const auto before = StoredIds(st);
  std::string big;
  for (int i = 0; i < 12'000; ++i) big += Entry(i) + "\n";
  auto refused = st.watchlist().ImportFull(Source(big + "{garbage\n"), kNowMs + 1);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message().starts_with("line 12001:"));
  CHECK(StoredIds(st) == before);
  CHECK(st.watchlist().Current().value()->version == 1);

  // What a killed import leaves: the half-written next list and the old list of a
  // swap that was not cleaned up. Neither is in force; the next import drops both.
  REQUIRE(st.db().Exec("CREATE TABLE watchlist_entries_next (id TEXT PRIMARY KEY, x)"));
  REQUIRE(st.db().Exec("INSERT INTO watchlist_entries_next VALUES ('ghost', 1)"));
  REQUIRE(st.db().Exec("CREATE TABLE watchlist_entries_previous (id TEXT PRIMARY KEY)"));
  CHECK(StoredIds(st) == before);
  auto v = st.watchlist().ImportFull(Source(big), kNowMs + 2);
  REQUIRE(v);
  CHECK(v->version == 2);
  CHECK(StoredIds(st).size() == 12'000);
  CHECK(st.db()
            .QueryInt("SELECT count(*) FROM sqlite_master WHERE name LIKE 'watchlist_entries_%'")
            .value() == 0);
  // A delta after it applies to the new list.
  auto d = st.watchlist().ApplyDelta(Source(R"({"op":"remove","id":"P-0"})"), kNowMs + 3);
  REQUIRE(d);
  CHECK(d->removed == 1);
  CHECK(st.IntegrityCheck().value() == "ok");
}
