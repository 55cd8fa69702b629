// The customs declarations file ([risk] declarations): what parses, and garbage,
// truncation and hostile values refused with the line named; the demo's file; and
// InMemoryDeclarations' lookup and reload.
#include "checkpoint/inspection/declarations.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace checkpoint;
using namespace checkpoint::inspection;

namespace {
std::string Refusal(std::string_view text) {
  auto d = ParseDeclarations(text, "decl.jsonl");
  REQUIRE_FALSE(d);
  CHECK(d.error().Is(CommonErrc::kParse));
  return d.error().message();
}
}  // namespace

TEST_CASE("declarations: JSON lines with comments parse to declarations", "[inspection]") {
  auto d = ParseDeclarations(
      "# a comment\n\n"
      "{\"id\": \"MRN-1\", \"plate\": \"BC7781AK\", \"grossWeightKg\": 9800.5, "
      "\"seals\": [\"PL0099812\"]}\r\n"
      "  {\"id\": \"MRN-2\", \"containerCodes\": [\"CSQU3054383\"]}",
      "decl.jsonl");
  REQUIRE(d);
  REQUIRE(d->size() == 2);
  CHECK((*d)[0].id == "MRN-1");
  CHECK((*d)[0].plate == "BC7781AK");
  CHECK((*d)[0].gross_weight_kg == 9800.5);
  CHECK((*d)[0].seals == std::vector<std::string>{"PL0099812"});
  CHECK((*d)[0].container_codes.empty());
  CHECK((*d)[1].container_codes == std::vector<std::string>{"CSQU3054383"});
  CHECK_FALSE((*d)[1].gross_weight_kg);
  CHECK(ParseDeclarations("", "empty")->empty());
}

TEST_CASE("declarations: garbage, truncation and hostile values are refused by line",
          "[inspection]") {
  CHECK(Refusal("{\"id\": \"A\", \"plate\": \"X1\"}\nnot json") ==
        "decl.jsonl line 2: not a JSON object");
  CHECK(Refusal("{\"id\": \"A\", \"plate\": \"X1\"") == "decl.jsonl line 1: not a JSON object");
  CHECK(Refusal("[1, 2]") == "decl.jsonl line 1: not a JSON object");
  CHECK(Refusal("{\"plate\": \"X1\"}") == "decl.jsonl line 1: missing \"id\"");
  CHECK(Refusal("{\"id\": \"A\"}").find("needs a \"plate\"") != std::string::npos);
  CHECK(Refusal("{\"id\": \"A\", \"plate\": \"X1\", \"grossWeight\": 1}") ==
        "decl.jsonl line 1: unknown key \"grossWeight\"");
  CHECK(Refusal("{\"id\": 7, \"plate\": \"X1\"}") == "decl.jsonl line 1: \"id\" must be a string");
  for (const char* w : {"0", "-5", "500001", "1e308", "\"9800\"", "null", "true"}) {
    INFO(w);
    CHECK(Refusal(std::string("{\"id\": \"A\", \"plate\": \"X1\", \"grossWeightKg\": ") + w + "}")
              .find("grossWeightKg") != std::string::npos);
  }
  CHECK(Refusal("{\"id\": \"" + std::string(65, 'A') + "\", \"plate\": \"X1\"}")
            .find("longer than 64") != std::string::npos);
  CHECK(Refusal("{\"id\": \"A\", \"seals\": \"S1\", \"plate\": \"X1\"}").find("must be an array") !=
        std::string::npos);
  CHECK(Refusal("{\"id\": \"A\", \"plate\": \"X1\", \"seals\": [\"\"]}").find("empty entry") !=
        std::string::npos);
  CHECK(Refusal("{\"id\": \"A\", \"plate\": \"X1\", \"seals\": [1]}").find("must be a string") !=
        std::string::npos);
  std::string many = "{\"id\": \"A\", \"plate\": \"X1\", \"seals\": [";
  for (int i = 0; i < 65; ++i) many += std::string(i ? "," : "") + "\"S\"";
  CHECK(Refusal(many + "]}").find("more than 64") != std::string::npos);
  // Invalid UTF-8 and a NUL inside a line.
  CHECK(Refusal("{\"id\": \"\xff\xfe\", \"plate\": \"X1\"}").starts_with("decl.jsonl line 1"));
  CHECK(Refusal(std::string("{\"id\": \"A\"\0, \"plate\": \"X1\"}", 27))
            .starts_with("decl.jsonl line 1"));
  // Too many lines.
  std::string lines;
  for (int i = 0; i < 100'001; ++i) lines += "#\n";
  CHECK(Refusal(lines).find("more than 100000 lines") != std::string::npos);
}

TEST_CASE("declarations: the demo's file declares the second truck lighter than it weighs",
          "[inspection]") {
  auto d = LoadDeclarations(CHECKPOINT_DEMO_DECLARATIONS);
  REQUIRE(d);
  InMemoryDeclarations all;
  all.Replace(std::move(*d));
  auto truck = all.Find("L1", "BC7781AK", {});
  REQUIRE(truck);
  REQUIRE(truck->gross_weight_kg);
  // The scenario's weighbridge measures 12960 kg: over the 10 % of cargo.weightDeviation.
  CHECK((12960 - *truck->gross_weight_kg) / *truck->gross_weight_kg > 0.1);
  CHECK_FALSE(all.Find("L1", "AA1234BB", {}));
  all.Replace({});
  CHECK_FALSE(all.Find("L1", "BC7781AK", {}));
  CHECK_FALSE(LoadDeclarations("/nonexistent/declarations.jsonl"));
}
