#include "checkpoint/common/error.hpp"

#include <catch2/catch.hpp>

using namespace checkpoint;

namespace {
Expected<int> Parse(const std::string& s) {
  if (s.empty()) return MakeError(CommonErrc::kParse, "empty input");
  return static_cast<int>(s.size());
}
Expected<int> Outer(const std::string& s) {
  auto r = Parse(s);
  if (!r) return std::move(r).error().WithContext("while reading the scanner");
  return *r * 2;
}
}  // namespace

TEST_CASE("Expected holds a value or an error", "[common][error]") {
  auto ok = Outer("abc");
  REQUIRE(ok.has_value());
  CHECK(*ok == 6);

  auto bad = Outer("");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().Is(CommonErrc::kParse));
  CHECK(bad.error().message() == "while reading the scanner: empty input");
  CHECK(bad.error().String().find("[common: parse error]") != std::string::npos);
  CHECK(bad.value_or(-1) == -1);
}

TEST_CASE("error conditions compare by category", "[common][error]") {
  Error e = MakeError(CommonErrc::kTimeout, "x");
  CHECK(e.code() == CommonErrc::kTimeout);
  CHECK(e.code() != CommonErrc::kIo);
  Error io = ErrnoError("open /nope", ENOENT);
  CHECK(io.Is(CommonErrc::kNotFound));
  CHECK(io.message().find("No such file") != std::string::npos);
}

TEST_CASE("Expected<void> and move-only values", "[common][error]") {
  Status ok;
  CHECK(ok.has_value());
  Status bad = MakeError(CommonErrc::kIo, "disk");
  CHECK_FALSE(bad);
  Expected<std::unique_ptr<int>> p = std::make_unique<int>(7);
  REQUIRE(p);
  std::unique_ptr<int> taken = std::move(p).value();
  CHECK(*taken == 7);
}

TEST_CASE("an Expected is never built from another Expected", "[common][error]") {
  // A failed Status would otherwise become the value `false` of an Expected<bool>
  // through its explicit operator bool (a bug found in certificate renewal).
  STATIC_REQUIRE_FALSE(std::is_constructible_v<checkpoint::Expected<bool>, checkpoint::Status>);
  STATIC_REQUIRE_FALSE(
      std::is_convertible_v<checkpoint::Expected<int>, checkpoint::Expected<bool>>);
  STATIC_REQUIRE(std::is_constructible_v<checkpoint::Expected<bool>, bool>);
  STATIC_REQUIRE(std::is_constructible_v<checkpoint::Expected<long>, int>);
}
