#include <catch2/catch.hpp>
#include <string>

#include "checkpoint/hal/protocols/n42.hpp"

using namespace checkpoint::hal::protocols;

namespace {

checkpoint::hal::RadiationReading Sample() {
  checkpoint::hal::RadiationReading r;
  r.occupied = true;
  r.duration_s = 2;
  r.gamma_cps = 500;
  r.neutron_cps = 1;
  return r;
}

std::vector<Decoded<std::string>> Whole(std::string_view in, N42FramerOptions o = {}) {
  N42Framer f(o);
  std::vector<Decoded<std::string>> out;
  f.Feed(in, out);
  return out;
}

std::vector<Decoded<std::string>> Bytewise(std::string_view in, N42FramerOptions o = {}) {
  N42Framer f(o);
  std::vector<Decoded<std::string>> out;
  for (char c : in) f.Feed(std::string_view(&c, 1), out);
  return out;
}

std::string Kind(const Decoded<std::string>& d) {
  return std::holds_alternative<FrameError>(d) ? std::get<FrameError>(d).kind : "doc";
}

}  // namespace

TEST_CASE("hal n42 framer: splits documents with prologs, whitespace between",
          "[hal][n42][framer]") {
  const std::string a = EncodeN42_2011(Sample());
  const std::string b = EncodeN42_2006(Sample());
  auto out = Whole(a + "\r\n  " + b + "\n");
  REQUIRE(out.size() == 2);
  CHECK(std::get<std::string>(out[0]) + "\n" == a);
  CHECK(std::get<std::string>(out[1]) + "\n" == b);
  CHECK(std::holds_alternative<checkpoint::hal::RadiationReading>(
      ParseN42(std::get<std::string>(out[1]))));
}

TEST_CASE("hal n42 framer: byte-at-a-time feeding equals whole feeding", "[hal][n42][framer]") {
  const std::string doc = EncodeN42_2011(Sample());
  const std::string stream =
      "junk" + doc + "<foo/>" + doc + "\x01\x02<?xml?>" +
      "<n42:RadInstrumentData xmlns:n42=\"x\"><!-- </n42:RadInstrumentData> -->"
      "<a b='>'/><![CDATA[</RadInstrumentData>]]></n42:RadInstrumentData>" +
      std::string(3000, 'x') + doc;
  auto whole = Whole(stream, {4096});
  CHECK(Bytewise(stream, {4096}) == whole);
  std::vector<std::string> kinds;
  for (const auto& d : whole) kinds.push_back(Kind(d));
  CHECK(kinds == std::vector<std::string>{"garbage", "doc", "garbage", "doc", "garbage", "doc",
                                          "garbage", "doc"});
}

TEST_CASE("hal n42 framer: comments, CDATA and quoted '>' do not end a document",
          "[hal][n42][framer]") {
  const std::string doc =
      "<RadInstrumentData a=\"</RadInstrumentData>\"><!-- </RadInstrumentData> -->"
      "<![CDATA[ </RadInstrumentData> ]]><?pi </RadInstrumentData> ?><x/></RadInstrumentData>";
  auto out = Whole(doc);
  REQUIRE(out.size() == 1);
  CHECK(std::get<std::string>(out[0]) == doc);
  CHECK(Whole("<N42InstrumentData/>").size() == 1);
}

TEST_CASE("hal n42 framer: an oversized document is reported and skipped", "[hal][n42][framer]") {
  const std::string doc = EncodeN42_2011(Sample());
  const std::string big = "<RadInstrumentData>" + std::string(5000, 'x') + "</RadInstrumentData>";
  N42Framer f({2048});
  std::vector<Decoded<std::string>> out;
  f.Feed(big + doc, out);
  REQUIRE(out.size() == 2);
  CHECK(std::get<FrameError>(out[0]).kind == "too_large");
  CHECK(std::get<std::string>(out[1]) + "\n" == doc);
  // A start that never ends costs at most max_bytes.
  f.Feed("<RadInstrumentData>", out);
  for (int i = 0; i < 100; ++i) f.Feed(std::string(1000, 'y'), out);
  CHECK(f.buffered() <= 2048);
}

TEST_CASE("hal n42 framer: reset at every byte of a document reports truncated",
          "[hal][n42][framer]") {
  std::string doc = EncodeN42_2011(Sample());
  doc.pop_back();  // the trailing newline is outside the document
  for (std::size_t k = 1; k < doc.size(); ++k) {
    N42Framer f;
    std::vector<Decoded<std::string>> out;
    f.Feed(doc.substr(0, k), out);
    f.Reset(out);
    INFO(k);
    REQUIRE(out.size() == 1);
    CHECK(std::get<FrameError>(out[0]).kind == "truncated");
  }
  N42Framer f;
  std::vector<Decoded<std::string>> out;
  f.Reset(out);
  CHECK(out.empty());
}

TEST_CASE("hal n42 framer: a new document inside an unfinished one truncates it",
          "[hal][n42][framer]") {
  const std::string doc = EncodeN42_2006(Sample());
  auto out = Whole(doc.substr(0, 300) + doc);
  REQUIRE(out.size() == 2);
  CHECK(std::get<FrameError>(out[0]).kind == "truncated");
  CHECK(std::holds_alternative<checkpoint::hal::RadiationReading>(
      ParseN42(std::get<std::string>(out[1]))));
}
