// Scores and levels, ordering of reasons, RuleEngine: versions, failed loads, and the
// atomic swap under concurrent readers.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "checkpoint/risk/rules.hpp"
#include "rules_test_support.hpp"

using namespace checkpoint::risk;
using namespace checkpoint::risk::testing;

namespace {

std::string Rule(std::string_view id, double weight, std::string_view extra = "",
                 std::string_view when = R"({"field": "traveller.age", "op": "lt", "value": 18})") {
  return R"({"id": ")" + std::string(id) + R"(", "description": "desc )" + std::string(id) +
         R"(", "category": "test", "weight": )" + FormatNumber(weight) + std::string(extra) +
         R"(, "when": )" + std::string(when) + "}";
}

Facts Minor() {
  Facts f;
  f.Set(fields::kTravellerAge, 12.0);
  return f;
}

Assessment Eval(const std::string& bundle, const Facts& f) {
  auto b = CompileBundle(bundle);
  if (!b) FAIL(b.error().message());
  NoHistory none;
  return (*b)->Evaluate(f, none, kNow);
}

std::vector<std::string> Ids(const Assessment& a) {
  std::vector<std::string> ids;
  for (const auto& r : a.reasons) ids.push_back(r.rule_id);
  return ids;
}

}  // namespace

TEST_CASE("the score is the sum of fired weights; thresholds are inclusive") {
  const std::string never =
      Rule("never", 500, "", R"({"field": "traveller.age", "op": "gt", "value": 100})");
  auto a = Eval(Bundle(Rule("a", 10) + "," + Rule("b", 19.5) + "," + never), Minor());
  CHECK(a.score == 29.5);
  CHECK(a.level == Level::kClear);
  CHECK(a.bundle_version == 1);
  a = Eval(Bundle(Rule("a", 10) + "," + Rule("b", 20) + "," + never), Minor());
  CHECK(a.score == 30);
  CHECK(a.level == Level::kSecondary);
  a = Eval(Bundle(Rule("a", 69.9)), Minor());
  CHECK(a.level == Level::kSecondary);
  a = Eval(Bundle(Rule("a", 70)), Minor());
  CHECK(a.level == Level::kAlert);
  a = Eval(Bundle(Rule("a", 70)), Facts{});
  CHECK(a.score == 0);
  CHECK(a.level == Level::kClear);
  CHECK(a.reasons.empty());
}

TEST_CASE("a rule's level is a floor, whatever the score") {
  auto a = Eval(Bundle(Rule("a", 0, R"(, "level": "alert")")), Minor());
  CHECK(a.score == 0);
  CHECK(a.level == Level::kAlert);
  REQUIRE(a.reasons.size() == 1);
  CHECK(a.reasons[0].forced == Level::kAlert);
  a = Eval(Bundle(Rule("a", 1, R"(, "level": "secondary")")), Minor());
  CHECK(a.level == Level::kSecondary);
  // The score may raise it further.
  a = Eval(Bundle(Rule("a", 1, R"(, "level": "secondary")") + "," + Rule("b", 80)), Minor());
  CHECK(a.level == Level::kAlert);
  // A forced rule that does not fire forces nothing.
  a = Eval(Bundle(Rule("a", 1, R"(, "level": "alert")")), Facts{});
  CHECK(a.level == Level::kClear);
}

TEST_CASE("disabled rules are checked but not evaluated") {
  auto a = Eval(Bundle(Rule("a", 80, R"(, "enabled": false)") + "," + Rule("b", 5)), Minor());
  CHECK(Ids(a) == std::vector<std::string>{"b"});
  CHECK(a.level == Level::kClear);
}

TEST_CASE("reasons: weight descending, equal weights in bundle order, complete") {
  auto a = Eval(Bundle(Rule("low", 1) + "," + Rule("tie1", 5) + "," + Rule("high", 9) + "," +
                       Rule("tie2", 5)),
                Minor());
  CHECK(Ids(a) == std::vector<std::string>{"high", "tie1", "tie2", "low"});
  CHECK(a.reasons[0].description == "desc high");
  CHECK(a.reasons[0].category == "test");
  CHECK(a.reasons[0].weight == 9);
  CHECK(a.reasons[0].evidence == std::vector<Evidence>{{"traveller.age", "12"}});
}

TEST_CASE("RuleEngine: nothing loaded, loading, versions") {
  RuleEngine engine;
  NoHistory none;
  CHECK(engine.Active() == nullptr);
  auto nothing = engine.Evaluate(Minor(), none, kNow);
  REQUIRE_FALSE(nothing);
  CHECK(nothing.error().Is(RulesErrc::kNoBundle));

  auto v5 = engine.Load(Bundle(Rule("a", 10), 5));
  REQUIRE(v5);
  CHECK(v5->version == 5);
  CHECK(engine.Evaluate(Minor(), none, kNow)->bundle_version == 5);

  SECTION("the same or an older version is refused, and the active one stays") {
    for (std::int64_t v : {5, 4}) {
      auto r = engine.Load(Bundle(Rule("b", 10), v));
      REQUIRE_FALSE(r);
      CHECK(r.error().Is(RulesErrc::kStaleVersion));
      CHECK(r.error().message() ==
            "bundle version " + std::to_string(v) + " is not newer than the active version 5");
      CHECK(engine.Active()->info().version == 5);
    }
  }
  SECTION("an older version is accepted when allowed explicitly") {
    auto r = engine.Load(Bundle(Rule("b", 10), 3), RuleEngine::LoadOptions{.allow_older = true});
    REQUIRE(r);
    CHECK(engine.Evaluate(Minor(), none, kNow)->reasons[0].rule_id == "b");
    CHECK(engine.Active()->info().version == 3);
  }
  SECTION("a bad bundle is rejected whole and the old one stays in force") {
    const auto before = engine.Active();
    // Rule "a" is fine, rule "b" is not: nothing of the bundle is taken.
    auto r = engine.Load(Bundle(
        Rule("a", 99) + "," + Rule("b", 1, "", R"({"field": "nope", "op": "eq", "value": 1})"), 9));
    REQUIRE_FALSE(r);
    CHECK(r.error().Is(RulesErrc::kInvalid));
    CHECK(engine.Active() == before);
    auto a = engine.Evaluate(Minor(), none, kNow);
    CHECK(a->bundle_version == 5);
    CHECK(a->score == 10);
  }
  SECTION("a newer version replaces it; an evaluation in flight keeps the old one alive") {
    const auto held = engine.Active();
    REQUIRE(engine.Load(Bundle(Rule("c", 20), 6)));
    CHECK(engine.Evaluate(Minor(), none, kNow)->score == 20);
    CHECK(held->Evaluate(Minor(), none, kNow).score == 10);
    CHECK(held->info().version == 5);
  }
}

// Readers evaluate without pause while a writer loads increasing versions, with bad
// and stale bundles in between. Bundle v has three rules of weight v, so a reader
// that saw parts of two bundles would find a score other than 3 × version or a
// reason of another weight. Under ASan this also checks that no bundle is freed
// while a reader still uses it.
TEST_CASE("concurrent readers see whole bundles, in order, while loads swap them") {
  constexpr int kReaders = 3;
  constexpr std::int64_t kVersions = 200;
  auto bundle = [](std::int64_t v) {
    const double w = static_cast<double>(v);
    return Bundle(Rule("a", w) + "," + Rule("b", w) + "," + Rule("c", w), v,
                  R"({"secondary": 1000, "alert": 2000})");
  };
  RuleEngine engine;
  REQUIRE(engine.Load(bundle(1)));

  std::atomic<bool> done{false};
  std::atomic<int> started{0};
  std::atomic<long> evaluations{0};
  std::atomic<int> torn{0}, backwards{0};
  std::vector<std::thread> readers;
  std::vector<std::int64_t> last_seen(kReaders, 0);
  for (int i = 0; i < kReaders; ++i) {
    readers.emplace_back([&, i] {
      NoHistory none;
      const Facts f = Minor();
      std::int64_t seen = 0;
      bool counted = false;
      // Run until the writer is done, then once more, so the last version is seen.
      for (bool last = false; !last;) {
        last = done.load();
        auto a = engine.Evaluate(f, none, kNow);
        const auto v = a->bundle_version;
        bool whole = a->reasons.size() == 3 && a->score == 3.0 * static_cast<double>(v);
        for (const auto& r : a->reasons) whole &= r.weight == static_cast<double>(v);
        if (!whole) ++torn;
        if (v < seen) ++backwards;
        seen = v;
        ++evaluations;
        if (!counted) {
          counted = true;
          ++started;
        }
      }
      last_seen[static_cast<std::size_t>(i)] = seen;
    });
  }
  while (started.load() < kReaders) std::this_thread::yield();  // all readers running

  int rejected = 0;
  for (std::int64_t v = 2; v <= kVersions; ++v) {
    rejected += !engine.Load(R"({"format": 1, "version": )" + std::to_string(v + 1000) + "}");
    rejected += !engine.Load(bundle(v - 1));  // stale
    REQUIRE(engine.Load(bundle(v)));
  }
  done = true;
  for (auto& t : readers) t.join();

  CHECK(rejected == 2 * (kVersions - 1));
  CHECK(torn == 0);
  CHECK(backwards == 0);
  CHECK(evaluations > kReaders);
  for (auto v : last_seen) CHECK(v == kVersions);
  CHECK(engine.Active()->info().version == kVersions);
}
