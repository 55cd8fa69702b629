#include "checkpoint/hal/protocols/ascii_weight.hpp"

#include <catch2/catch.hpp>
#include <random>

#include "decoder_test_util.hpp"

using namespace checkpoint::hal::protocols;

using checkpoint::testing::FeedAll;
using checkpoint::testing::Kinds;
using checkpoint::testing::Noise;

namespace {
using Out = std::vector<Decoded<WeightFrame>>;

WeightFrame Parse(std::string_view line) {
  auto r = ParseAsciiWeightLine(line);
  REQUIRE(r.has_value());
  REQUIRE(std::holds_alternative<WeightFrame>(*r));
  return std::get<WeightFrame>(*r);
}
const std::string kLine = "ST,GS,+0012345kg\r\n";  // A&D manual, gross example
}  // namespace

TEST_CASE("ASCII weight: A&D standard format examples", "[hal][ascii]") {
  auto g = Parse("ST,GS,+0012345kg");
  CHECK(g.weight == 12345);
  CHECK(g.unit == "kg");
  CHECK_FALSE((g.net || g.motion || g.out_of_range || g.tare_only || g.negative));
  auto n = Parse("ST,NT,+0010000kg");
  CHECK((n.net && n.weight == 10000));
  auto t = Parse("ST,TR,+0002345kg");
  CHECK((t.tare_only && t.tare == 2345 && t.weight == 0));
  auto d = Parse("ST,GS,+0123.45kg");
  CHECK(d.weight == Approx(123.45));
  CHECK(d.decimals == 2);
  auto u = Parse("US,GS,+0123.45kg");
  CHECK(u.motion);
  auto ol = Parse("OL,GS,+    .  kg");  // overload: digits blanked
  CHECK((ol.out_of_range && ol.weight == 0));
  auto under = Parse("OL,GS,-    .  kg");
  CHECK((under.out_of_range && under.negative));
  auto neg = Parse("ST,NT,-0012.34kg");  // AD-4404 example, negated
  CHECK((neg.negative && neg.weight == Approx(-12.34)));
}

TEST_CASE("ASCII weight: variants of other indicators", "[hal][ascii]") {
  CHECK(Parse("ST,GS,     0.0,kg").weight == 0);  // Dini Argeo
  CHECK(Parse("ST,GS,   245.6,kg").decimals == 1);
  CHECK(Parse("ST,+00123.45  g").unit == "g");  // balance: no second header
  CHECK(Parse(" ST , GS , +001234.5 kg ").weight == Approx(1234.5));
  CHECK(Parse("\x02ST,GS,+0012345kg").weight == 12345);
  CHECK(Parse("ST,N ,+0000100kg").net);
  CHECK(Parse("ST,G ,+0000100 t").unit == "t");
  CHECK(Parse("ST,GS,+0000100lb").unit == "lb");
  CHECK(Parse("ST,GS,+0000100KG").unit == "kg");
  CHECK(Parse("UL,GS,-0000100kg").out_of_range);
  CHECK(Parse("LO,GS,+0000100kg").out_of_range);
  CHECK(Parse("ST,GS,12.kg").decimals == 0);
  CHECK_FALSE(ParseAsciiWeightLine("   ").has_value());
}

TEST_CASE("ASCII weight: padding zeros are not significant digits", "[hal][ascii]") {
  // Twelve significant digits may be padded by any number of leading zeros (fuzzer
  // finding: ".919999999345" re-encodes as "+0.919999999345", which must read back).
  auto twelve = Parse("ST,GS,+0.919999999345kg");
  CHECK(twelve.decimals == 12);
  CHECK(twelve.weight == Approx(0.919999999345));
  CHECK(Parse("ST,GS,+000000000000123456789012kg").weight == 123456789012.0);
  CHECK(Parse("ST,GS,+0000000kg").weight == 0);  // zero, not blank
  CHECK(Parse("ST,GS,+0.000000000001kg").decimals == 12);
  auto thirteen = ParseAsciiWeightLine("ST,GS,+1234567890123kg");
  REQUIRE(thirteen.has_value());
  CHECK(std::holds_alternative<FrameError>(*thirteen));
  auto thirteen_decimals = ParseAsciiWeightLine("ST,GS,+0.0000000000001kg");
  REQUIRE(thirteen_decimals.has_value());
  CHECK(std::holds_alternative<FrameError>(*thirteen_decimals));

  const WeightFrame f{0.919999999345, 0, "kg", false, false, false, false, 12, 0, false};
  for (auto dialect : {AsciiDialect::kAnd, AsciiDialect::kDiniArgeo}) {
    auto bytes = EncodeAsciiWeight(f, dialect);
    REQUIRE(std::holds_alternative<std::string>(bytes));
    AsciiWeightDecoder d;
    auto out = FeedAll(d, std::get<std::string>(bytes));
    REQUIRE(Kinds(out) == "ok");
    CHECK(std::get<WeightFrame>(out[0]) == f);
  }
}

TEST_CASE("ASCII weight: malformed lines name the field, never the text", "[hal][ascii]") {
  const std::string_view lines[] = {"XX,GS,+0012345kg",
                                    "ST,XX,+0012345kg",
                                    "ST,GS,+12a45kg",
                                    "ST,GS,+12 345kg",
                                    "ST,GS,+1.2.3kg",
                                    "ST,GS,+0012345",
                                    "ST,GS,+0012345oz",
                                    "ST,GS,+    .  kg",
                                    "ST",
                                    "ST,GS,+1,kg,x",
                                    "ST,TR,-0000100kg",
                                    "ST,GS,+1234567890123kg",
                                    "ST,GS,++12kg",
                                    "ST,GS,+SECRET1kg",
                                    std::string_view("ST,GS,+00\0\0"
                                                     "345kg",
                                                     16),
                                    "ST,GS,+00\xff\xff"
                                    "345kg"};
  for (std::string_view line : lines) {
    auto r = ParseAsciiWeightLine(line);
    REQUIRE(r.has_value());
    REQUIRE(std::holds_alternative<FrameError>(*r));
    const auto& e = std::get<FrameError>(*r);
    CHECK(e.kind == "malformed");
    CHECK(e.detail.find("SECRET") == std::string::npos);
  }
  AsciiWeightDecoder d;  // a huge digit run that still fits the line
  CHECK(Kinds(FeedAll(d, "ST,GS,+" + std::string(50, '9') + "kg\r\n")) == "malformed");
}

TEST_CASE("ASCII weight: stream, overlong lines and blank lines", "[hal][ascii]") {
  AsciiWeightDecoder d;
  auto out = FeedAll(d, "\r\n" + kLine + "ST,GS,+" + std::string(200, '1') + "kg\r\n" + kLine +
                            "\n\nbad line\r\n" + kLine);
  CHECK(Kinds(out) == "ok,overlong,ok,malformed,ok");
  AsciiWeightDecoder small(AsciiWeightOptions{10});
  CHECK(Kinds(FeedAll(small, kLine + "ST,+1kg\r\n")) == "overlong,ok");
}

TEST_CASE("ASCII weight: byte-at-a-time equals whole feeding", "[hal][ascii]") {
  const std::string in = kLine + "US,NT,-0001.50 t\r" + "garbage\n" + kLine + "ST,GS,+1";
  AsciiWeightDecoder whole, bytewise;
  auto expected = FeedAll(whole, in);
  CHECK(Kinds(expected) == "ok,ok,malformed,ok");
  Out got;
  for (char c : in) bytewise.Feed(std::string_view(&c, 1), got);
  CHECK(got == expected);
  CHECK(whole.Reset()->kind == "truncated");
  CHECK(bytewise.Reset()->kind == "truncated");
}

TEST_CASE("ASCII weight: truncation at every byte position", "[hal][ascii]") {
  const std::size_t cr = kLine.find('\r');
  for (std::size_t k = 1; k < cr; ++k) {
    AsciiWeightDecoder d;
    CHECK(FeedAll(d, kLine.substr(0, k)).empty());
    auto e = d.Reset();
    REQUIRE(e.has_value());
    CHECK(e->kind == "truncated");
    CHECK(Kinds(FeedAll(d, kLine)) == "ok");
  }
  AsciiWeightDecoder d;
  CHECK(Kinds(FeedAll(d, kLine.substr(0, cr + 1))) == "ok");
  CHECK_FALSE(d.Reset().has_value());
}

TEST_CASE("ASCII weight: line noise and floods stay bounded", "[hal][ascii]") {
  AsciiWeightDecoder d;
  auto out = FeedAll(d, Noise(7, 64 * 1024));
  for (const auto& v : out) {
    if (auto* f = std::get_if<WeightFrame>(&v)) CHECK(KgPerUnit(f->unit).has_value());
  }
  CHECK(d.buffered() <= 64);
  out = FeedAll(d, "\r\n" + kLine);
  REQUIRE_FALSE(out.empty());
  CHECK(std::get<WeightFrame>(out.back()).weight == 12345);
  AsciiWeightDecoder flood;
  std::size_t errors = 0;
  for (int i = 0; i < 256; ++i) {
    errors += FeedAll(flood, std::string(4096, '5')).size();
    CHECK(flood.buffered() <= 64);
  }
  CHECK(errors == 1);
}

TEST_CASE("ASCII weight: encoder bytes and round trips", "[hal][ascii]") {
  WeightFrame g{12345, 0, "kg", false, false, false, false, 0, 0, false};
  CHECK(std::get<std::string>(EncodeAsciiWeight(g)) == kLine);
  WeightFrame n{-12.34, 0, "kg", true, true, true, false, 2, 0, false};
  CHECK(std::get<std::string>(EncodeAsciiWeight(n)) == "US,NT,-0012.34kg\r\n");
  WeightFrame t{0, 2345, "kg", false, false, false, false, 0, 0, true};
  CHECK(std::get<std::string>(EncodeAsciiWeight(t)) == "ST,TR,+0002345kg\r\n");
  WeightFrame ol{0, 0, "g", false, false, false, true, 2, 0, false};
  CHECK(std::get<std::string>(EncodeAsciiWeight(ol)) == "OL,GS,+    .   g\r\n");
  WeightFrame zero{0, 0, "kg", false, false, false, false, 1, 0, false};
  CHECK(std::get<std::string>(EncodeAsciiWeight(zero, AsciiDialect::kDiniArgeo)) ==
        "ST,GS,     0.0,kg\r\n");

  const WeightFrame frames[] = {g,
                                n,
                                t,
                                zero,
                                {0.05, 0, "t", false, false, false, false, 2, 0, false},
                                {123456789.5, 0, "lb", true, false, false, false, 1, 0, false}};
  for (auto dialect : {AsciiDialect::kAnd, AsciiDialect::kDiniArgeo}) {
    for (const auto& f : frames) {
      auto bytes = EncodeAsciiWeight(f, dialect);
      REQUIRE(std::holds_alternative<std::string>(bytes));
      AsciiWeightDecoder d;
      auto out = FeedAll(d, std::get<std::string>(bytes));
      REQUIRE(Kinds(out) == "ok");
      CHECK(std::get<WeightFrame>(out[0]) == f);
    }
  }
  auto fails = [](WeightFrame f) { return std::get<FrameError>(EncodeAsciiWeight(f)).kind; };
  CHECK(fails({1e13, 0, "kg", false, false, false, false, 0, 0, false}) == "out_of_range");
  CHECK(fails({1, 0, "kg", false, false, false, false, -1, 0, false}) == "out_of_range");
  CHECK(fails({1, 0, "oz", false, false, false, false, 0, 0, false}) == "unsupported");
}
