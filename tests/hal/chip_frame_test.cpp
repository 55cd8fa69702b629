#include "checkpoint/hal/protocols/chip_frame.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace checkpoint::hal::protocols;
using checkpoint::hal::ChipRead;

namespace {

ChipRead Sample(char fill = 'A') {
  ChipRead r;
  r.dg1 = "\x61\x5B\x5F\x1F\x58P<UTOERIKSSON<<ANNA<MARIA" + std::string(40, fill);
  r.dg2 = std::string(5000, '\x02') + std::string(3000, fill);  // STX bytes inside the payload
  r.sod = "\x77\x82\x01\x00" + std::string(200, '\x02');
  return r;
}

std::vector<Decoded<ChipRead>> Whole(std::string_view in) {
  ChipFrameDecoder d;
  std::vector<Decoded<ChipRead>> out;
  d.Feed(in, out);
  return out;
}

std::vector<Decoded<ChipRead>> Bytewise(std::string_view in) {
  ChipFrameDecoder d;
  std::vector<Decoded<ChipRead>> out;
  for (char c : in) d.Feed(std::string_view(&c, 1), out);
  return out;
}

std::vector<std::string> Kinds(const std::vector<Decoded<ChipRead>>& out) {
  std::vector<std::string> k;
  for (const auto& d : out) {
    k.push_back(std::holds_alternative<FrameError>(d) ? std::get<FrameError>(d).kind : "read");
  }
  return k;
}

std::string Frame(std::uint8_t tag, std::uint32_t length, std::string_view payload) {
  std::string f = EncodeChipFrame(tag, payload);
  f[2] = static_cast<char>(length >> 24);
  f[3] = static_cast<char>(length >> 16 & 0xFF);
  f[4] = static_cast<char>(length >> 8 & 0xFF);
  f[5] = static_cast<char>(length & 0xFF);
  return f;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("hal chip frames: encoder round trip, byte-at-a-time equals whole", "[hal][chip]") {
  const std::string stream = EncodeChipRead(Sample('A')) + EncodeChipReaderError("BAC failed") +
                             EncodeChipRead(ChipRead{"DG1ONLY", "", ""}) +
                             EncodeChipRead(Sample('B'));
  auto whole = Whole(stream);
  REQUIRE(Kinds(whole) == V{"read", "reader_error", "read", "read"});
  CHECK(std::get<ChipRead>(whole[0]) == Sample('A'));
  CHECK(std::get<FrameError>(whole[1]).detail == "BAC failed");
  CHECK(std::get<ChipRead>(whole[2]) == ChipRead{"DG1ONLY", "", ""});
  CHECK(std::get<ChipRead>(whole[3]) == Sample('B'));
  CHECK(Bytewise(stream) == whole);
}

TEST_CASE("hal chip frames: the documented byte layout", "[hal][chip]") {
  const std::string f = EncodeChipFrame(chip_tag::kEnd, {});
  // STX, tag, length 0, CRC-32 of 04 00 00 00 00.
  CHECK(f == std::string("\x02\x04\x00\x00\x00\x00\x33\xA2\x51\xDD", 10));
}

TEST_CASE("hal chip frames: reset at every byte reports truncated, nothing else", "[hal][chip]") {
  const std::string doc = EncodeChipRead(ChipRead{std::string(30, '\x02'), "face", "sod"});
  for (std::size_t k = 1; k < doc.size(); ++k) {
    ChipFrameDecoder d;
    std::vector<Decoded<ChipRead>> out;
    d.Feed(doc.substr(0, k), out);
    d.Reset(out);
    INFO(k);
    CHECK(Kinds(out) == V{"truncated"});
  }
  ChipFrameDecoder idle;
  std::vector<Decoded<ChipRead>> out;
  idle.Reset(out);
  CHECK(out.empty());
}

TEST_CASE("hal chip frames: faults and resynchronisation", "[hal][chip]") {
  const std::string good = EncodeChipRead(Sample());
  SECTION("garbage before a document: one error per run") {
    CHECK(Kinds(Whole("noise\x01\x03" + good + "more" + good)) ==
          V{"garbage", "read", "garbage", "read"});
  }
  SECTION("checksum") {
    std::string bad = EncodeChipRead(Sample());
    bad[20] ^= 0x01;  // inside DG1
    CHECK(Kinds(Whole(bad + good)) == V{"checksum", "read"});
  }
  SECTION("unknown tag") {
    CHECK(Kinds(Whole(EncodeChipFrame(0x55, "x") + good)) == V{"unsupported", "read"});
  }
  SECTION("length over the tag's limit, without waiting for the payload") {
    CHECK(Kinds(Whole(Frame(chip_tag::kDg1, 2000, "x") + good)) == V{"too_large", "read"});
    CHECK(Kinds(Whole(Frame(chip_tag::kDg2, 0xFFFFFFFF, "x") + good)) == V{"too_large", "read"});
    CHECK(Kinds(Whole(EncodeChipReaderError(std::string(300, 'e')) + good)) ==
          V{"reader_error", "read"});
    CHECK(Kinds(Whole(EncodeChipFrame(chip_tag::kReaderError, std::string(257, 'e')) + good)) ==
          V{"too_large", "read"});
  }
  SECTION("END with a payload, empty data group") {
    CHECK(Kinds(Whole(EncodeChipFrame(chip_tag::kEnd, "x") + good)) == V{"malformed", "read"});
    CHECK(Kinds(Whole(EncodeChipFrame(chip_tag::kDg2, "") + good)) == V{"malformed", "read"});
  }
  SECTION("duplicate data group and END without DG1") {
    std::string dup = EncodeChipFrame(chip_tag::kDg1, "one") +
                      EncodeChipFrame(chip_tag::kDg1, "two") + EncodeChipFrame(chip_tag::kEnd, "");
    auto out = Whole(dup);
    REQUIRE(Kinds(out) == V{"malformed", "read"});
    CHECK(std::get<ChipRead>(out[1]).dg1 == "two");
    CHECK(Kinds(Whole(EncodeChipFrame(chip_tag::kDg2, "face") +
                      EncodeChipFrame(chip_tag::kEnd, ""))) == V{"malformed"});
  }
  SECTION("a lost data group gives one error, not a second one at END") {
    std::string bad = EncodeChipRead(Sample());
    bad[100] ^= 0x40;  // inside DG2
    CHECK(Kinds(Whole(bad + good)) == V{"checksum", "read"});
  }
  SECTION("reader error text is reduced to printable ASCII") {
    auto out = Whole(EncodeChipReaderError("BAC\x07 failed\n\xC3\xA9"));
    REQUIRE(out.size() == 1);
    CHECK(std::get<FrameError>(out[0]) == FrameError{"reader_error", "BAC? failed???"});
  }
  SECTION("a frame cut short by a reader restart: the next document is found inside it") {
    const std::string partial =
        EncodeChipFrame(chip_tag::kDg2, std::string(100, 'A')).substr(0, 20);
    const ChipRead d1{std::string(20, 'x'), "", ""};
    const ChipRead d2{std::string(60, 'y'), "", ""};
    auto out = Whole(partial + EncodeChipRead(d1) + EncodeChipRead(d2));
    REQUIRE(Kinds(out) == V{"checksum", "read", "read"});
    CHECK(std::get<ChipRead>(out[1]) == d1);
    CHECK(std::get<ChipRead>(out[2]) == d2);
    CHECK(Bytewise(partial + EncodeChipRead(d1) + EncodeChipRead(d2)) == out);
  }
}

TEST_CASE("hal chip frames: memory stays bounded by the largest frame", "[hal][chip]") {
  ChipFrameDecoder d;
  std::vector<Decoded<ChipRead>> out;
  d.Feed(Frame(chip_tag::kDg2, kChipMaxDg2, ""), out);
  for (int i = 0; i < 300; ++i) {
    d.Feed(std::string(4096, '\x02'), out);
    REQUIRE(d.buffered() <= 2 * (kChipMaxDg2 + 10));
  }
  CHECK(Kinds(out) == V{"checksum"});
}
