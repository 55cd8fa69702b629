// Recording in a real SQLite store: inspections with their audit and outbox entries
// in one transaction, the history the rules count, and officer decisions.
#include "checkpoint/inspection/recording.hpp"

#include <nlohmann/json.hpp>

#include "checkpoint/common/random.hpp"
#include "checkpoint/inspection/sources.hpp"
#include "checkpoint/inspection/traveller.hpp"
#include "checkpoint/risk/watchlist_json.hpp"
#include "inspection_test_support.hpp"
#include "support/temp_dir.hpp"

using namespace checkpoint;
using namespace checkpoint::inspection;
using checkpoint::testing::kJune2026;
using checkpoint::testing::TempDir;
using nlohmann::json;

namespace {

constexpr std::int64_t kDay = 86'400'000;

store::Store Open(const TempDir& tmp) {
  auto s = store::Store::Open({.path = tmp / "checkpoint.db", .device_id = "CP-T1"});
  if (!s) FAIL(s.error().String());
  return std::move(s).value();
}

// A traveller as the inspector would hand it over, without going through the MRZ.
Pending Traveller(std::string number, std::int64_t at, double person_hits = 0) {
  Pending p;
  p.uuid = common::NewUuid();
  p.kind = "traveller";
  p.booth = "B1";
  p.created_at_ms = at;
  p.facts.Set(risk::fields::kDocumentValid, true);
  p.facts.Set(risk::fields::kDocumentNumber, number);
  p.facts.Set(risk::fields::kWatchlistPersonHits, person_hits);
  p.crossing_document = number;
  p.body["document"] = {{"number", number}};
  return p;
}

std::vector<std::string> Rules(const Recorded& r) {
  return testing::RuleIds(r.outcome.assessment);
}

bool Has(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

TEST_CASE("a listed traveller is recorded as an alert in the priority lane with its audit entry",
          "[inspection][recording]") {
  TempDir tmp;
  auto st = Open(tmp);
  auto bundle = testing::DefaultBundle();
  auto r = AssessAndRecord(st, Traveller("L898902C3", kJune2026, 1), bundle.get());
  REQUIRE(r);
  CHECK(r->outcome.record.level == "alert");
  auto found = st.inspections().FindByUuid(r->outcome.record.uuid);
  REQUIRE(found);
  REQUIRE(found->has_value());
  CHECK((*found)->kind == "traveller");
  CHECK((*found)->level == "alert");
  auto payload = json::parse((*found)->payload_json);
  CHECK(payload["level"] == "alert");
  CHECK(payload["assessment"]["bundleVersion"] == 2);  // config/rules/default.json
  CHECK(payload["assessment"]["reasons"][0]["rule"] == "watchlist.person");
  CHECK(payload["facts"]["watchlist.personHits"] == 1);

  auto entry = st.outbox().Find(r->stored.seq);
  REQUIRE(entry);
  REQUIRE(entry->has_value());
  CHECK((*entry)->lane == store::Lane::kPriority);
  CHECK((*entry)->record_uuid == r->outcome.record.uuid);
  CHECK((*entry)->record_type == "traveller");

  auto v = st.audit().Verify();
  REQUIRE(v);
  CHECK(v->ok);
  CHECK(v->entries == 1);
  // The audit entry names the record, never the traveller.
  CHECK(r->outcome.audit.subject == r->outcome.record.uuid);
  CHECK(r->outcome.audit.details_json.find("L898902C3") == std::string::npos);

  auto clear = AssessAndRecord(st, Traveller("X0000001", kJune2026), bundle.get());
  REQUIRE(clear);
  CHECK(clear->outcome.record.level == "clear");
  auto e2 = st.outbox().Find(clear->stored.seq);
  REQUIRE(e2);
  CHECK((*e2)->lane == store::Lane::kRecords);
}

TEST_CASE("the history provider counts crossings by document number in the window",
          "[inspection][recording]") {
  TempDir tmp;
  auto st = Open(tmp);
  auto bundle = testing::DefaultBundle();
  // Eight crossings: seven in the last 30 days, one 31 days ago.
  REQUIRE(AssessAndRecord(st, Traveller("AB123", kJune2026 - 31 * kDay), bundle.get()));
  for (int i = 7; i >= 1; --i) {
    auto r = AssessAndRecord(st, Traveller("AB123", kJune2026 - i * kDay), bundle.get());
    REQUIRE(r);
    CHECK_FALSE(Has(Rules(*r), "traveller.frequentCrossings"));
  }
  REQUIRE(AssessAndRecord(st, Traveller("OTHER", kJune2026 - kDay), bundle.get()));
  StoreHistory history(st);
  risk::HistoryQuery q{risk::HistoryKind::kCrossings, risk::Field::kDocumentNumber, "AB123",
                       kJune2026 - 30 * kDay, kJune2026};
  auto n = history.Count(q);
  REQUIRE(n);
  CHECK(*n == 7);
  // The eighth in 30 days fires the rule (the one being assessed is not counted).
  auto r8 = AssessAndRecord(st, Traveller("AB123", kJune2026), bundle.get());
  REQUIRE(r8);
  CHECK_FALSE(Has(Rules(*r8), "traveller.frequentCrossings"));
  auto r9 = AssessAndRecord(st, Traveller("AB123", kJune2026 + 1), bundle.get());
  REQUIRE(r9);
  CHECK(Has(Rules(*r9), "traveller.frequentCrossings"));
  // Other keys are not kept: an error, which the rules turn into a warning.
  q.key = risk::Field::kTravellerNationality;
  CHECK_FALSE(history.Count(q));
}

TEST_CASE("an officer's decision is a linked record in the priority lane",
          "[inspection][recording][decision]") {
  TempDir tmp;
  auto st = Open(tmp);
  auto bundle = testing::DefaultBundle();
  auto inspected = AssessAndRecord(st, Traveller("AB123", kJune2026), bundle.get());
  REQUIRE(inspected);
  const std::string uuid = inspected->outcome.record.uuid;

  auto d = RecordDecision(
      st, {uuid, "officer-7", "refuse", "no visa", kJune2026 + 60'000, "entry_conditions"});
  REQUIRE(d);
  CHECK(d->record.kind == "decision");
  CHECK(d->record.level == "info");
  CHECK(d->record.booth == "B1");
  auto payload = json::parse(d->record.payload_json);
  CHECK(payload["inspection"] == uuid);
  CHECK(payload["decision"] == "refuse");
  CHECK(payload["officer"] == "officer-7");
  CHECK(payload["reason"] == "entry_conditions");
  auto entry = st.outbox().Find(d->stored.seq);
  REQUIRE(entry);
  CHECK((*entry)->lane == store::Lane::kPriority);
  CHECK((*entry)->record_type == "decision");
  CHECK((*entry)->payload.find("\"reason\":\"entry_conditions\"") != std::string::npos);
  auto v = st.audit().Verify();
  REQUIRE(v);
  CHECK(v->ok);
  CHECK(v->entries == 2);

  // The refusal counts for the next inspection of that document.
  auto next = AssessAndRecord(st, Traveller("AB123", kJune2026 + kDay), bundle.get());
  REQUIRE(next);
  CHECK(Has(Rules(*next), "traveller.previousRefusal"));

  SECTION(
      "refused: unknown inspection, bad decision, bad officer, bad reason code, a decision on a "
      "decision") {
    auto count = st.inspections().Count();
    REQUIRE(count);
    auto missing = RecordDecision(st, {"nope", "officer-7", "admit", "", kJune2026, ""});
    REQUIRE_FALSE(missing);
    CHECK(missing.error().Is(store::StoreErrc::kNotFound));
    auto bad = RecordDecision(st, {uuid, "officer-7", "shrug", "", kJune2026, ""});
    REQUIRE_FALSE(bad);
    CHECK(bad.error().Is(CommonErrc::kInvalidArgument));
    CHECK_FALSE(RecordDecision(st, {uuid, "officer 7\n", "admit", "", kJune2026, ""}));
    CHECK_FALSE(RecordDecision(st, {d->record.uuid, "officer-7", "admit", "", kJune2026, ""}));
    for (const char* reason : {"Other", "no visa", "x;--", "a_reason_code_longer_than_32_bytes"}) {
      INFO(reason);
      auto r = RecordDecision(st, {uuid, "officer-7", "refer", "", kJune2026, reason});
      REQUIRE_FALSE(r);
      CHECK(r.error().Is(CommonErrc::kInvalidArgument));
    }
    auto after = st.inspections().Count();
    REQUIRE(after);
    CHECK(*after == *count);
  }
}

TEST_CASE("without a bundle an inspection is referred, not cleared", "[inspection][recording]") {
  TempDir tmp;
  auto st = Open(tmp);
  auto r = AssessAndRecord(st, Traveller("AB123", kJune2026), nullptr);
  REQUIRE(r);
  CHECK(r->outcome.record.level == "refer");
  CHECK(json::parse(r->outcome.record.payload_json)["assessment"]["scored"] == false);
}

TEST_CASE("a failed write leaves nothing behind", "[inspection][recording]") {
  TempDir tmp;
  auto st = Open(tmp);
  auto bundle = testing::DefaultBundle();
  auto p = Traveller("AB123", kJune2026);
  REQUIRE(AssessAndRecord(st, p, bundle.get()));
  // The same uuid again: the inspection insert is refused, and so is the whole.
  auto again = AssessAndRecord(st, p, bundle.get());
  REQUIRE_FALSE(again);
  auto n = st.history().Count(store::HistoryEvent::kCrossing, "AB123", 0, kJune2026 + 1);
  REQUIRE(n);
  CHECK(*n == 1);
  auto stats = st.outbox().Stats();
  REQUIRE(stats);
  CHECK(stats->last_seq == 1);
  auto audits = st.audit().Count();
  REQUIRE(audits);
  CHECK(*audits == 1);
}

TEST_CASE("the daemon's watchlist comes from the store's list, streamed entry by entry",
          "[inspection][watchlist]") {
  TempDir tmp;
  store::Store st = Open(tmp);
  risk::Watchlist w;
  StoreWatchlistSource source;
  CHECK(source.name() == "store");
  // No list imported yet: an empty list, not an error.
  REQUIRE(source.Load(st, w));
  CHECK(w.stats().persons == 0);
  const std::string list =
      R"({"id":"P-1","kind":"person","names":["Шевченко Тарас"],"birthDate":"1961-03-09","nationality":"UKR","sex":"M"})"
      "\n"
      R"({"id":"D-1","kind":"document","number":"L898902C3","issuingState":"UTO"})"
      "\n"
      R"({"id":"V-1","kind":"vehicle","plate":"B-MW 1234","country":"DE"})"
      "\n"
      R"({"id":"C-1","kind":"container","code":"CSQU3054383"})"
      "\n";
  REQUIRE(st.watchlist().ImportFull(
      store::WatchlistSource{.name = "list.jsonl", .read = risk::ReadFromString(list)}, kJune2026));
  REQUIRE(source.Load(st, w));
  const auto stats = w.stats();
  CHECK(stats.persons == 1);
  CHECK(stats.documents == 1);
  CHECK(stats.vehicles == 1);
  CHECK(stats.containers == 1);
  risk::PersonQuery q;
  q.surname = "SHEVCHENKO";
  q.given_names = "TARAS";
  const auto hits = w.ScreenPerson(q, {}, kJune2026);
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].id == "P-1");
  CHECK(w.CheckDocument("L898902C3", "UTO", kJune2026).size() == 1);
  CHECK(w.CheckContainer("CSQU 305438 3", kJune2026).size() == 1);
}
