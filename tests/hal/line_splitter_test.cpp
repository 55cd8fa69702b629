#include "checkpoint/hal/protocols/line_splitter.hpp"

#include <catch2/catch.hpp>

using namespace checkpoint::hal::protocols;

namespace {
std::vector<Decoded<Line>> Split(LineSplitter& s, std::string_view in) {
  std::vector<Decoded<Line>> out;
  s.Feed(in, out);
  return out;
}
std::string TextOf(const Decoded<Line>& d) {
  return std::get<Line>(d).text;
}
}  // namespace

TEST_CASE("CR, LF and CR LF each end one line, empty lines are kept", "[hal][lines]") {
  LineSplitter s(64);
  auto out = Split(s, "A\r\nB\nC\r\rD\n\n");
  REQUIRE(out.size() == 6);
  CHECK(TextOf(out[0]) == "A");
  CHECK(TextOf(out[1]) == "B");
  CHECK(TextOf(out[2]) == "C");
  CHECK(TextOf(out[3]).empty());  // the second CR
  CHECK(TextOf(out[4]) == "D");
  CHECK(TextOf(out[5]).empty());
}

TEST_CASE("a CR LF pair split across reads is one terminator", "[hal][lines]") {
  LineSplitter s(64);
  auto a = Split(s, "P<UTO\r");
  auto b = Split(s, "\nNEXT\n");
  REQUIRE(a.size() == 1);
  REQUIRE(b.size() == 1);
  CHECK(TextOf(b[0]) == "NEXT");
}

TEST_CASE("ETX ends a line and is flagged", "[hal][lines]") {
  LineSplitter s(64);
  auto out = Split(s, "LINE\x03");
  REQUIRE(out.size() == 1);
  CHECK(std::get<Line>(out[0]).etx);
}

TEST_CASE("overlong lines are reported once and dropped to their end", "[hal][lines]") {
  LineSplitter s(8);
  auto out = Split(s, std::string(20, 'X') + "\nOK\n");
  REQUIRE(out.size() == 2);
  REQUIRE(std::holds_alternative<FrameError>(out[0]));
  CHECK(std::get<FrameError>(out[0]).kind == "overlong");
  CHECK(TextOf(out[1]) == "OK");
  // A flood without terminators never grows the buffer past the limit.
  for (int i = 0; i < 1000; ++i) Split(s, std::string(4096, 'Z'));
  CHECK(s.buffered() <= 8);
}

TEST_CASE("byte-at-a-time input gives the same lines", "[hal][lines]") {
  const std::string in = "L1\r\nL2\nL3\x03";
  LineSplitter whole(16), bytewise(16);
  auto expected = Split(whole, in);
  std::vector<Decoded<Line>> got;
  for (char c : in) bytewise.Feed(std::string_view(&c, 1), got);
  CHECK(got == expected);
}

TEST_CASE("reset drops and reports a partial line", "[hal][lines]") {
  LineSplitter s(64);
  CHECK(Split(s, "PARTIAL").empty());
  CHECK(s.Reset() == 7);
  CHECK(s.buffered() == 0);
}
