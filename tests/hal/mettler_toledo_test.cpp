#include "checkpoint/hal/protocols/mettler_toledo.hpp"

#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "decoder_test_util.hpp"

using namespace checkpoint::hal::protocols;

using checkpoint::testing::FeedAll;
using checkpoint::testing::Kinds;
using checkpoint::testing::Noise;

namespace {
using Out = std::vector<Decoded<WeightFrame>>;

Out FeedBytewise(MettlerToledoDecoder& d, std::string_view in) {
  Out out;
  for (char c : in) d.Feed(std::string_view(&c, 1), out);
  return out;
}
// "ok" for a frame, the error kind otherwise: the shape of an output at a glance.
const WeightFrame& FrameAt(const Out& out, std::size_t i) {
  return std::get<WeightFrame>(out.at(i));
}

// A frame built by hand (not by the encoder under test), checksum appended.
std::string Frame(char swa, char swb, char swc, std::string_view weight, std::string_view tare,
                  bool checksum = true) {
  std::string f =
      std::string("\x02") + swa + swb + swc + std::string(weight) + std::string(tare) + "\r";
  if (checksum) {
    unsigned sum = 0;
    for (char c : f) sum += static_cast<unsigned char>(c);
    f.push_back(static_cast<char>((128 - sum % 128) % 128));
  }
  return f;
}

// Worked examples (checksums computed independently): 12340 kg gross, stable, x1;
// 12.34 kg net with 5.00 kg tare, two decimals.
const std::string kGross = std::string("\x02*0 012340000000\r-");
const std::string kNet = std::string("\x02,1 001234000500\r%");
}  // namespace

TEST_CASE("Mettler Toledo: worked frames decode", "[hal][mettler]") {
  MettlerToledoDecoder d;
  auto out = FeedAll(d, kGross + kNet);
  REQUIRE(Kinds(out) == "ok,ok");
  const auto& g = FrameAt(out, 0);
  CHECK(g.weight == 12340);
  CHECK(g.tare == 0);
  CHECK(g.unit == "kg");
  CHECK(g.decimals == 0);
  CHECK(g.increment == 1);
  CHECK_FALSE((g.net || g.negative || g.motion || g.out_of_range));
  const auto& n = FrameAt(out, 1);
  CHECK(n.weight == Approx(12.34));
  CHECK(n.tare == Approx(5.0));
  CHECK(n.net);
  CHECK(n.decimals == 2);
}

TEST_CASE("Mettler Toledo: SWA places the decimal point and gives the increment",
          "[hal][mettler]") {
  const double expected[] = {123400, 12340, 1234, 123.4, 12.34, 1.234, 0.1234, 0.01234};
  for (int code = 0; code < 8; ++code) {
    MettlerToledoDecoder d;
    auto out = FeedAll(d, Frame(static_cast<char>(0x28 | code), '0', ' ', "001234", "000000"));
    REQUIRE(Kinds(out) == "ok");
    CHECK(FrameAt(out, 0).weight == Approx(expected[code]));
    CHECK(FrameAt(out, 0).decimals == code - 2);
  }
  const int increments[] = {0, 1, 2, 5};
  for (int code = 0; code < 4; ++code) {
    MettlerToledoDecoder d;
    auto out = FeedAll(d, Frame(static_cast<char>(0x22 | code << 3), '0', ' ', "001234", "000000"));
    CHECK(FrameAt(out, 0).increment == increments[code]);
  }
}

TEST_CASE("Mettler Toledo: SWB flags and SWC units", "[hal][mettler]") {
  MettlerToledoDecoder d;
  auto f = [&](char swb, char swc) {
    auto out = FeedAll(d, Frame('*', swb, swc, "000100", "000000"));
    REQUIRE(Kinds(out) == "ok");
    return FrameAt(out, 0);
  };
  CHECK(f('\x22', ' ').negative);
  CHECK(f('\x22', ' ').weight == -100);
  CHECK(f('\x24', ' ').out_of_range);
  CHECK(f('\x28', ' ').motion);
  CHECK(f('\x20', ' ').unit == "lb");
  CHECK(f('\x30', '!').unit == "g");
  CHECK(f('\x30', '"').unit == "t");
  auto out = FeedAll(d, Frame('*', '0', '#', "000100", "000000"));  // SWC 3: ounces
  CHECK(Kinds(out) == "unsupported");
  MettlerToledoOptions no_swc;
  no_swc.bits.swc_unit = false;
  MettlerToledoDecoder clone(no_swc);
  out = FeedAll(clone, Frame('*', '0', '#', "000100", "000000"));
  REQUIRE(Kinds(out) == "ok");
  CHECK(FrameAt(out, 0).unit == "kg");
}

TEST_CASE("Mettler Toledo: a clone's bit map, polarity included", "[hal][mettler]") {
  MettlerToledoOptions o;
  o.bits.motion = StatusBit{1, 6, false};  // bit 6 of SWB, 0 = motion
  o.bits.kg = StatusBit{2, 4, true};       // bit 4 of SWC
  o.bits.net = StatusBit{9, 0, true};      // nonsense position: never set
  MettlerToledoDecoder d(o);
  auto out = FeedAll(d, Frame('*', '\x21', '\x30', "000100", "000000"));
  REQUIRE(Kinds(out) == "ok");
  CHECK(FrameAt(out, 0).motion);
  CHECK(FrameAt(out, 0).unit == "kg");
  CHECK_FALSE(FrameAt(out, 0).net);
  WeightFrame w{42, 0, "kg", false, false, true, false, 0, 1, false};
  auto bytes = EncodeMettlerToledo(w, o);
  REQUIRE(std::holds_alternative<std::string>(bytes));
  out = FeedAll(d, std::get<std::string>(bytes));
  REQUIRE(Kinds(out) == "ok");
  CHECK(FrameAt(out, 0) == w);
}

TEST_CASE("Mettler Toledo: checksum option both ways", "[hal][mettler]") {
  MettlerToledoOptions plain;
  plain.checksum = false;
  const std::string bare = Frame('*', '0', ' ', "012340", "000000", false);
  MettlerToledoDecoder without(plain);
  CHECK(Kinds(FeedAll(without, bare + bare)) == "ok,ok");
  // Misconfigurations are visible, not silent.
  CHECK(Kinds(FeedAll(without, kGross + kGross)) == "ok,garbage,ok,garbage");
  MettlerToledoDecoder with;
  CHECK(Kinds(FeedAll(with, bare + bare + bare)) == "checksum,checksum");
  CHECK(with.Reset()->kind == "truncated");
  std::string bad = kGross;
  bad.back() = static_cast<char>(bad.back() + 1);
  CHECK(Kinds(FeedAll(with, bad + kNet)) == "checksum,ok");
}

TEST_CASE("Mettler Toledo: digits, blanks and malformed fields", "[hal][mettler]") {
  MettlerToledoDecoder d;
  auto out = FeedAll(d, Frame('*', '0', ' ', "  1234", "      "));
  REQUIRE(Kinds(out) == "ok");
  CHECK(FrameAt(out, 0).weight == 1234);
  CHECK(FrameAt(out, 0).tare == 0);
  const std::string_view bad_fields[] = {"      ",
                                         "12 345",
                                         "-01234",
                                         "1234  ",
                                         std::string_view("12\0\0"
                                                          "34",
                                                          6),
                                         "\xff\xff\xff\xff\xff\xff"};
  for (std::string_view w : bad_fields) {
    CHECK(Kinds(FeedAll(d, Frame('*', '0', ' ', w, "000000"))) == "malformed");
  }
  CHECK(Kinds(FeedAll(d, Frame('*', '0', ' ', "000001", "00000x"))) == "malformed");
  // A CR too early, or none at byte 17; the rest of the broken frame is the same fault.
  CHECK(Kinds(FeedAll(d, std::string("\x02*0 0123\r-junk") + kNet)) == "malformed,ok");
  CHECK(Kinds(FeedAll(d, std::string("\x02*0 0123400000000X-") + kNet)) == "malformed,ok");
}

TEST_CASE("Mettler Toledo: garbage is one error per run", "[hal][mettler]") {
  MettlerToledoDecoder d;
  Out out = FeedAll(d, "noise");
  d.Feed("more noise\r\n", out);
  d.Feed(kGross + "\r\n" + kNet, out);
  CHECK(Kinds(out) == "garbage,ok,garbage,ok");
  CHECK(d.buffered() == 0);
}

TEST_CASE("Mettler Toledo: truncation at every byte position", "[hal][mettler]") {
  for (std::size_t k = 1; k < kGross.size(); ++k) {
    MettlerToledoDecoder d;
    CHECK(FeedAll(d, kGross.substr(0, k)).empty());
    auto e = d.Reset();
    REQUIRE(e.has_value());
    CHECK(e->kind == "truncated");
    CHECK(Kinds(FeedAll(d, kGross)) == "ok");
    // Cut off by the next frame instead of a disconnect.
    MettlerToledoDecoder cut;
    // Only its checksum missing, the next STX is taken for the checksum and fails it.
    const char* expected = k + 1 == kGross.size() ? "checksum,ok" : "truncated,ok";
    CHECK(Kinds(FeedAll(cut, kGross.substr(0, k) + kNet)) == expected);
  }
  MettlerToledoDecoder idle;
  CHECK_FALSE(idle.Reset().has_value());
  CHECK(Kinds(FeedAll(idle, "zz")) == "garbage");
  CHECK_FALSE(idle.Reset().has_value());
}

TEST_CASE("Mettler Toledo: byte-at-a-time equals whole feeding", "[hal][mettler]") {
  const std::string in = "junk" + kGross + kNet.substr(0, 9) + kNet + "\x02*0 12\r" + kGross;
  MettlerToledoDecoder whole, bytewise;
  auto expected = FeedAll(whole, in);
  CHECK(Kinds(expected) == "garbage,ok,truncated,ok,malformed,ok");
  CHECK(FeedBytewise(bytewise, in) == expected);
}

TEST_CASE("Mettler Toledo: 7-bit data with parity read as 8 bits", "[hal][mettler]") {
  std::string parity = kGross;
  for (char& c : parity) {
    auto b = static_cast<unsigned char>(c);
    if (std::popcount(b) % 2 != 0) c = static_cast<char>(b | 0x80);  // even parity
  }
  MettlerToledoDecoder d;
  CHECK(Kinds(FeedAll(d, parity)) == "ok");
  MettlerToledoOptions raw;
  raw.strip_parity = false;
  MettlerToledoDecoder strict(raw);
  CHECK(Kinds(FeedAll(strict, parity)) != "ok");
}

TEST_CASE("Mettler Toledo: line noise and floods stay bounded", "[hal][mettler]") {
  const std::string noise = Noise(20240601, 64 * 1024);
  MettlerToledoDecoder d;
  Out out = FeedAll(d, noise);
  std::size_t stx = 0, garbage = 0;
  for (char c : noise) stx += (static_cast<unsigned char>(c) & 0x7F) == 0x02;
  for (const auto& v : out) {
    if (auto* f = std::get_if<WeightFrame>(&v)) {
      CHECK(f->decimals >= -2);
      CHECK(f->decimals <= 5);
      CHECK(std::abs(f->weight) <= 99999900.0);
    } else {
      garbage += std::get<FrameError>(v).kind == "garbage";
    }
  }
  CHECK(garbage <= stx + 1);
  CHECK(d.buffered() <= MettlerToledoDecoder::kFrameSize);
  out = FeedAll(d, kGross);
  REQUIRE_FALSE(out.empty());
  CHECK(std::get<WeightFrame>(out.back()).weight == 12340);

  MettlerToledoDecoder flood;
  std::size_t errors = 0;
  for (int i = 0; i < 256; ++i) {
    errors += FeedAll(flood, std::string(4096, '7')).size();
    CHECK(flood.buffered() <= MettlerToledoDecoder::kFrameSize);
  }
  CHECK(errors == 1);
}

TEST_CASE("Mettler Toledo: encoder bytes and round trips", "[hal][mettler]") {
  WeightFrame gross{12340, 0, "kg", false, false, false, false, 0, 1, false};
  CHECK(std::get<std::string>(EncodeMettlerToledo(gross)) == kGross);
  WeightFrame net{12.34, 5, "kg", true, false, false, false, 2, 1, false};
  CHECK(std::get<std::string>(EncodeMettlerToledo(net)) == kNet);

  MettlerToledoOptions plain;
  plain.checksum = false;
  const WeightFrame frames[] = {
      {-0.125, 0.5, "t", true, true, true, false, 3, 5, false},
      {4500, 0, "lb", false, false, false, true, -2, 2, false},
      {999990, 10, "kg", false, false, false, false, -1, 1, false},
      {0.00001, 0, "g", false, false, false, false, 5, 1, false},
      {0, 0, "kg", false, false, false, false, 0, 0, false},  // increment bits 00
  };
  for (const auto& options : {MettlerToledoOptions{}, plain}) {
    for (const auto& f : frames) {
      MettlerToledoDecoder d(options);
      auto bytes = EncodeMettlerToledo(f, options);
      REQUIRE(std::holds_alternative<std::string>(bytes));
      auto out = FeedAll(d, std::get<std::string>(bytes));
      REQUIRE(Kinds(out) == "ok");
      CHECK(FrameAt(out, 0) == f);
    }
  }
  auto fails = [](WeightFrame f) { return std::get<FrameError>(EncodeMettlerToledo(f)).kind; };
  CHECK(fails({1000000, 0, "kg", false, false, false, false, 0, 1, false}) == "out_of_range");
  CHECK(fails({1, 0, "kg", false, false, false, false, 6, 1, false}) == "out_of_range");
  CHECK(fails({1, 0, "oz", false, false, false, false, 0, 1, false}) == "unsupported");
  CHECK(fails({1, 0, "kg", false, false, false, false, 0, 3, false}) == "unsupported");
}
