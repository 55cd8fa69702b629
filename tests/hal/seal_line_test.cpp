#include "checkpoint/hal/protocols/seal_line.hpp"

#include <catch2/catch.hpp>
#include <random>

#include "decoder_test_util.hpp"

using namespace checkpoint::hal::protocols;
using checkpoint::hal::SealRead;

using checkpoint::testing::FeedAll;
using checkpoint::testing::Kinds;
using checkpoint::testing::Noise;

namespace {
using Out = std::vector<Decoded<SealRead>>;

SealRead Parse(std::string_view line) {
  auto r = ParseSealLine(line);
  REQUIRE(r.has_value());
  REQUIRE(std::holds_alternative<SealRead>(*r));
  return std::get<SealRead>(*r);
}
const std::string kRecord = "SEAL,TIR-0042317,rfid,intact\r\n";
}  // namespace

TEST_CASE("seal line: bare codes from a barcode scanner", "[hal][seal]") {
  CHECK(Parse("ABCD") == SealRead{"ABCD", "barcode", std::nullopt});
  CHECK(Parse("  cn-88412307x ").seal_id == "CN-88412307X");
  CHECK(Parse("\x02"
              "0012345678")
            .seal_id == "0012345678");
  CHECK(Parse(std::string(40, '9')).seal_id.size() == 40);
  CHECK_FALSE(ParseSealLine("").has_value());
}

TEST_CASE("seal line: SEAL records from e-seal readers", "[hal][seal]") {
  CHECK(Parse("SEAL,TIR-0042317,rfid,intact") == SealRead{"TIR-0042317", "rfid", "intact"});
  for (std::string status : {"intact", "opened", "tampered", "low_battery"}) {
    CHECK(Parse("SEAL,E5000123,rfid," + status).status == status);
  }
  CHECK(Parse("SEAL,ML-775201,barcode") == SealRead{"ML-775201", "barcode", std::nullopt});
  CHECK(Parse("seal , e5000123 , RFID , Low_Battery") ==
        SealRead{"E5000123", "rfid", "low_battery"});
}

TEST_CASE("seal line: malformed lines name the field, never the text", "[hal][seal]") {
  const std::string_view lines[] = {"ABC",
                                    "SECRET-CODE-THAT-IS-FAR-TOO-LONG-FOR-A-SEAL",
                                    "AB_CD",
                                    "SECRET.1",
                                    "SEAL,E5000123,nfc",
                                    "SEAL,E5000123,rfid,broken",
                                    "SEAL,E5000123",
                                    "SEAL,E5000123,rfid,intact,x",
                                    "SEALS,E5000123,rfid",
                                    "SEAL,,rfid",
                                    "SEAL,SECRET!,rfid",
                                    std::string_view("AB\0CD", 5),
                                    "AB\xff"
                                    "CD"};
  for (std::string_view line : lines) {
    auto r = ParseSealLine(line);
    REQUIRE(r.has_value());
    REQUIRE(std::holds_alternative<FrameError>(*r));
    CHECK(std::get<FrameError>(*r).kind == "malformed");
    CHECK(std::get<FrameError>(*r).detail.find("SECRET") == std::string::npos);
  }
  CHECK(std::get<FrameError>(*ParseSealLine("SEAL,E50001!3,rfid")).detail ==
        "field 2 (id): bad character at position 7");
}

TEST_CASE("seal line: stream, overlong and blank lines", "[hal][seal]") {
  SealLineDecoder d;
  auto out =
      FeedAll(d, "\r\n" + kRecord + std::string(300, 'A') + "\r\nABCD1234\n\n?\r\n" + kRecord);
  CHECK(Kinds(out) == "ok,overlong,ok,malformed,ok");
  SealLineDecoder small(SealLineOptions{8});
  CHECK(Kinds(FeedAll(small, kRecord + "ABCD\r\n")) == "overlong,ok");
}

TEST_CASE("seal line: byte-at-a-time equals whole feeding", "[hal][seal]") {
  const std::string in =
      kRecord + "abcd-1\r" + "SEAL,x\n" + "SEAL,E5000123,rfid,opened\x03" + "E50";
  SealLineDecoder whole, bytewise;
  auto expected = FeedAll(whole, in);
  CHECK(Kinds(expected) == "ok,ok,malformed,ok");
  Out got;
  for (char c : in) bytewise.Feed(std::string_view(&c, 1), got);
  CHECK(got == expected);
}

TEST_CASE("seal line: truncation at every byte position", "[hal][seal]") {
  const std::size_t cr = kRecord.find('\r');
  for (std::size_t k = 1; k < cr; ++k) {
    SealLineDecoder d;
    CHECK(FeedAll(d, kRecord.substr(0, k)).empty());
    auto e = d.Reset();
    REQUIRE(e.has_value());
    CHECK(e->kind == "truncated");
    CHECK(Kinds(FeedAll(d, kRecord)) == "ok");
  }
  SealLineDecoder d;
  CHECK_FALSE(d.Reset().has_value());
}

TEST_CASE("seal line: line noise and floods stay bounded", "[hal][seal]") {
  SealLineDecoder d;
  auto out = FeedAll(d, Noise(99, 64 * 1024));
  for (const auto& v : out) {
    if (auto* r = std::get_if<SealRead>(&v)) {
      CHECK(r->seal_id.size() >= 4);
      CHECK(r->seal_id.size() <= 40);
    }
  }
  CHECK(d.buffered() <= 80);
  out = FeedAll(d, "\r\n" + kRecord);
  REQUIRE_FALSE(out.empty());
  CHECK(std::get<SealRead>(out.back()).seal_id == "TIR-0042317");
  SealLineDecoder flood;
  std::size_t errors = 0;
  for (int i = 0; i < 256; ++i) {
    errors += FeedAll(flood, std::string(4096, 'Z')).size();
    CHECK(flood.buffered() <= 80);
  }
  CHECK(errors == 1);
}

TEST_CASE("seal line: encoder round trips", "[hal][seal]") {
  const SealRead reads[] = {{"TIR-0042317", "rfid", "intact"},
                            {"E5000123", "rfid", "low_battery"},
                            {"ML-775201", "barcode", std::nullopt}};
  CHECK(EncodeSealLine(reads[0]) == kRecord);
  CHECK(EncodeSealLine(reads[2], SealLineForm::kBareCode) == "ML-775201\r\n");
  for (const auto& r : reads) {
    for (auto form : {SealLineForm::kRecord, SealLineForm::kBareCode}) {
      if (form == SealLineForm::kBareCode && r.technology != "barcode") continue;
      SealLineDecoder d;
      auto out = FeedAll(d, EncodeSealLine(r, form));
      REQUIRE(Kinds(out) == "ok");
      CHECK(std::get<SealRead>(out[0]) == r);
    }
  }
}
