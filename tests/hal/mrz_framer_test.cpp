#include "checkpoint/hal/protocols/mrz_framer.hpp"

#include <catch2/catch.hpp>
#include <random>

#include "decoder_test_util.hpp"

using namespace checkpoint::hal::protocols;

using checkpoint::testing::FeedAll;
using checkpoint::testing::Kinds;
using checkpoint::testing::Noise;

namespace {
using Out = std::vector<Decoded<MrzDocument>>;
using Lines = std::vector<std::string>;

std::string DetailOf(const Out& out) {
  REQUIRE(out.size() == 1);
  REQUIRE(std::holds_alternative<FrameError>(out[0]));
  return std::get<FrameError>(out[0]).detail;
}

// ICAO Doc 9303 specimens (Parts 4, 5 and 6).
const Lines kTd3 = {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                    "L898902C36UTO7408122F1204159ZE184226B<<<<<10"};
const Lines kTd1 = {"I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6",
                    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"};
const Lines kTd2 = {"I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"};
const std::string kTd3Wire = kTd3[0] + "\r\n" + kTd3[1] + "\r\n\r\n";
}  // namespace

TEST_CASE("MRZ: TD3, TD1 and TD2 documents with either terminator", "[hal][mrz]") {
  MrzFramer f;
  auto out = FeedAll(f, kTd3Wire + kTd1[0] + "\r\n" + kTd1[1] + "\r\n" + kTd1[2] + "\x03" +
                            kTd2[0] + "\n" + kTd2[1] + "\n\n");
  REQUIRE(Kinds(out) == "ok,ok,ok");
  CHECK(std::get<MrzDocument>(out[0]).lines == kTd3);
  CHECK(std::get<MrzDocument>(out[1]).lines == kTd1);
  CHECK(std::get<MrzDocument>(out[2]).lines == kTd2);
}

TEST_CASE("MRZ: STX, spaces and blank lines are ignored", "[hal][mrz]") {
  MrzFramer f;
  auto out = FeedAll(f, "\r\n\r\n\x02" + kTd3[0] + "  \r\n  " + kTd3[1] + "\r\n\r\n\r\n\x03\x03" +
                            " \x02 " + kTd3[0] + "\r" + kTd3[1] + "\r\n\x03");
  REQUIRE(Kinds(out) == "ok,ok");
  CHECK(std::get<MrzDocument>(out[0]).lines == kTd3);
  CHECK(std::get<MrzDocument>(out[1]).lines == kTd3);
}

TEST_CASE("MRZ: malformed documents say where, never what", "[hal][mrz]") {
  MrzFramer f;
  CHECK(DetailOf(FeedAll(f, kTd3[0] + "\r\n" + kTd3[1].substr(1) + "\r\n\r\n")) ==
        "line 2: wrong length 43 (expected 44)");
  std::string lower = kTd3[1];
  lower[4] = 'x';
  CHECK(DetailOf(FeedAll(f, kTd3[0] + "\r\n" + lower + "\x03")) ==
        "line 2: bad character at position 5");
  CHECK(DetailOf(FeedAll(f, kTd3[0] + "\r\n\r\n")) == "document has 1 lines (expected 2 or 3)");
  CHECK(DetailOf(FeedAll(f, kTd3[0].substr(0, 40) + "\r\n" + kTd3[1] + "\x03")) ==
        "line 1: wrong length 40 (expected 36 or 44)");
  CHECK(DetailOf(FeedAll(f, kTd1[0] + "\n" + kTd1[1] + "\n" + kTd1[2].substr(1) + "\n\n")) ==
        "line 3: wrong length 29 (expected 30)");
  CHECK(DetailOf(FeedAll(f, kTd2[0] + "\n" + kTd3[1] + "\n\n")) ==
        "line 2: wrong length 44 (expected 36)");
  std::string hostile = kTd1[2];
  hostile[0] = '\0';
  hostile[29] = '\xff';
  const auto detail = DetailOf(FeedAll(f, kTd1[0] + "\n" + kTd1[1] + "\n" + hostile + "\x03"));
  CHECK(detail == "line 3: bad character at position 1");
  CHECK(detail.find("ERIKSSON") == std::string::npos);
  CHECK(Kinds(FeedAll(f, kTd3Wire)) == "ok");  // and the next document is fine
}

TEST_CASE("MRZ: too many lines is reported once, up to the terminator", "[hal][mrz]") {
  MrzFramer f;
  auto out = FeedAll(f, kTd1[0] + "\n" + kTd1[1] + "\n" + kTd1[2] + "\n" + kTd1[2] + "\n" +
                            kTd1[2] + "\n\n" + kTd3Wire);
  CHECK(Kinds(out) == "overlong,ok");
  CHECK(Kinds(FeedAll(f, "A\nB\nC\nD\nE\x03" + kTd3Wire)) == "overlong,ok");

  MrzFramer two(MrzFramerOptions{96, 2});
  CHECK(Kinds(FeedAll(two, kTd1[0] + "\n" + kTd1[1] + "\n" + kTd1[2] + "\n\n" + kTd3Wire)) ==
        "overlong,ok");
  MrzFramer four(MrzFramerOptions{96, 4});
  CHECK(Kinds(FeedAll(four, "A\nB\nC\nD\n\n" + kTd3Wire)) == "malformed,ok");
}

TEST_CASE("MRZ: an overlong line drops the document so far", "[hal][mrz]") {
  MrzFramer f;
  CHECK(Kinds(FeedAll(f, kTd3[0] + "\r\n" + std::string(500, '<') + "\r\n\r\n" + kTd3Wire)) ==
        "overlong,ok");
  MrzFramer narrow(MrzFramerOptions{40, 3});
  CHECK(Kinds(FeedAll(narrow, kTd3Wire + kTd1[0] + "\n" + kTd1[1] + "\n" + kTd1[2] + "\n\n")) ==
        "overlong,overlong,ok");
}

TEST_CASE("MRZ: byte-at-a-time equals whole feeding", "[hal][mrz]") {
  const std::string in =
      kTd3Wire + "junk\r\n\r\n" + kTd1[0] + "\r\n" + kTd1[1] + "\r\n" + kTd1[2] + "\x03" + kTd3[0];
  MrzFramer whole, bytewise;
  auto expected = FeedAll(whole, in);
  CHECK(Kinds(expected) == "ok,malformed,ok");
  Out got;
  for (char c : in) bytewise.Feed(std::string_view(&c, 1), got);
  CHECK(got == expected);
}

TEST_CASE("MRZ: truncation at every byte position", "[hal][mrz]") {
  const std::string wire = EncodeMrz(kTd1, true);
  for (std::size_t k = 1; k < wire.size(); ++k) {
    MrzFramer f;
    CHECK(FeedAll(f, wire.substr(0, k)).empty());
    auto e = f.Reset();
    REQUIRE(e.has_value());
    CHECK(e->kind == "truncated");
    CHECK(f.buffered() == 0);
    CHECK(Kinds(FeedAll(f, wire)) == "ok");
  }
  MrzFramer f;
  CHECK(Kinds(FeedAll(f, wire)) == "ok");
  CHECK_FALSE(f.Reset().has_value());
}

TEST_CASE("MRZ: line noise and floods stay bounded", "[hal][mrz]") {
  MrzFramer f;
  auto out = FeedAll(f, Noise(1303, 64 * 1024));
  for (const auto& v : out) {
    if (auto* d = std::get_if<MrzDocument>(&v))
      CHECK((d->lines.size() == 2 || d->lines.size() == 3));
  }
  CHECK(f.buffered() <= 96 * 4);
  out = FeedAll(f, "\r\n\r\n" + kTd3Wire);
  REQUIRE_FALSE(out.empty());
  CHECK(std::get<MrzDocument>(out.back()).lines == kTd3);

  MrzFramer flood;
  std::size_t errors = 0;
  for (int i = 0; i < 256; ++i) {
    errors += FeedAll(flood, std::string(4096, '<')).size();
    CHECK(flood.buffered() <= 96);
  }
  CHECK(errors == 1);
}

TEST_CASE("MRZ: encoder round trips", "[hal][mrz]") {
  CHECK(EncodeMrz(kTd3, false) == kTd3Wire);
  CHECK(EncodeMrz(kTd2, true) == kTd2[0] + "\r\n" + kTd2[1] + "\x03");
  for (const auto& lines : {kTd3, kTd1, kTd2}) {
    for (bool etx : {false, true}) {
      MrzFramer f;
      auto out = FeedAll(f, EncodeMrz(lines, etx));
      REQUIRE(Kinds(out) == "ok");
      CHECK(std::get<MrzDocument>(out[0]).lines == lines);
    }
  }
}
