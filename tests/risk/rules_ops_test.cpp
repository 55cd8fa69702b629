// Every op on every type, absent-field semantics, all / any / not, derived operands,
// history counts and evidence.
#include <catch2/catch.hpp>

#include "checkpoint/risk/rules.hpp"
#include "rules_test_support.hpp"

using namespace checkpoint::risk;
using namespace checkpoint::risk::testing;

namespace {

Assessment Run(std::string_view when, const Facts& f, HistoryProvider& h) {
  auto b = CompileBundle(OneRule(when));
  if (!b) FAIL(b.error().message());
  return (*b)->Evaluate(f, h, kNow);
}

bool Fires(std::string_view when, const Facts& f) {
  NoHistory none;
  return !Run(when, f, none).reasons.empty();
}

Facts Sample() {
  Facts f;
  f.Set(fields::kTravellerAge, 16.0)
      .Set(fields::kTravellerAccompanied, false)
      .Set(fields::kDocumentNumber, "X123")
      .Set(fields::kDocumentIssuingState, "FRA")
      .Set(fields::kChipStatus, "passed")
      .Set(fields::kCargoDeclaredWeightKg, 20000.0)
      .Set(fields::kCargoMeasuredWeightKg, 23000.0)
      .Set(fields::kContainerCodes, {"CSQU3054383", "MSKU1234565"})
      .Set(fields::kDeclarationContainerCodes, {"MSKU1234565", "CSQU3054383", "TGHU0000001"})
      .Set(fields::kSealExpected, {"S1", "S2"})
      .Set(fields::kSealRead, {"S2", "S1", "S1"});
  return f;
}

std::string P(std::string_view field, std::string_view op, std::string_view value = {}) {
  std::string s = R"({"field": ")" + std::string(field) + R"(", "op": ")" + std::string(op) + "\"";
  if (!value.empty()) s += R"(, "value": )" + std::string(value);
  return s + "}";
}

}  // namespace

TEST_CASE("number ops") {
  const Facts f = Sample();
  const char* age = "traveller.age";  // 16
  CHECK(Fires(P(age, "eq", "16"), f));
  CHECK_FALSE(Fires(P(age, "eq", "16.5"), f));
  CHECK(Fires(P(age, "ne", "17"), f));
  CHECK_FALSE(Fires(P(age, "ne", "16"), f));
  CHECK(Fires(P(age, "lt", "17"), f));
  CHECK_FALSE(Fires(P(age, "lt", "16"), f));
  CHECK(Fires(P(age, "le", "16"), f));
  CHECK_FALSE(Fires(P(age, "le", "15.9"), f));
  CHECK(Fires(P(age, "gt", "15"), f));
  CHECK_FALSE(Fires(P(age, "gt", "16"), f));
  CHECK(Fires(P(age, "ge", "16"), f));
  CHECK_FALSE(Fires(P(age, "ge", "16.1"), f));
  CHECK(Fires(P(age, "between", "[16, 18]"), f));  // inclusive
  CHECK(Fires(P(age, "between", "[0, 16]"), f));
  CHECK_FALSE(Fires(P(age, "between", "[16.5, 18]"), f));
  CHECK(Fires(P(age, "in", "[1, 16, 40]"), f));
  CHECK_FALSE(Fires(P(age, "in", "[1, 40]"), f));
  CHECK(Fires(P(age, "notIn", "[1, 40]"), f));
  CHECK_FALSE(Fires(P(age, "notIn", "[16]"), f));
  CHECK(Fires(P(age, "exists"), f));
  CHECK_FALSE(Fires(P(age, "absent"), f));
  // Against another number field.
  CHECK(Fires(P("cargo.measuredWeightKg", "gt", R"({"field": "cargo.declaredWeightKg"})"), f));
  CHECK_FALSE(
      Fires(P("cargo.measuredWeightKg", "le", R"({"field": "cargo.declaredWeightKg"})"), f));
  CHECK_FALSE(Fires(P("cargo.measuredWeightKg", "gt", R"({"field": "watchlist.maxScore"})"), f));
}

TEST_CASE("string ops, with literals, closed value sets and field references") {
  const Facts f = Sample();
  CHECK(Fires(P("document.issuingState", "eq", R"("FRA")"), f));
  CHECK_FALSE(Fires(P("document.issuingState", "eq", R"("fra")"), f));  // case-sensitive
  CHECK(Fires(P("document.issuingState", "ne", R"("D")"), f));
  CHECK_FALSE(Fires(P("document.issuingState", "ne", R"("FRA")"), f));
  CHECK(Fires(P("document.issuingState", "in", R"(["D", "FRA"])"), f));
  CHECK_FALSE(Fires(P("document.issuingState", "in", R"(["D", "NLD"])"), f));
  CHECK(Fires(P("document.issuingState", "notIn", R"(["D", "NLD"])"), f));
  CHECK_FALSE(Fires(P("document.issuingState", "notIn", R"(["FRA"])"), f));
  CHECK(Fires(P("chip.status", "in", R"(["failed", "passed"])"), f));
  CHECK(Fires(P("chip.status", "ne", R"("no_chip")"), f));
  CHECK(Fires(P("document.number", "exists"), f));
  CHECK_FALSE(Fires(P("document.number", "absent"), f));

  Facts g = f;
  g.Set(fields::kTravellerNationality, "FRA");
  CHECK(Fires(P("document.issuingState", "eq", R"({"field": "traveller.nationality"})"), g));
  CHECK_FALSE(Fires(P("document.issuingState", "ne", R"({"field": "traveller.nationality"})"), g));
  // A string in a list field.
  g.Set(fields::kSealRead, {"FRA"});
  CHECK(Fires(P("document.issuingState", "in", R"({"field": "seal.read"})"), g));
  CHECK_FALSE(Fires(P("document.issuingState", "notIn", R"({"field": "seal.read"})"), g));
  // The referenced field absent: false, whatever the op.
  CHECK_FALSE(Fires(P("document.issuingState", "ne", R"({"field": "traveller.nationality"})"), f));
  CHECK_FALSE(Fires(P("document.issuingState", "notIn", R"({"field": "seal.expected"})"), Facts{}));
}

TEST_CASE("bool ops") {
  const Facts f = Sample();  // accompanied = false
  CHECK(Fires(P("traveller.accompanied", "isFalse"), f));
  CHECK_FALSE(Fires(P("traveller.accompanied", "isTrue"), f));
  CHECK(Fires(P("traveller.accompanied", "eq", "false"), f));
  CHECK_FALSE(Fires(P("traveller.accompanied", "eq", "true"), f));
  CHECK(Fires(P("traveller.accompanied", "ne", "true"), f));
  CHECK_FALSE(Fires(P("traveller.accompanied", "ne", "false"), f));
  CHECK(Fires(P("traveller.accompanied", "eq", R"({"field": "traveller.accompanied"})"), f));
}

TEST_CASE("list ops are set relations") {
  const Facts f = Sample();
  CHECK(Fires(P("container.codes", "contains", R"("MSKU1234565")"), f));
  CHECK_FALSE(Fires(P("container.codes", "contains", R"("MSKU")"), f));
  CHECK(Fires(P("container.codes", "notEmpty"), f));
  CHECK_FALSE(Fires(P("container.codes", "empty"), f));
  CHECK(Fires(P("container.codes", "intersects", R"(["X", "CSQU3054383"])"), f));
  CHECK_FALSE(Fires(P("container.codes", "intersects", R"(["X"])"), f));
  CHECK(Fires(P("container.codes", "subsetOf", R"({"field": "declaration.containerCodes"})"), f));
  CHECK_FALSE(
      Fires(P("container.codes", "notSubsetOf", R"({"field": "declaration.containerCodes"})"), f));
  CHECK(
      Fires(P("declaration.containerCodes", "notSubsetOf", R"({"field": "container.codes"})"), f));
  // Duplicates and order do not matter.
  CHECK(Fires(P("seal.read", "sameSet", R"({"field": "seal.expected"})"), f));
  CHECK_FALSE(Fires(P("seal.read", "notSameSet", R"({"field": "seal.expected"})"), f));
  CHECK(Fires(P("seal.read", "sameSet", R"(["S1", "S2"])"), f));
  CHECK(Fires(P("seal.read", "notSameSet", R"(["S1"])"), f));
  CHECK(Fires(P("seal.read", "notSameSet", R"(["S1", "S2", "S3"])"), f));
  CHECK(Fires(P("seal.read", "subsetOf", R"(["S1", "S2", "S3"])"), f));
  CHECK(Fires(P("seal.read", "intersects", R"({"field": "seal.expected"})"), f));

  Facts g = f;
  g.Set(fields::kSealRead, {"S1", "S9"});
  CHECK(Fires(P("seal.read", "notSameSet", R"({"field": "seal.expected"})"), g));
  g.Set(fields::kSealRead, {});
  CHECK(Fires(P("seal.read", "empty"), g));
  CHECK(Fires(P("seal.read", "sameSet", "[]"), g));
  CHECK(Fires(P("seal.read", "subsetOf", R"({"field": "seal.expected"})"), g));  // ∅ ⊆ anything
  CHECK(Fires(P("seal.read", "notSameSet", R"({"field": "seal.expected"})"), g));
  // Either side absent: false.
  g.Clear(Field::kSealExpected);
  CHECK_FALSE(Fires(P("seal.read", "notSameSet", R"({"field": "seal.expected"})"), g));
  CHECK_FALSE(Fires(P("seal.read", "sameSet", R"({"field": "seal.expected"})"), g));
}

TEST_CASE("a predicate on an absent field is false, except absent") {
  const Facts none;
  const std::vector<std::string> preds = {
      P("traveller.age", "eq", "1"),
      P("traveller.age", "ne", "1"),
      P("traveller.age", "lt", "1"),
      P("traveller.age", "between", "[0, 200]"),
      P("traveller.age", "notIn", "[1]"),
      P("traveller.age", "exists"),
      P("document.number", "ne", R"("")"),
      P("document.number", "notIn", R"(["A"])"),
      P("document.valid", "isFalse"),
      P("document.valid", "ne", "true"),
      P("seal.read", "empty"),
      P("seal.read", "notSameSet", "[]"),
      P("seal.read", "notSubsetOf", "[]"),
  };
  for (const auto& p : preds) {
    INFO(p);
    CHECK_FALSE(Fires(p, none));
    // not inverts: true on an absent field. This is why rules say "ne" when they
    // need the field present and "not eq" when absence should count.
    CHECK(Fires(R"({"not": )" + p + "}", none));
  }
  CHECK(Fires(P("traveller.age", "absent"), none));
  CHECK(Fires(P("seal.read", "absent"), none));
}

TEST_CASE("all, any and not combine as in logic, nested") {
  const Facts f = Sample();
  const std::string t = P("traveller.age", "lt", "18");  // true
  const std::string x = P("traveller.age", "gt", "18");  // false
  auto all = [](const std::string& a, const std::string& b) {
    return R"({"all": [)" + a + ", " + b + "]}";
  };
  auto any = [](const std::string& a, const std::string& b) {
    return R"({"any": [)" + a + ", " + b + "]}";
  };
  auto neg = [](const std::string& a) { return R"({"not": )" + a + "}"; };
  CHECK(Fires(all(t, t), f));
  CHECK_FALSE(Fires(all(t, x), f));
  CHECK_FALSE(Fires(all(x, t), f));
  CHECK(Fires(any(x, t), f));
  CHECK(Fires(any(t, x), f));
  CHECK_FALSE(Fires(any(x, x), f));
  CHECK(Fires(neg(x), f));
  CHECK_FALSE(Fires(neg(t), f));
  CHECK(Fires(neg(neg(t)), f));
  CHECK(Fires(all(any(x, t), neg(all(t, x))), f));
  CHECK_FALSE(Fires(any(all(t, x), neg(any(x, t))), f));
  CHECK(Fires(R"({"all": [)" + t + "]}", f));
}

TEST_CASE("deviation: absolute and relative, zero reference, absent operands") {
  Facts f = Sample();  // measured 23000, declared 20000
  auto dev = [](std::string_view mode, std::string_view op, std::string_view value) {
    return std::string(R"({"deviation": {"field": "cargo.measuredWeightKg", )"
                       R"("from": "cargo.declaredWeightKg", "mode": ")") +
           std::string(mode) + R"("}, "op": ")" + std::string(op) + R"(", "value": )" +
           std::string(value) + "}";
  };
  CHECK(Fires(dev("relative", "gt", "0.1"), f));  // 0.15
  CHECK_FALSE(Fires(dev("relative", "gt", "0.15"), f));
  CHECK(Fires(dev("relative", "between", "[0.14, 0.16]"), f));
  CHECK(Fires(dev("absolute", "eq", "3000"), f));
  f.Set(fields::kCargoMeasuredWeightKg, 17000.0);  // below: deviation is symmetric
  CHECK(Fires(dev("absolute", "eq", "3000"), f));
  CHECK(Fires(dev("relative", "gt", "0.1"), f));
  f.Set(fields::kCargoDeclaredWeightKg, 0.0);
  CHECK(Fires(dev("relative", "gt", "1000000"), f));  // anything against 0 is infinite
  f.Set(fields::kCargoMeasuredWeightKg, 0.0);
  CHECK(Fires(dev("relative", "eq", "0"), f));
  f.Clear(Field::kCargoDeclaredWeightKg);
  CHECK_FALSE(Fires(dev("absolute", "ge", "0"), f));
  CHECK(Fires(R"({"not": )" + dev("absolute", "ge", "0") + "}", f));
}

TEST_CASE("history counts go through the provider with the reference time") {
  FakeHistory h;
  const Facts f = Sample();  // document X123
  for (int d : {1, 5, 29, 30, 31}) {
    h.Add(HistoryKind::kCrossings, Field::kDocumentNumber, "X123", kNow - d * kDayMs);
  }
  h.Add(HistoryKind::kCrossings, Field::kDocumentNumber, "OTHER", kNow - kDayMs);
  h.Add(HistoryKind::kRefusals, Field::kDocumentNumber, "X123", kNow - kDayMs);
  h.Add(HistoryKind::kCrossings, Field::kDocumentNumber, "X123", kNow + kDayMs);  // future
  auto count = [](std::string_view history, int days, std::string_view op, int value) {
    return R"({"count": {"history": ")" + std::string(history) +
           R"(", "key": "document.number", "days": )" + std::to_string(days) + R"(}, "op": ")" +
           std::string(op) + R"(", "value": )" + std::to_string(value) + "}";
  };
  // 30 days: 1, 5, 29 and exactly 30 days ago (the window is inclusive).
  auto a = Run(count("crossings", 30, "eq", 4), f, h);
  CHECK(a.reasons.size() == 1);
  REQUIRE(h.queries.size() == 1);
  CHECK(h.queries[0].kind == HistoryKind::kCrossings);
  CHECK(h.queries[0].key == Field::kDocumentNumber);
  CHECK(h.queries[0].value == "X123");
  CHECK(h.queries[0].until_ms == kNow);
  CHECK(h.queries[0].since_ms == kNow - 30 * kDayMs);
  CHECK(Run(count("crossings", 1, "eq", 1), f, h).reasons.size() == 1);
  CHECK(Run(count("refusals", 365, "eq", 1), f, h).reasons.size() == 1);
  CHECK(Run(count("crossings", 30, "ge", 5), f, h).reasons.empty());

  SECTION("the key absent: false, and no query") {
    h.queries.clear();
    Facts g = f;
    g.Clear(Field::kDocumentNumber);
    CHECK(Run(count("crossings", 30, "ge", 0), g, h).reasons.empty());
    CHECK(h.queries.empty());
  }
  SECTION("the provider failing: false, with a warning") {
    h.fail = true;
    auto r = Run(count("crossings", 30, "ge", 0), f, h);
    CHECK(r.reasons.empty());
    REQUIRE(r.warnings.size() == 1);
    CHECK(r.warnings[0] == "history crossings by document.number unavailable: store busy");
  }
  SECTION("one query per distinct count per evaluation; cheap siblings first") {
    auto b = CompileBundle(Bundle(
        R"({"id": "a", "description": "d", "category": "t", "weight": 1,
            "when": )" +
        count("crossings", 30, "ge", 1) +
        R"(}, {"id": "b", "description": "d", "category": "t", "weight": 1,
            "when": )" +
        count("crossings", 30, "ge", 2) +
        R"(}, {"id": "c", "description": "d", "category": "t", "weight": 1,
            "when": {"all": [)" +
        count("crossings", 7, "ge", 1) + ", " + P("traveller.age", "gt", "60") + "]}}"));
    REQUIRE(b);
    h.queries.clear();
    auto r = (*b)->Evaluate(f, h, kNow);
    CHECK(r.reasons.size() == 2);
    // a and b share one query; c's count comes after its age test, which is false.
    CHECK(h.queries.size() == 1);
  }
}

TEST_CASE("evidence names the fields and values that made a rule fire") {
  FakeHistory h;
  Facts f = Sample();
  SECTION("all: every predicate") {
    auto r = Run(R"({"all": [)" + P("traveller.age", "lt", "18") + ", " +
                     P("traveller.accompanied", "isFalse") + "]}",
                 f, h);
    REQUIRE(r.reasons.size() == 1);
    CHECK(r.reasons[0].evidence ==
          std::vector<Evidence>{{"traveller.age", "16"}, {"traveller.accompanied", "false"}});
  }
  SECTION("any: the first that holds") {
    auto r = Run(R"({"any": [)" + P("traveller.age", "gt", "18") + ", " +
                     P("document.issuingState", "eq", R"("FRA")") + ", " +
                     P("traveller.accompanied", "isFalse") + "]}",
                 f, h);
    REQUIRE(r.reasons.size() == 1);
    CHECK(r.reasons[0].evidence == std::vector<Evidence>{{"document.issuingState", "FRA"}});
  }
  SECTION("not: the fields of the negated condition, absent ones too") {
    auto r = Run(R"({"not": )" + P("traveller.nationality", "eq", R"("FRA")") + "}", f, h);
    REQUIRE(r.reasons.size() == 1);
    CHECK(r.reasons[0].evidence == std::vector<Evidence>{{"traveller.nationality", "absent"}});
  }
  SECTION("field references and derived operands, each field once") {
    auto r = Run(R"({"all": [{"deviation": {"field": "cargo.measuredWeightKg",
                    "from": "cargo.declaredWeightKg", "mode": "relative"}, "op": "gt", "value": 0.1},
                    {"field": "cargo.measuredWeightKg", "op": "gt", "value": 1}]})",
                 f, h);
    REQUIRE(r.reasons.size() == 1);
    CHECK(r.reasons[0].evidence ==
          std::vector<Evidence>{
              {"relativeDeviation(cargo.measuredWeightKg, cargo.declaredWeightKg)", "0.15"},
              {"cargo.measuredWeightKg", "23000"},
              {"cargo.declaredWeightKg", "20000"}});
    f.Set(fields::kSealRead, {"S9"});
    r = Run(P("seal.read", "notSameSet", R"({"field": "seal.expected"})"), f, h);
    REQUIRE(r.reasons.size() == 1);
    CHECK(r.reasons[0].evidence ==
          std::vector<Evidence>{{"seal.read", "[S9]"}, {"seal.expected", "[S1, S2]"}});
  }
  SECTION("counts") {
    h.Add(HistoryKind::kCrossings, Field::kDocumentNumber, "X123", kNow - kDayMs);
    auto r = Run(
        R"({"count": {"history": "crossings", "key": "document.number", "days": 7}, "op": "ge", "value": 1})",
        f, h);
    REQUIRE(r.reasons.size() == 1);
    CHECK(r.reasons[0].evidence ==
          std::vector<Evidence>{{"count(crossings, document.number, 7d)", "1"},
                                {"document.number", "X123"}});
  }
}
