#include <catch2/catch.hpp>
#include <cmath>
#include <set>

#include "checkpoint/risk/facts.hpp"

using namespace checkpoint::risk;

TEST_CASE("the field catalogue is in slot order, named uniquely and found by name") {
  std::set<std::string_view> names;
  std::size_t i = 0;
  for (const auto& info : Catalogue()) {
    CHECK(static_cast<std::size_t>(info.field) == i++);
    CHECK(names.insert(info.name).second);
    CHECK(FindField(info.name) == info.field);
    CHECK(&Info(info.field) == &info);
    CHECK_FALSE(info.description.empty());
  }
  CHECK(names.size() == kFieldCount);
  CHECK_FALSE(FindField("traveller.Age"));  // case-sensitive
  CHECK_FALSE(FindField(""));
  CHECK(Info(Field::kChipStatus).allowed.size() == 4);
  CHECK(Info(Field::kContainerCodes).type == FieldType::kStringList);
}

TEST_CASE("facts start absent and hold typed values") {
  Facts f;
  for (const auto& info : Catalogue()) CHECK_FALSE(f.Has(info.field));
  f.Set(fields::kTravellerAge, 17.0)
      .Set(fields::kDocumentNumber, "L898902C3")
      .Set(fields::kTravellerAccompanied, false)
      .Set(fields::kSealRead, {"S1", "S2"});
  REQUIRE(f.Number(Field::kTravellerAge));
  CHECK(*f.Number(Field::kTravellerAge) == 17.0);
  CHECK(*f.String(Field::kDocumentNumber) == "L898902C3");
  CHECK_FALSE(*f.Bool(Field::kTravellerAccompanied));
  CHECK(f.List(Field::kSealRead)->size() == 2);
  CHECK(f.String(Field::kTravellerAge) == nullptr);  // typed read of the wrong type
  f.Clear(Field::kTravellerAge);
  CHECK_FALSE(f.Has(Field::kTravellerAge));
}

TEST_CASE("a non-finite number is stored as absent") {
  Facts f;
  f.Set(fields::kCargoMeasuredWeightKg, std::nan(""));
  CHECK_FALSE(f.Has(Field::kCargoMeasuredWeightKg));
  f.Set(fields::kCargoMeasuredWeightKg, 1.0).Set(fields::kCargoMeasuredWeightKg, HUGE_VAL);
  CHECK_FALSE(f.Has(Field::kCargoMeasuredWeightKg));
  CHECK(f.Set("cargo.measuredWeightKg", -HUGE_VAL));
  CHECK_FALSE(f.Has(Field::kCargoMeasuredWeightKg));
}

TEST_CASE("setting by name checks the name and the type") {
  Facts f;
  CHECK(f.Set("chip.status", std::string("passed")));
  CHECK(*f.String(Field::kChipStatus) == "passed");
  auto bad_type = f.Set("traveller.age", std::string("17"));
  REQUIRE_FALSE(bad_type);
  CHECK(bad_type.error().message() == "fact field \"traveller.age\" is a number, not a string");
  auto bad_name = f.Set("traveller.agee", 17.0);
  REQUIRE_FALSE(bad_name);
  CHECK(bad_name.error().message() == "unknown fact field \"traveller.agee\"");
  CHECK(f.Set("seal.read", std::vector<std::string>{"A"}));
  CHECK(f.Set("seal.read", std::monostate{}));
  CHECK_FALSE(f.Has(Field::kSealRead));
}

TEST_CASE("fact values format as evidence text") {
  CHECK(FormatFactValue(FactValue{}) == "absent");
  CHECK(FormatFactValue(0.25) == "0.25");
  CHECK(FormatFactValue(82.0) == "82");
  CHECK(FormatFactValue(true) == "true");
  CHECK(FormatFactValue(std::string("FRA")) == "FRA");
  CHECK(FormatFactValue(std::vector<std::string>{"A", "B"}) == "[A, B]");
  CHECK(FormatFactValue(std::vector<std::string>{}) == "[]");
}
