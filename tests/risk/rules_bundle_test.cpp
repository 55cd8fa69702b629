// Bad bundles of every kind are rejected whole, with an error that names the line,
// the JSON pointer and the rule.
#include <catch2/catch.hpp>

#include "checkpoint/risk/rules.hpp"
#include "rules_test_support.hpp"

using namespace checkpoint::risk;
using namespace checkpoint::risk::testing;

namespace {

std::string ErrorOf(std::string_view text, RulesErrc code = RulesErrc::kInvalid) {
  auto b = CompileBundle(text);
  if (b) return "(loaded)";
  CHECK(b.error().Is(code));
  return b.error().message();
}

std::string Rule(std::string_view id, std::string_view when, std::string_view extra = "") {
  return R"({"id": ")" + std::string(id) +
         R"(", "description": "d", "category": "test", "weight": 10)" + std::string(extra) +
         R"(, "when": )" + std::string(when) + "}";
}

const char* kAge = R"({"field": "traveller.age", "op": "lt", "value": 18})";

// "line L, column C" of the nth occurrence of marker in text: where an error must
// point, computed independently of the library.
std::string Where(std::string_view text, std::string_view marker, int nth = 0) {
  std::size_t at = text.find(marker);
  for (int i = 0; i < nth && at != std::string_view::npos; ++i) at = text.find(marker, at + 1);
  REQUIRE(at != std::string_view::npos);
  std::size_t line = 1, start = 0;
  for (std::size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++line;
      start = i + 1;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(at - start + 1);
}

// The error of text must point at marker and read "<where>" + rest.
void Expect(const std::string& text, std::string_view marker, std::string_view rest,
            RulesErrc code = RulesErrc::kInvalid, int nth = 0) {
  INFO(text);
  CHECK(ErrorOf(text, code) == Where(text, marker, nth) + std::string(rest));
}

}  // namespace

TEST_CASE("a valid bundle compiles and describes itself") {
  auto b = CompileBundle(Bundle(Rule("a", kAge) + "," + Rule("b", kAge, R"(, "enabled": false)"),
                                42, R"({"secondary": 25.5, "alert": 60})"));
  REQUIRE(b);
  const BundleInfo& info = (*b)->info();
  CHECK(info.version == 42);
  CHECK(info.issued_at == "2026-12-01T08:00:00Z");
  CHECK(info.secondary == 25.5);
  CHECK(info.alert == 60);
  CHECK(info.rules == 2);
  CHECK(info.enabled_rules == 1);
}

TEST_CASE("JSON syntax errors name line and column") {
  CHECK(ErrorOf("{\n  \"format\": 1,\n  \"version\": 2,,\n}", RulesErrc::kSyntax) ==
        "line 3, column 16: invalid JSON: syntax error while parsing object key - unexpected ','; "
        "expected string literal");
  CHECK(ErrorOf("", RulesErrc::kSyntax) ==
        "line 1, column 1: invalid JSON: syntax error while parsing value - unexpected end of "
        "input; expected '[', '{', or a literal");
  CHECK(ErrorOf("{\"a\": \"\xff\"}", RulesErrc::kSyntax)
            .starts_with("line 1, column 8: invalid JSON:"));
}

TEST_CASE("structure errors name the JSON pointer and the line") {
  CHECK(ErrorOf("[1]") == "line 1, column 1: a rule bundle must be an object, not an array");
  CHECK(ErrorOf(R"({"format": 1})") == "line 1, column 1: missing key \"version\"");
  Expect(R"({"format": 2, "version": 1})", "2",
         ", /format: unsupported format 2 (this firmware reads format 1)");
  Expect(R"({"format": 1, "version": 1.5})", "1.5",
         ", /version: must be an integer from 1 to 2^53");
  Expect(R"({"format": 1, "version": 0})", "0", ", /version: must be an integer from 1 to 2^53");
  Expect(R"({"format": 1, "version": 1, "issuedAt": "yesterday"})", "\"yesterday",
         ", /issuedAt: must be an RFC 3339 date-time such as \"2026-12-01T08:00:00Z\"");
  Expect(R"({"format": 1, "version": 1, "extra": 1})", "1}",
         ", /extra: unknown key \"extra\" (expected format, version, issuedAt, levels, rules, "
         "description)");
  Expect(Bundle(Rule("a", kAge), 1, R"({"secondary": 50, "alert": 40})"), "40",
         ", /levels/alert: must be at least levels.secondary (50) and at most 1000000");
  Expect(Bundle(Rule("a", kAge), 1, R"({"secondary": 0, "alert": 40})"), "0,",
         ", /levels/secondary: must be greater than 0 and at most 1000000");
  Expect(Bundle(""), "[]", ", /rules: a bundle needs at least one rule");
  Expect(R"({"format": 1, "format": 1})", "\"format\"", ", /format: duplicate key in one object",
         RulesErrc::kInvalid, 1);
}

TEST_CASE("rule errors name the rule id") {
  Expect(Bundle(R"({"description": "d"})"), "{\"description", ", /rules/0: missing key \"id\"");
  Expect(Bundle(R"({"id": "-x"})"), "\"-x\"",
         ", /rules/0/id: a rule id is 1 to 64 characters A-Z a-z 0-9 _ . -, starting with a "
         "letter or digit");
  Expect(Bundle(Rule("a", kAge) + ",\n" + Rule("a", kAge)), "\"a\"",
         ", /rules/1/id (rule \"a\"): duplicate rule id (first at /rules/0)", RulesErrc::kInvalid,
         1);
  Expect(Bundle(Rule("a", kAge, R"(, "wieght": 3)")), "3,",
         ", /rules/0/wieght (rule \"a\"): unknown key \"wieght\" (expected id, description, "
         "category, weight, when, level, enabled)");
  Expect(Bundle(Rule("a", kAge, R"(, "level": "high")")), "\"high\"",
         ", /rules/0/level (rule \"a\"): must be \"secondary\" or \"alert\"");
  Expect(Bundle(R"({"id": "a", "description": "d", "category": "Test", "weight": 1,
                    "when": {}})"),
         "\"Test\"",
         ", /rules/0/category (rule \"a\"): a category is 1 to 32 characters a-z 0-9 _ -, "
         "starting with a letter");
  Expect(Bundle(R"({"id": "a", "description": "d", "category": "t", "weight": -1,
                    "when": {}})"),
         "-1,", ", /rules/0/weight (rule \"a\"): must be from 0 to 1000");
  Expect(Bundle(R"({"id": "a", "description": "d", "category": "t", "weight": "10",
                    "when": {}})"),
         "\"10\"", ", /rules/0/weight (rule \"a\"): must be a number, not a string");
  Expect(Bundle(R"({"id": "a", "description": "d", "category": "t", "weight": 1})"), "{\"id",
         ", /rules/0 (rule \"a\"): missing key \"when\"");
}

TEST_CASE("condition errors name the rule and the pointer into its condition") {
  auto expect = [](std::string_view when, std::string_view marker, std::string_view rest,
                   int nth = 0) {
    Expect(Bundle("\n" + Rule("r", when)), marker, rest, RulesErrc::kInvalid, nth);
  };
  expect(R"({"any": [{"field": "traveller.age", "op": "lt", "value": 1},
                     {"field": "traveller.age", "op": "gte", "value": 1}]})",
         "\"gte\"", ", /rules/0/when/any/1/op (rule \"r\"): unknown op \"gte\"");
  expect(R"({"field": "traveller.agee", "op": "lt", "value": 1})", "\"traveller.agee\"",
         ", /rules/0/when/field (rule \"r\"): unknown field \"traveller.agee\" (see "
         "docs/risk/rules.md)");
  expect(R"({"field": "document.number", "op": "lt", "value": "A"})", "\"lt\"",
         ", /rules/0/when/op (rule \"r\"): op \"lt\" does not apply to string field "
         "\"document.number\"");
  expect(R"({"field": "seal.read", "op": "eq", "value": []})", "\"eq\"",
         ", /rules/0/when/op (rule \"r\"): op \"eq\" does not apply to list field \"seal.read\"");
  expect(R"({"field": "traveller.age", "op": "lt", "value": "18"})", "\"18\"",
         ", /rules/0/when/value (rule \"r\"): must be a number, not a string");
  expect(R"({"field": "document.valid", "op": "isTrue", "value": true})", "true}",
         ", /rules/0/when/value (rule \"r\"): op \"isTrue\" takes no value");
  expect(R"({"field": "document.valid", "op": "eq"})", "{\"field",
         ", /rules/0/when (rule \"r\"): op \"eq\" needs a \"value\"");
  expect(R"({"field": "traveller.age", "op": "between", "value": [18, 1]})", "[18",
         ", /rules/0/when/value (rule \"r\"): between needs low <= high");
  expect(R"({"field": "chip.status", "op": "in", "value": ["passed", "pased"]})", "\"pased\"",
         ", /rules/0/when/value/1 (rule \"r\"): \"pased\" is not a value of \"chip.status\" "
         "(passed, failed, not_verified, no_chip)");
  expect(R"({"field": "document.number", "op": "in", "value": []})", "[]",
         ", /rules/0/when/value (rule \"r\"): must not be empty");
  expect(R"({"field": "seal.read", "op": "sameSet", "value": {"field": "traveller.age"}})",
         "\"traveller.age\"",
         ", /rules/0/when/value/field (rule \"r\"): expected a list field; \"traveller.age\" is a "
         "number");
  expect(R"({"count": {"history": "crossings", "key": "traveller.age", "days": 3},
             "op": "ge", "value": 1})",
         "\"traveller.age\"",
         ", /rules/0/when/count/key (rule \"r\"): a history key must be a string field; "
         "\"traveller.age\" is a number");
  expect(R"({"count": {"history": "crossings", "key": "document.number", "days": 0},
             "op": "ge", "value": 1})",
         "0},", ", /rules/0/when/count/days (rule \"r\"): must be an integer from 1 to 3650", 1);
  expect(R"({"count": {"history": "visits", "key": "document.number", "days": 1},
             "op": "ge", "value": 1})",
         "\"visits\"",
         ", /rules/0/when/count/history (rule \"r\"): must be \"crossings\" or \"refusals\"");
  expect(R"({"count": {"history": "crossings", "key": "document.number", "days": 1},
             "op": "exists"})",
         "\"exists\"", ", /rules/0/when/op (rule \"r\"): op \"exists\" does not apply to a count");
  expect(R"({"deviation": {"field": "document.number", "from": "traveller.age",
             "mode": "relative"}, "op": "gt", "value": 0.1})",
         "\"document.number\"",
         ", /rules/0/when/deviation/field (rule \"r\"): a deviation compares number fields; "
         "\"document.number\" is a string");
  expect(R"({"deviation": {"field": "traveller.age", "from": "traveller.age"}, "op": "gt",
             "value": 0.1})",
         "{\"field", ", /rules/0/when/deviation (rule \"r\"): missing key \"mode\"");
  expect(R"({"all": [], "any": []})", "{\"all",
         ", /rules/0/when (rule \"r\"): a condition has exactly one of \"all\", \"any\", \"not\" "
         "or is a predicate");
  expect(R"({"all": []})", "[]",
         ", /rules/0/when/all (rule \"r\"): must be a non-empty array of conditions");
  expect(R"({"not": "x"})", "\"x\"",
         ", /rules/0/when/not (rule \"r\"): a condition must be an object (all, any, not or a "
         "predicate), not a string");
  expect(R"({"op": "eq", "value": 1})", "{\"op",
         ", /rules/0/when (rule \"r\"): a condition needs \"all\", \"any\", \"not\", \"field\", "
         "\"deviation\" or \"count\"");
  expect(R"({"field": "traveller.age", "deviation": {}, "op": "eq", "value": 1})", "{\"field",
         ", /rules/0/when (rule \"r\"): a predicate has exactly one of \"field\", \"deviation\", "
         "\"count\"");
}

TEST_CASE("limits: depth, size, rule count, nesting of the JSON text") {
  std::string deep = kAge;
  for (std::size_t i = 0; i < kMaxConditionDepth; ++i) deep = R"({"not": )" + deep + "}";
  CHECK(ErrorOf(OneRule(deep), RulesErrc::kTooLarge)
            .ends_with("(rule \"r\"): conditions nested deeper than 16"));
  std::string ok = kAge;
  for (std::size_t i = 1; i < kMaxConditionDepth; ++i) ok = R"({"not": )" + ok + "}";
  CHECK(CompileBundle(OneRule(ok)));

  std::string wide = R"({"any": [)";
  for (std::size_t i = 0; i < kMaxNodesPerRule; ++i) wide += std::string(i ? "," : "") + kAge;
  CHECK(ErrorOf(OneRule(wide + "]}"), RulesErrc::kTooLarge)
            .ends_with("/rules/0/when/any/255 (rule \"r\"): more than 256 conditions in one rule"));

  std::string many;
  for (std::size_t i = 0; i <= kMaxRules; ++i) {
    many += (i ? "," : "") + Rule("r" + std::to_string(i), kAge);
  }
  Expect(Bundle(many), "[{", ", /rules: more than 1000 rules", RulesErrc::kTooLarge);

  CHECK(ErrorOf(std::string(kMaxBundleBytes + 1, ' '), RulesErrc::kTooLarge) ==
        "bundle of 1048577 bytes exceeds the limit of 1048576");
  CHECK(ErrorOf("{\"a\":\n" + std::string(100, '['), RulesErrc::kTooLarge) ==
        "line 2, column 64: JSON nested deeper than 64 levels");
  // Brackets inside strings are not nesting.
  CHECK(ErrorOf("{\"a\": \"" + std::string(100, '[') + "\"}")
            .ends_with(": unknown key \"a\" (expected format, version, issuedAt, levels, rules, "
                       "description)"));
}

TEST_CASE("pointer tokens with / and ~ are escaped and still located") {
  CHECK(ErrorOf("{\"format\": 1, \"version\": 1, \"issuedAt\": \"2026-12-01T08:00:00Z\",\n"
                "\"a/b~c\": 1}") ==
        "line 2, column 10, /a~1b~0c: unknown key \"a/b~c\" (expected format, version, issuedAt, "
        "levels, rules, description)");
}
